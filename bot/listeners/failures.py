"""Which sentence (from `blocks/sentences.py`) explains a Devin or Slack failure to the person who asked."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from blocks import sentences
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

_CANNOT_POST_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived", "restricted_action"})


def devin_error_sentence(error: DevinError, *, generating: bool = False) -> str:
    """One human sentence for a Devin failure."""
    if isinstance(error, DevinNotFoundError):
        return sentences.SESSION_NOT_FOUND
    if isinstance(error, DevinAuthError):
        return sentences.DEVIN_MANAGE_AUTH if generating and error.status == 403 else sentences.DEVIN_AUTH
    if isinstance(error, DevinRateLimitError):
        return sentences.DEVIN_RATE_LIMITED
    if isinstance(error, DevinTimeoutError):
        return sentences.DEVIN_TIMEOUT
    if isinstance(error, DevinConnectionError):
        return sentences.DEVIN_UNREACHABLE
    if isinstance(error, DevinServerError):
        return sentences.DEVIN_SERVER
    if isinstance(error, DevinInvalidResponseError):
        return sentences.DEVIN_INVALID
    return sentences.DEVIN_OTHER


def slack_error_sentence(error: SlackApiError) -> str:
    """One human sentence for a Slack Web API failure when posting on the user's behalf."""
    code = error.response.get("error") if error.response is not None else None
    return sentences.CANNOT_POST_HERE if code in _CANNOT_POST_ERRORS else sentences.SLACK_TROUBLE
