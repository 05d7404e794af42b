"""The `/devin-insights alerts` card: where alerts go, for which reasons, the last delivery problem and its fix."""

from __future__ import annotations

from collections.abc import Sequence

from blocks.kit import Block, Message, context, header, lines_within, message, section
from blocks.status import detail_label
from blocks.text import channel_mention, code, slack_date
from bot.ids import SLASH_COMMAND

REASONS_MAX = 1500
ERROR_CODE_MAX = 100
SETTINGS_HEADER = "Suspension alerts"
HOW_TO_CHANGE = (
    "*Change them*\n"
    f"`{SLASH_COMMAND} alerts on` — send alerts to this channel for the default reasons\n"
    f"`{SLASH_COMMAND} alerts on out_of_credits payment_declined` — only for the reasons you list\n"
    f"`{SLASH_COMMAND} alerts off` — stop alerts in this channel"
)
INVITE = "/invite @devin-insights"
_TOKEN_FIX = "The app's Slack token no longer works: reinstall the app and update `SLACK_BOT_TOKEN`."
_SLACK_DOWN_FIX = "Slack had a problem on its side; the alerts are retried automatically."
_FORMAT_FIX = "Slack refused the message itself; this is a bug in the app, please report it with the app log."
ERROR_FIXES: dict[str, str] = {
    "not_in_channel": f"Invite @devin-insights to this channel (`{INVITE}`).",
    "channel_not_found": (
        f"The app cannot see this channel: invite it (`{INVITE}`), or turn alerts on in another channel."
    ),
    "is_archived": "The channel is archived: unarchive it, or turn alerts on in another channel.",
    "missing_scope": "The app lacks a permission: reinstall it so Slack grants the scopes in its manifest.",
    "restricted_action": "A workspace setting stops the app posting here: ask an admin, or use another channel.",
    "ratelimited": "Slack was rate-limiting the app; the alerts are retried automatically.",
    "not_authed": _TOKEN_FIX,
    "invalid_auth": _TOKEN_FIX,
    "account_inactive": _TOKEN_FIX,
    "token_revoked": _TOKEN_FIX,
    "token_expired": _TOKEN_FIX,
    "fatal_error": _SLACK_DOWN_FIX,
    "internal_error": _SLACK_DOWN_FIX,
    "service_unavailable": _SLACK_DOWN_FIX,
    "request_timeout": _SLACK_DOWN_FIX,
    "msg_too_long": _FORMAT_FIX,
    "msg_blocks_too_long": _FORMAT_FIX,
    "invalid_blocks": _FORMAT_FIX,
}
GENERIC_FIX = "The app log has the details; undelivered alerts are retried."


def alert_settings_message(
    *,
    channel_id: str,
    enabled: bool,
    reasons: Sequence[str],
    is_default_channel: bool,
    last_error: str | None,
    last_error_at: int | None,
    pending: int,
) -> Message:
    """The current alert settings for `channel_id`, how to change them, and the last delivery problem."""
    where = channel_mention(channel_id) or code(channel_id, 40) or "this channel"
    if enabled:
        state = f":bell: Alerts are *on* and go to {where}."
    else:
        state = f":no_bell: Alerts are *off* for {where}."
    if is_default_channel:
        state += "\nThis is the default alert channel, set by `ALERT_CHANNEL`."
    blocks: list[Block] = [header(SETTINGS_HEADER), section(state), section(_reasons(reasons))]
    if pending > 0:
        blocks.append(context(f":outbox_tray: {pending:,} alert{'s' if pending != 1 else ''} waiting to be delivered"))
    if last_error:
        blocks.append(section(_last_error(last_error, last_error_at)))
    blocks.append(section(HOW_TO_CHANGE))
    summary = f"Suspension alerts are {'on' if enabled else 'off'} for this channel"
    return message(summary, blocks)


def delivery_fix(error: str) -> str:
    """What to do about a Slack error code met while delivering an alert."""
    return ERROR_FIXES.get(error.strip(), GENERIC_FIX)


def _reasons(reasons: Sequence[str]) -> str:
    if not reasons:
        return "*Reasons that raise an alert*\nnone: no suspension will raise an alert"
    lines = [f"• {detail_label(r) or 'no reason'} ({code(r, 60)})" for r in reasons]
    body = lines_within(lines, REASONS_MAX, lambda n: f"+{n:,} more")
    return f"*Reasons that raise an alert*\n{body}"


def _last_error(error: str, at: int | None) -> str:
    when = f" ({slack_date(at)})" if at else ""
    return f":warning: *Last delivery problem*{when}: {code(error, ERROR_CODE_MAX)}\n{delivery_fix(error)}"
