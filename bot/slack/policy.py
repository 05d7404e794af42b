"""Who may use the app where: workspaces, channels for lookups, and admins for settings."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings


@dataclass(frozen=True)
class AccessPolicy:
    """Decisions from `ALLOWED_TEAM_IDS`, `ALLOWED_CHANNEL_IDS` and `ADMIN_USER_IDS`."""

    allowed_team_ids: frozenset[str] = frozenset()
    allowed_channel_ids: frozenset[str] = frozenset()
    admin_user_ids: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Settings) -> AccessPolicy:
        return cls(
            allowed_team_ids=frozenset(settings.allowed_team_ids),
            allowed_channel_ids=frozenset(settings.allowed_channel_ids),
            admin_user_ids=frozenset(settings.admin_user_ids),
        )

    def team_allowed(
        self, *, user_team_id: str, enterprise_id: str, installed_team_id: str, installed_enterprise_id: str
    ) -> bool:
        """Is the requesting user's own workspace (or Grid org) allowed?

        The user's team, not the channel's, decides: in a Slack Connect channel a guest's workspace
        differs from ours, and the guest must get a refusal, not our org's data. Without
        `ALLOWED_TEAM_IDS`, only the installing workspace (or its Grid org) is allowed.
        """
        if not user_team_id and not enterprise_id:
            return False
        if self.allowed_team_ids:
            return user_team_id in self.allowed_team_ids or (
                bool(enterprise_id) and enterprise_id in self.allowed_team_ids
            )
        if user_team_id and user_team_id == installed_team_id:
            return True
        return bool(installed_enterprise_id) and enterprise_id == installed_enterprise_id

    def channel_allowed(self, channel_id: str) -> bool:
        """Lookups are answered everywhere unless `ALLOWED_CHANNEL_IDS` is set."""
        return not self.allowed_channel_ids or channel_id in self.allowed_channel_ids

    def is_configured_admin(self, user_id: str) -> bool:
        return user_id in self.admin_user_ids
