"""What a Slack failure means for an outbox row: retry later, give up on the channel, or skip one step."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from slack_sdk.errors import SlackApiError

from bot.devin.errors import parse_retry_after

RETRY_AFTER_DEFAULT = 1.0
"""Seconds to wait after a 429 that carries no `Retry-After`."""

CHANNEL_FIXES: dict[str, str] = {
    "channel_not_found": "the channel does not exist, or it is private and the app is not in it: "
    "invite the app to the channel (/invite @devin-insights) or correct ALERT_CHANNEL",
    "not_in_channel": "invite the app to the channel: /invite @devin-insights",
    "is_archived": "the channel is archived: unarchive it, or choose another channel (ALERT_CHANNEL or `alerts on`)",
    "invalid_auth": "SLACK_BOT_TOKEN is not valid: copy the Bot User OAuth Token again and restart",
    "not_authed": "SLACK_BOT_TOKEN is missing: set it and restart",
    "account_inactive": "the app's token belongs to a deactivated user or an uninstalled app: reinstall it and "
    "update SLACK_BOT_TOKEN",
    "token_revoked": "the app's token was revoked: reinstall the app and update SLACK_BOT_TOKEN",
    "token_expired": "the app's token expired: reinstall the app (or turn off token rotation) and update "
    "SLACK_BOT_TOKEN",
    "missing_scope": "the app lacks the chat:write scope: add it under OAuth & Permissions and reinstall",
    "no_permission": "the workspace does not let the app post here: ask a Slack admin",
    "restricted_action": "a workspace setting stops the app posting in this channel: ask a Slack admin",
    "restricted_action_read_only_channel": "the channel is read-only: choose another channel",
    "restricted_action_thread_only_channel": "the channel only allows thread replies: choose another channel",
    "restricted_action_non_threadable_channel": "the channel does not allow threads: choose another channel",
    "team_access_not_granted": "the app is not granted access to this workspace: ask an org admin",
    "ekm_access_denied": "Slack EKM denied access: ask a Slack admin",
    "channel_is_archived": "the channel is archived: unarchive it or choose another channel",
}
"""Errors no retry can fix until a person changes something, with what that person should do."""

UPDATE_IMPOSSIBLE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
"""`chat.update` can never succeed for this message (deleted, or too old): skip the edit, keep the reply."""


class FailureKind(StrEnum):
    TRANSIENT = "transient"
    """Rate limit, 5xx, timeout, connection, or an error we do not know: retry later with backoff."""
    CHANNEL = "channel"
    """Nothing sent to this channel can succeed until someone acts (see CHANNEL_FIXES)."""
    UPDATE_IMPOSSIBLE = "update_impossible"
    """This message cannot be edited any more."""


@dataclass(frozen=True)
class SlackFailure:
    """A classified Slack failure."""

    kind: FailureKind
    error: str
    """Slack's error code, or the exception's class name."""
    retry_after: float | None = None
    """Seconds Slack asked us to wait (429)."""

    @property
    def fix(self) -> str:
        return CHANNEL_FIXES.get(self.error, "")


def classify_api_error(exc: SlackApiError) -> SlackFailure:
    """Map a SlackApiError (an `ok: false` answer or an HTTP error) to what to do next."""
    response = exc.response
    status = int(getattr(response, "status_code", 0) or 0)
    data = getattr(response, "data", None)
    error = str(data.get("error") or "") if isinstance(data, dict) else ""
    if status == 429 or error == "ratelimited":
        headers = getattr(response, "headers", None) or {}
        raw = headers.get("Retry-After") or headers.get("retry-after")
        wait = parse_retry_after(str(raw)) if raw is not None else None
        return SlackFailure(FailureKind.TRANSIENT, "ratelimited", wait if wait is not None else RETRY_AFTER_DEFAULT)
    if error in CHANNEL_FIXES:
        return SlackFailure(FailureKind.CHANNEL, error)
    if error in UPDATE_IMPOSSIBLE:
        return SlackFailure(FailureKind.UPDATE_IMPOSSIBLE, error)
    return SlackFailure(FailureKind.TRANSIENT, error or f"http_{status}")


def transport_failure(exc: BaseException) -> SlackFailure:
    """A timeout or connection error: always worth retrying."""
    return SlackFailure(FailureKind.TRANSIENT, type(exc).__name__)
