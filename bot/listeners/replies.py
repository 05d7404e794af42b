"""Plain sentences for users when something they asked for cannot be done; details go to the log."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.devin.errors import (
    DevinAuthError,
    DevinConnectionError,
    DevinError,
    DevinInvalidResponseError,
    DevinNotFoundError,
    DevinRateLimitError,
    DevinServerError,
    DevinTimeoutError,
)

SESSION_NOT_FOUND = (
    "I couldn't find that Devin session. Check the link, and that the session belongs to this workspace's Devin "
    "organization."
)
DEVIN_AUTH = (
    "Devin refused the app's credentials or permissions. An admin should run `devin-insights check` "
    "(the service user needs the ViewOrgSessions permission)."
)
DEVIN_MANAGE_AUTH = (
    "Devin refused to generate insights: the app's service user needs the ManageOrgSessions permission. "
    "Ask a Devin admin, or generate them from the Devin web app."
)
DEVIN_RATE_LIMITED = "Devin is asking the app to slow down right now. Try again in a minute."
DEVIN_TIMEOUT = "Devin didn't answer in time. Try again in a minute."
DEVIN_UNREACHABLE = "I couldn't reach Devin just now. Try again in a minute."
DEVIN_SERVER = "Devin is having trouble right now (it answered with a server error). Try again in a few minutes."
DEVIN_INVALID = "Devin sent an answer I couldn't read. The app's log has the details for an admin."
DEVIN_OTHER = "Devin couldn't answer that request. The app's log has the details for an admin."
NOT_ALLOWED_WORKSPACE = "Sorry, devin-insights isn't enabled for your workspace."
NOT_ALLOWED_CHANNEL = (
    "Session lookups aren't enabled in this conversation. Try a channel where devin-insights is allowed."
)
CANNOT_POST_HERE = (
    "I can't post in this conversation. Invite me with `/invite @devin-insights` (or use a channel I'm in) and try "
    "again."
)
SLACK_TROUBLE = "Slack didn't accept my message just now. Try again in a minute."
NOT_ADMIN = "Only Slack workspace admins and the app's configured admins can change alert settings."
ADMIN_CHECK_FAILED = "I couldn't check your Slack role just now, so nothing changed. Try again in a minute."
ALERTS_UNAVAILABLE = "Alerts aren't running in this deployment of devin-insights."

_CANNOT_POST_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived", "restricted_action"})


def devin_error_sentence(error: DevinError, *, generating: bool = False) -> str:
    """One human sentence for a Devin failure."""
    if isinstance(error, DevinNotFoundError):
        return SESSION_NOT_FOUND
    if isinstance(error, DevinAuthError):
        return DEVIN_MANAGE_AUTH if generating and error.status == 403 else DEVIN_AUTH
    if isinstance(error, DevinRateLimitError):
        return DEVIN_RATE_LIMITED
    if isinstance(error, DevinTimeoutError):
        return DEVIN_TIMEOUT
    if isinstance(error, DevinConnectionError):
        return DEVIN_UNREACHABLE
    if isinstance(error, DevinServerError):
        return DEVIN_SERVER
    if isinstance(error, DevinInvalidResponseError):
        return DEVIN_INVALID
    return DEVIN_OTHER


def slack_error_sentence(error: SlackApiError) -> str:
    """One human sentence for a Slack Web API failure when posting on the user's behalf."""
    code = error.response.get("error") if error.response is not None else None
    return CANNOT_POST_HERE if code in _CANNOT_POST_ERRORS else SLACK_TROUBLE
