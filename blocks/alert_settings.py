"""The `/devin-insights alerts` card: where alerts go, for which reasons, what is snoozed or muted, whether
resolutions are broadcast, the last delivery problem and its fix."""

from __future__ import annotations

from collections.abc import Sequence

from blocks.alert_quiet import QuietNote, quiet_settings_lines
from blocks.kit import Block, Message, context, header, lines_within, message, section
from blocks.sentences import slack_error_fix
from blocks.status import detail_label
from blocks.text import channel_mention, code, escape, slack_date
from bot.ids import SLASH_COMMAND

REASONS_MAX = 1500
ERROR_CODE_MAX = 100
SETTINGS_HEADER = "Suspension alerts"
HOW_TO_CHANGE = (
    "*Change them*\n"
    f"`{SLASH_COMMAND} alerts on` — send alerts to this channel for the default reasons\n"
    f"`{SLASH_COMMAND} alerts on out_of_credits payment_declined` — only for the reasons you list\n"
    f"`{SLASH_COMMAND} alerts off` — stop alerts in this channel\n"
    f"`{SLASH_COMMAND} alerts broadcast on|off` — also send each resolution to the channel, or keep it in the thread"
)


def alert_settings_message(
    *,
    channel_id: str,
    enabled: bool,
    reasons: Sequence[str],
    is_default_channel: bool,
    last_error: str | None,
    last_error_at: int | None,
    last_error_fix: str | None = None,
    pending: int,
    quiet: Sequence[QuietNote] = (),
    suppressed: int = 0,
    broadcast: bool = False,
) -> Message:
    """The current alert settings for `channel_id`, how to change them, and the last delivery problem.

    `quiet` are the reasons snoozed or muted here now; `suppressed` the suspensions they kept from the channel.
    """
    where = channel_mention(channel_id) or code(channel_id, 40) or "this channel"
    if enabled:
        state = f":bell: Alerts are *on* and go to {where}."
    else:
        state = f":no_bell: Alerts are *off* for {where}."
    if is_default_channel:
        state += "\nThis is the default alert channel, set by `ALERT_CHANNEL`."
    if broadcast:
        state += "\n:mega: Resolutions are also sent to the channel, not only to the alert's thread."
    blocks: list[Block] = [header(SETTINGS_HEADER), section(state), section(_reasons(reasons))]
    blocks += quiet_settings_lines(list(quiet), suppressed)
    if pending > 0:
        blocks.append(context(f":outbox_tray: {pending:,} alert{'s' if pending != 1 else ''} waiting to be delivered"))
    if last_error:
        blocks.append(section(_last_error(last_error, last_error_at, last_error_fix)))
    blocks.append(section(HOW_TO_CHANGE))
    summary = f"Suspension alerts are {'on' if enabled else 'off'} for this channel"
    return message(summary, blocks)


def _reasons(reasons: Sequence[str]) -> str:
    if not reasons:
        return "*Reasons that raise an alert*\nnone: no suspension will raise an alert"
    lines = [f"• {detail_label(r) or 'no reason'} ({code(r, 60)})" for r in reasons]
    body = lines_within(lines, REASONS_MAX, lambda n: f"+{n:,} more")
    return f"*Reasons that raise an alert*\n{body}"


def _last_error(error: str, at: int | None, fix: str | None) -> str:
    # The fix is shown as it was stored when the problem was recorded; older rows without one get the table's.
    when = f" ({slack_date(at)})" if at else ""
    remedy = escape(fix) if fix else slack_error_fix(error)
    return f":warning: *Last delivery problem*{when}: {code(error, ERROR_CODE_MAX)}\n{remedy}"
