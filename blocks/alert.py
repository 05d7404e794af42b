"""Suspension alerts: one session, a storm of sessions (with its thread), recovery replies, and the settings card.

The advice is in `alert_advice`, the message metadata in `alert_metadata`. Every link is built from
the configured Devin app URL (and the session id), never from a URL in Devin's data.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from blocks import facts
from blocks.alert_advice import advice, human_duration
from blocks.alert_settings import alert_settings_message
from blocks.alert_thread import state_now
from blocks.kit import (
    MESSAGE_TOTAL_TEXT_MAX,
    Block,
    Message,
    actions,
    button,
    context,
    fields,
    header,
    line_sections,
    lines_within,
    message,
    section,
)
from blocks.people import person_mention
from blocks.status import detail_label, explanation, status_emoji, status_label
from blocks.text import code, plural, slack_date
from bot.devin.models import Session
from bot.ids import ActionId
from bot.people.records import Person

__all__ = [
    "alert_message",
    "alert_resolved_reply",
    "alert_settings_message",
    "grouped_alert_message",
    "grouped_alert_thread_message",
    "human_duration",
]

VIEW_INSIGHTS = "View insights"
OPEN_HEADER = ":rotating_light: Devin session suspended: {reason}"
RESOLVED_HEADER = ":white_check_mark: Resolved: Devin session {state}"
GROUP_HEADER = ":rotating_light: {sessions} suspended: {reason}"
GROUP_RESOLVED_HEADER = ":white_check_mark: Resolved: {sessions} back ({reason})"
NO_REASON = "no reason given"
GROUP_LIST_MAX = 15
"""Sessions listed in a storm's channel message; the rest go to its thread."""
LIST_TITLE_MAX = 80
THREAD_LIST_MAX = MESSAGE_TOTAL_TEXT_MAX - 1000
THREAD_LINE_MIN = 40


def alert_message(
    session: Session,
    *,
    app_url: str,
    reason: str,
    opened_at: int,
    resolved_at: int | None = None,
    resolved_status: str | None = None,
    reason_changed_from: str | None = None,
    creator: Person | None = None,
    footer: Sequence[Block] = (),
) -> Message:
    """The channel alert for one suspended session; with `resolved_at`, the same alert once it recovered.

    `creator` (when looked up) is @-mentioned; `footer` blocks (snooze notes, quiet buttons) go last.
    """
    words = detail_label(reason) or NO_REASON
    title = facts.short_title(session, 150)
    if resolved_at is not None:
        blocks = _resolved(session, app_url, reason, opened_at, resolved_at, resolved_status)
        text = f"Resolved: {title} is {_back_to(resolved_status).replace('*', '').lower()}"
    else:
        blocks = _suspended(session, app_url, reason, opened_at, reason_changed_from)
        text = f"Devin session suspended ({words}): {title}"
        if creator is not None and creator.mentionable:
            text += f" (started by {person_mention(creator)})"  # the notification itself names them
    return message(text, [*blocks, fields(_session_facts(session, creator)), *_buttons(session, app_url), *footer])


def _suspended(session: Session, app_url: str, reason: str, opened_at: int, changed_from: str | None) -> list[Block]:
    words = detail_label(reason) or NO_REASON
    since = f"Suspended since {slack_date(opened_at)}" if opened_at > 0 else "Suspended"
    blocks = [
        header(OPEN_HEADER.format(reason=detail_label(reason, plain=True) or NO_REASON)),
        section(
            f"*{facts.title_link(session, app_url)}*\n{status_emoji('suspended', reason)} *{since}*: {_why(reason)}"
        ),
    ]
    if changed_from is not None and changed_from != reason:
        before = detail_label(changed_from) or NO_REASON
        blocks.append(context(f":arrows_counterclockwise: The reason changed: it was *{before}*, now *{words}*."))
    blocks.append(section(f"*What to do*\n{advice(reason, app_url)}"))
    return blocks


def _resolved(
    session: Session, app_url: str, reason: str, opened_at: int, resolved_at: int, status: str | None
) -> list[Block]:
    words = detail_label(reason) or NO_REASON
    back = f"Session {_back_to(status)} {_at(resolved_at)}{_down(opened_at, resolved_at)}."
    blocks = [
        header(RESOLVED_HEADER.format(state=_back_to(status, plain=True))),
        section(f"*{facts.title_link(session, app_url)}*\n:white_check_mark: {back}"),
        context(f"~Suspended: {words}~ {explanation(reason)}"),
    ]
    if (now := state_now(session, status)) is not None:  # the session moved on since (the thread has each step)
        blocks.append(section(now))
    return blocks


def grouped_alert_message(
    sessions: Sequence[Session],
    *,
    app_url: str,
    reason: str,
    opened_at: int,
    resolved_ids: Collection[str] = (),
    resolved_at: int | None = None,
    creators: Mapping[str, Person] | None = None,
    footer: Sequence[Block] = (),
) -> Message:
    """One alert for a storm of sessions suspended for the same reason, with recovery progress.

    `creators` (by session id) are @-mentioned on the listed lines; `footer` blocks (quiet buttons) go last.
    """
    people = creators or {}
    total = len(sessions)
    recovered = {s.session_id for s in sessions if s.session_id in resolved_ids}
    done = total > 0 and len(recovered) == total
    words = detail_label(reason) or NO_REASON
    count = plural(total, "Devin session")
    reason_plain = detail_label(reason, plain=True) or NO_REASON
    if done:
        top = GROUP_RESOLVED_HEADER.format(sessions=count, reason=reason_plain)
        summary = f":white_check_mark: *All {total:,} recovered* {_at(resolved_at)}{_down(opened_at, resolved_at)}."
        summary += f"\n~{words}~"
    else:
        top = GROUP_HEADER.format(sessions=count, reason=reason_plain)
        summary = f"*{plural(total, 'session')} suspended* since {slack_date(opened_at)}: {_why(reason)}"
        if recovered:
            summary += f"\n:white_check_mark: *{len(recovered):,} of {total:,} recovered*"
    blocks: list[Block] = [header(top), section(summary)]
    if not done:
        blocks.append(section(f"*What to do*\n{advice(reason, app_url)}"))
    listed = sessions[:GROUP_LIST_MAX]
    blocks += line_sections(
        [_session_line(s, app_url, people.get(s.session_id), recovered=s.session_id in recovered) for s in listed]
    )
    if total > GROUP_LIST_MAX:
        blocks.append(context(f":thread: +{plural(total - GROUP_LIST_MAX, 'more session')} in the thread"))
    state = "all recovered" if done else f"{len(recovered):,} of {total:,} recovered"
    return message(f"{count} suspended ({words}); {state}", [*blocks, *footer])


def grouped_alert_thread_message(
    sessions: Sequence[Session], *, app_url: str, reason: str, creators: Mapping[str, Person] | None = None
) -> Message:
    """The thread reply of a storm: the sessions its channel message had no room for (pass exactly those).

    The channel message lists the first `GROUP_LIST_MAX`, so callers pass `sessions[GROUP_LIST_MAX:]`.
    """
    words = detail_label(reason) or NO_REASON
    count = plural(len(sessions), "session")
    # A line takes at least THREAD_LINE_MIN characters, so no more sessions than this can be listed.
    people = creators or {}
    shown = sessions[: THREAD_LIST_MAX // THREAD_LINE_MIN]
    lines = [_session_line(s, app_url, people.get(s.session_id), recovered=False) for s in shown]
    listed = lines_within(lines, THREAD_LIST_MAX, _not_listed, total=len(sessions))
    blocks = [section(f"*Also suspended ({words})*: {count}"), *line_sections(listed.split("\n"))]
    return message(f"{plural(len(sessions), 'more Devin session')} suspended ({words})", blocks)


def alert_resolved_reply(session: Session, *, app_url: str, resolved_status: str, down_seconds: int) -> Message:
    """The thread reply posted when a session of an alert recovers (`resolved_status` may be empty)."""
    back = _back_to(resolved_status or None)
    down = human_duration(down_seconds)
    line = f":white_check_mark: *{facts.title_link(session, app_url)}* is {back} after {down} suspended."
    text = f"{facts.short_title(session, 150)} is {back.replace('*', '').lower()} after {down}"
    return message(text, [section(line)])


def _back_to(status: str | None, *, plain: bool = False) -> str:
    if not status:
        return "no longer suspended"
    return f"back to {status_label(status, plain=True).lower()}" if plain else f"back to *{status_label(status)}*"


def _why(reason: str) -> str:
    if known := explanation(reason):
        return known
    return f"Devin reported “{detail_label(reason)}”." if detail_label(reason) else f"Devin gave {NO_REASON}."


def _at(ts: int | None) -> str:
    return f"at {slack_date(ts)}" if ts else "just now"


def _down(opened_at: int, resolved_at: int | None) -> str:
    if not resolved_at or opened_at <= 0 or resolved_at < opened_at:
        return ""
    return f", down for {human_duration(resolved_at - opened_at)}"


def _not_listed(count: int) -> str:
    return f"+{plural(count, 'more session')} not listed; see the session list in Devin"


def _session_facts(session: Session, creator: Person | None) -> list[tuple[str, str]]:
    pairs = [
        ("Started by", facts.started_by(session, creator, mention=True)),
        ("ACUs used", facts.acus(session.acus_consumed)),
        ("Last activity", slack_date(session.updated_at)),
        ("Session", code(session.session_id, 60) or "—"),
    ]
    if mode := facts.mode(session):
        pairs.insert(2, ("Mode", mode))
    return pairs


def _session_line(session: Session, app_url: str, creator: Person | None, *, recovered: bool) -> str:
    title = facts.title_link(session, app_url, limit=LIST_TITLE_MAX)
    if recovered:
        return f"• :white_check_mark: {title} — recovered"
    emoji = status_emoji(session.status, session.status_detail)
    who = facts.started_by(session, creator, mention=True)
    return f"• {emoji} {title} — started by {who}, {facts.acus(session.acus_consumed)} ACUs"


def _buttons(session: Session, app_url: str) -> list[Block]:
    value = facts.button_value(session)
    insights = button(VIEW_INSIGHTS, action_id=ActionId.VIEW_INSIGHTS, value=value) if value else None
    present = [b for b in (facts.open_button(session, ActionId.OPEN_ALERT_SESSION, app_url), insights) if b is not None]
    return [actions(*present)] if present else []
