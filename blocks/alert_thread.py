"""Replies in an alert's thread for each later state change of its session: a new suspension reason, the
session finishing (with its pull requests) or stopping with an error; and the line on the top message that
shows the session's state now.

Titles, reasons and pull request links come from Devin: every one goes through the escaping helpers.
"""

from __future__ import annotations

from blocks import facts
from blocks.kit import Message, context, message, section
from blocks.status import detail_label, explanation, status_emoji, status_label
from bot.devin.models import Session

PR_LINES_MAX = 5
NO_REASON = "no reason given"


def reason_changed_reply(session: Session, *, app_url: str, before: str | None, now: str | None) -> Message:
    """Still suspended, for another reason."""
    was, words = detail_label(before or "") or NO_REASON, detail_label(now or "") or NO_REASON
    why = explanation(now or "") or ""
    line = (
        f":arrows_counterclockwise: *{facts.title_link(session, app_url)}* is still suspended, "
        f"now because: *{words}* (it was *{was}*). {why}"
    ).rstrip()
    return message(f"{facts.short_title(session, 150)}: still suspended, now {words.replace('*', '')}", [section(line)])


def finished_reply(session: Session, *, app_url: str) -> Message:
    """The session ended after it recovered; with its pull requests when it opened any."""
    title = facts.title_link(session, app_url)
    prs = session.pull_requests
    if prs:
        head = f":checkered_flag: *{title}* finished with {facts.pr_summary(prs)}."
        lines = [facts.pr_line(pr) for pr in prs[:PR_LINES_MAX]]
        blocks = [section(head), section("\n".join(lines))]
        if len(prs) > PR_LINES_MAX:
            blocks.append(context(f"+{len(prs) - PR_LINES_MAX:,} more in Devin"))
    else:
        blocks = [section(f":checkered_flag: *{title}* finished, without a pull request.")]
    return message(f"{facts.short_title(session, 150)} finished", blocks)


def errored_reply(session: Session, *, app_url: str) -> Message:
    """The session stopped with an error after it recovered."""
    line = f":x: *{facts.title_link(session, app_url)}* stopped with an error. Open it in Devin to see why."
    return message(f"{facts.short_title(session, 150)} stopped with an error", [section(line)])


def state_now(session: Session, resolved_status: str | None) -> str | None:
    """`Now: 🏁 Ended · 1 PR: 1 merged` once the session moved on from the state it recovered to; else None."""
    if not resolved_status or str(session.status) in (resolved_status, "suspended"):
        return None  # a snapshot from before the recovery says nothing new
    emoji = status_emoji(session.status, session.status_detail)
    prs = f" · {facts.pr_summary(session.pull_requests)}" if session.pull_requests else ""
    return f"*Now:* {emoji} {status_label(str(session.status))}{prs}"
