"""Who and what the sandbox workspace has: its ids, its seeded channels and users, as Slack describes them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.sandbox import SANDBOX_BOT_USER_ID, SANDBOX_CHANNEL_ID, SANDBOX_TEAM_ID
from bot.slack.scopes import BOT_SCOPES

SANDBOX_APP_ID = "A0SANDBOX"
SANDBOX_BOT_ID = "B0SANDBOX"
SANDBOX_TEAM_NAME = "Devin Insights Sandbox"
SANDBOX_TEAM_DOMAIN = "devin-insights-sandbox"
SHARED_CHANNEL_ID = "C0SANDBOXEXT"
NOT_MEMBER_CHANNEL_ID = "C0SANDBOXOUT"
ARCHIVED_CHANNEL_ID = "C0SANDBOXOLD"
PRIVATE_CHANNEL_ID = "C0SANDBOXPRV"
REGULAR_USER_ID = "U0SANDBOXUSR"
ADMIN_USER_ID = "U0SANDBOXADM"
OWNER_USER_ID = "U0SANDBOXOWN"
EXTERNAL_TEAM_ID = "T0PARTNER"
EXTERNAL_USER_ID = "U0PARTNERUSR"
DEFAULT_SCOPES = tuple(BOT_SCOPES)
"""What installing `manifest.yml` grants."""
Json = dict[str, Any]


@dataclass
class ChannelInfo:
    """One conversation of the sandbox workspace, as `conversations.info` describes it."""

    id: str
    name: str
    is_private: bool = False
    is_member: bool = True
    is_archived: bool = False
    is_ext_shared: bool = False
    is_im: bool = False

    def to_api(self) -> Json:
        """The `channel` object of `conversations.info`."""
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not (self.is_private or self.is_im),
            "is_group": self.is_private and not self.is_im,
            "is_im": self.is_im,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": False,
            "is_member": self.is_member,
            "is_shared": self.is_ext_shared,
            "is_ext_shared": self.is_ext_shared,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "context_team_id": SANDBOX_TEAM_ID,
            "created": 1700000000,
            "creator": OWNER_USER_ID,
        }


@dataclass
class UserInfo:
    """One user as `users.info` describes them; `email` is shown only with the `users:read.email` scope."""

    id: str
    name: str
    is_admin: bool = False
    is_owner: bool = False
    is_primary_owner: bool = False
    is_bot: bool = False
    team_id: str = SANDBOX_TEAM_ID
    email: str | None = None
    tz: str = "Etc/UTC"
    """IANA time zone, as Slack reports it (digests are scheduled in it)."""

    def to_api(self, *, with_email: bool) -> Json:
        """The `user` object of `users.info`."""
        profile: Json = {"real_name": self.name, "display_name": self.name, "team": self.team_id}
        if with_email and self.email:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "real_name": self.name,
            "deleted": False,
            "tz": self.tz,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": self.is_primary_owner,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "profile": profile,
        }


def default_channels() -> dict[str, ChannelInfo]:
    """Seed conversations: a normal one, a Slack Connect one, one without the bot, an archived and a private one."""
    channels = [
        ChannelInfo(SANDBOX_CHANNEL_ID, "devin-sandbox"),
        ChannelInfo(SHARED_CHANNEL_ID, "ext-partner-devin", is_ext_shared=True),
        ChannelInfo(NOT_MEMBER_CHANNEL_ID, "random", is_member=False),
        ChannelInfo(ARCHIVED_CHANNEL_ID, "old-alerts", is_archived=True),
        ChannelInfo(PRIVATE_CHANNEL_ID, "devin-private", is_private=True),
    ]
    return {c.id: c for c in channels}


def default_users() -> dict[str, UserInfo]:
    """Seed users: a regular member, an admin, the primary owner, a Slack Connect partner and the bot."""
    users = [
        UserInfo(REGULAR_USER_ID, "sandbox-user", email="user@example.com"),
        UserInfo(ADMIN_USER_ID, "sandbox-admin", is_admin=True, email="admin@example.com"),
        UserInfo(OWNER_USER_ID, "sandbox-owner", is_admin=True, is_owner=True, is_primary_owner=True),
        UserInfo(EXTERNAL_USER_ID, "partner-user", team_id=EXTERNAL_TEAM_ID),
        UserInfo(SANDBOX_BOT_USER_ID, "devin-insights", is_bot=True),
    ]
    return {u.id: u for u in users}
