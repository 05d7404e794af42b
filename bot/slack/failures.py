"""What a Slack failure means for an outbox row: retry later, give up on the channel, or skip one step."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from slack_sdk.errors import SlackApiError

from blocks.sentences import slack_error_fix
from bot.devin.errors import parse_retry_after

RETRY_AFTER_DEFAULT = 1.0
"""Seconds to wait after a 429 that carries no `Retry-After`."""
BACKOFF_INITIAL_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 300.0
"""Retries of one outbox row slow down to one every five minutes, never slower."""


def backoff_seconds(attempts: int) -> float:
    """Wait before retry number `attempts` (1-based) of an alert or a team post: 5 s, 10 s, 20 s, … at most 5 min."""
    return float(min(BACKOFF_MAX_SECONDS, BACKOFF_INITIAL_SECONDS * 2 ** max(0, attempts - 1)))


CHANNEL_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "channel_is_archived",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "no_permission",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
        "team_access_not_granted",
        "ekm_access_denied",
    }
)
"""Errors no retry can fix until a person changes something (the remedy is in `blocks.sentences`)."""

UPDATE_IMPOSSIBLE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
"""`chat.update` can never succeed for this message (deleted, or too old): skip the edit, keep the reply."""


class FailureKind(StrEnum):
    TRANSIENT = "transient"
    """Rate limit, 5xx, timeout, connection, or an error we do not know: retry later with backoff."""
    CHANNEL = "channel"
    """Nothing sent to this channel can succeed until someone acts (see CHANNEL_ERRORS)."""
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
        """What a person should do, for failures only a person can fix; empty otherwise."""
        return slack_error_fix(self.error) if self.kind is FailureKind.CHANNEL else ""


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
    if error in CHANNEL_ERRORS:
        return SlackFailure(FailureKind.CHANNEL, error)
    if error in UPDATE_IMPOSSIBLE:
        return SlackFailure(FailureKind.UPDATE_IMPOSSIBLE, error)
    return SlackFailure(FailureKind.TRANSIENT, error or f"http_{status}")


def transport_failure(exc: BaseException) -> SlackFailure:
    """A timeout or connection error: always worth retrying."""
    return SlackFailure(FailureKind.TRANSIENT, type(exc).__name__)
