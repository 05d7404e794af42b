"""A scheduled digest (the summary for the period since the last one, posted visibly) and the `digest` replies. Pure."""

from __future__ import annotations

from blocks.kit import Message, context, message, section
from blocks.summary import summary_message
from blocks.text import channel_mention, code, inline, user_mention, utc
from bot.insights.figures import Figures

WHEN_MAX = 120
"""`weekly on Wednesday at 09:00 (<time zone from Slack>)`: the zone name is Slack's data, so it is escaped."""
FIX_MAX = 500
STOP_HINT = "Stop it with `/devin-insights digest off` in this channel."
SCHEDULED = "Digest scheduled."
POSTED_NOW = "Posted a digest in this channel."
NOTHING_TO_STOP = "This channel had no digest."
STOPPED = "Stopped this channel's digest."
NO_SCHEDULE = (
    ":calendar: This channel gets no digest. Schedule one with `/devin-insights digest daily 09:00` or "
    "`/devin-insights digest weekly mon 09:00` (your Slack time zone)."
)


def digest_title(cadence: str) -> str:
    return {"daily": "Daily Devin digest", "weekly": "Weekly Devin digest"}.get(cadence, "Devin digest")


def digest_message(figures: Figures, *, cadence: str, when: str, scheduled_by: str | None, app_url: str) -> Message:
    """The digest: the summary card for its window, saying who scheduled it, when, and how to stop it."""
    who = user_mention(scheduled_by) or "someone in this channel"
    footer = (f"Scheduled by {who}, {inline(when, WHEN_MAX)}. {STOP_HINT}",)
    return summary_message(figures, title=digest_title(cadence), app_url=app_url, footer=footer)


def digest_schedule_message(
    *,
    channel_id: str,
    when: str | None,
    scheduled_by: str | None = None,
    next_due_at: int | None = None,
    last_error: str | None = None,
    last_error_fix: str | None = None,
    changed: str | None = None,
) -> Message:
    """This channel's digest schedule (`digest`, and the answer to `digest daily|weekly|off`)."""
    where = channel_mention(channel_id) or "this channel"
    lines = [f":white_check_mark: {changed}"] if changed else []
    if when is None:
        lines.append(NO_SCHEDULE)
    else:
        who = user_mention(scheduled_by) or "someone"
        lines.append(f":calendar: {where} gets a digest {inline(when, WHEN_MAX)}, scheduled by {who}.")
        if next_due_at is not None:
            lines.append(f"Next one: {utc(next_due_at)}. {STOP_HINT}")
    blocks = [section("\n".join(lines))]
    if last_error:
        fix = f" {inline(last_error_fix, FIX_MAX)}" if last_error_fix else ""
        blocks.append(context(f":warning: The last digest could not be posted here: {code(last_error, 60)}.{fix}"))
    return message(lines[-1] if not changed else lines[0], blocks)
