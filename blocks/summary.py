"""The team summary card (`/devin-insights summary`), also the body of a digest. Pure.

Every figure the chart shows is also in text: clients, notifications and screen readers that do not
render `data_visualization` still get all of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from blocks.chart import bar_chart, bucketed
from blocks.kit import Block, Message, actions, button, context, divider, header, lines_within, message, section
from blocks.people import person_name
from blocks.text import code, escape, humanize, inline, link, plural, user_mention, utc
from bot.devin.links import is_session_id, session_url
from bot.ids import ActionId
from bot.insights.figures import Figures, Gap, SessionLine
from bot.people.records import PersonKind

TITLE_MAX = 80
EXAMPLE_MAX = 160
LIST_TEXT_MAX = 2800
SHARE_LABEL = "Share in channel"
PART_WHAT = {"metrics": "Counts and pull requests", "consumption": "ACUs"}
PART_FROM = {"metrics": "the session list", "consumption": "the sessions' own ACUs"}
ATTENTION_WORD = {"waiting_for_user": "waiting for its user"}
NOTHING_NEEDS_ATTENTION = (
    ":white_check_mark: *Needs attention now:* nothing: no session is suspended for an alert reason or waiting."
)
NOT_ANALYSED = ":mag: *Devin's analyses:* none of this period's sessions has been analysed yet."
COUNTING = ":hourglass_flowing_sand: Counting {period} of sessions; a large organization takes a little longer…"
"""The first reply when the fetch takes longer than a moment (`{period}`: `period_label`); the card replaces it."""


def period_label(days: int) -> str:
    """`the last 24 hours`, `the last 7 days`."""
    return "the last 24 hours" if days == 1 else f"the last {days} days"


def summary_message(
    figures: Figures,
    *,
    title: str,
    app_url: str,
    shareable_days: int | None = None,
    shared_by_user_id: str | None = None,
    footer: Sequence[str] = (),
) -> Message:
    """The card: figures, chart and its text twin, top sessions, attention, Devin's analyses, gaps.

    Session links are built from `app_url` and the session id, never from the `url` Devin sent.
    """
    blocks: list[Block] = [header(title), context(_window_line(figures))]
    blocks.append(section(_headline(figures)))
    if figures.sessions:
        blocks.append(section(_breakdown(figures)))
    chart = _chart(figures)
    if chart is not None:
        blocks += [chart, context(_chart_text(figures))]
    if figures.top:
        blocks.append(section("*Biggest sessions by ACUs*\n" + _lines([_top_line(s, app_url) for s in figures.top])))
    blocks.append(section(_attention(figures, app_url)))
    blocks.append(section(_analyses(figures)))
    if figures.gaps:
        blocks.append(context(*(_gap_line(g) for g in figures.gaps)))
    notes = [*footer]
    if mention := user_mention(shared_by_user_id):
        notes.append(f"Shared by {mention}")
    if notes:
        blocks += [divider(), context(*notes)]
    if shareable_days is not None:
        blocks.append(actions(button(SHARE_LABEL, action_id=ActionId.SHARE_SUMMARY, value=str(shareable_days))))
    return message(f"{escape(title)}: {_fallback(figures)}", blocks)


def _window_line(f: Figures) -> str:
    text = f"Sessions created {utc(f.window.start)} → {utc(f.window.end)}"
    if f.acus_window.start != f.window.start:
        text += f" · ACUs for the billing days from {utc(f.acus_window.start)} (days start 08:00 UTC)"
    return text


def _change(now: float, before: float) -> str:
    if before == 0:
        return "new" if now else "no change"
    pct = (now - before) / before * 100
    if abs(pct) < 0.5:
        return "no change"
    return f"{'▲' if pct > 0 else '▼'} {abs(pct):.0f}% vs the previous period"


def _estimate(flag: bool) -> str:
    return " _(estimate)_" if flag else ""


def _headline(f: Figures) -> str:
    merged = f" · {plural(f.merged_sessions, 'session')} merged a pull request"
    if f.merged_share is not None:
        merged += f" ({f.merged_share:.0%})"
    return (
        f":bar_chart: *{plural(f.sessions, 'session')}* created ({_change(f.sessions, f.sessions_previous)})"
        f"{_estimate(f.counts_estimated)}{merged if f.sessions else ''}\n"
        f":zap: *{f.acus:,.2f} ACUs* consumed ({_change(f.acus, f.acus_previous)}){_estimate(f.acus_estimated)}\n"
        f":twisted_rightwards_arrows: *{plural(f.prs_opened, 'pull request')}* opened · *{f.prs_merged:,}* merged"
        f"{_estimate(f.counts_estimated)}"
    )


def _counts(counts: dict[str, int]) -> str:
    return " · ".join(f"{humanize(k)} {v:,}" for k, v in counts.items()) or "—"


def _breakdown(f: Figures) -> str:
    return f"*By status:* {_counts(f.by_status)}\n*By origin:* {_counts(f.by_origin)}"


def _day(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%b %d")


def _points(f: Figures) -> list[tuple[str, float]]:
    return bucketed([(_day(d.date), d.acus) for d in f.acus_per_day])


def _chart(f: Figures) -> Block | None:
    points = _points(f)
    if len(points) < 2 or not any(v for _, v in points):
        return None
    title = "ACUs per billing day" + (" (estimate)" if f.acus_estimated else "")
    return bar_chart(title, points, series="ACUs", y_label="ACUs")


def _chart_text(f: Figures) -> str:
    return "ACUs per billing day: " + ", ".join(f"{label} {value:,.2f}" for label, value in _points(f))


def _creator(s: SessionLine) -> str:
    """By name once looked up (never a mention: the card and digests are read by many), else by Devin id."""
    if s.creator is not None and s.creator.kind is not PersonKind.UNKNOWN:
        return f" · by {person_name(s.creator)}"
    who = s.user_id or s.service_user_id
    return f" · by {code(who, 60)}" if who else ""


def _session_link(s: SessionLine, app_url: str) -> str:
    target = session_url(app_url, s.session_id) if is_session_id(s.session_id) else None
    return link(target, s.title or s.session_id, limit=TITLE_MAX)


def _top_line(s: SessionLine, app_url: str) -> str:
    return f"• {_session_link(s, app_url)}: {s.acus:,.2f} ACUs{_creator(s)}"


def _attention_line(s: SessionLine, app_url: str) -> str:
    detail = s.status_detail or ""
    state = ATTENTION_WORD.get(detail) or f"suspended: {humanize(detail)}"
    return f"• {_session_link(s, app_url)}: {state}{_creator(s)}"


def _lines(lines: list[str], total: int | None = None) -> str:
    return lines_within(lines, LIST_TEXT_MAX, lambda n: f"…and {n:,} more", total=total)


def _attention(f: Figures, app_url: str) -> str:
    if not f.attention_total:
        return NOTHING_NEEDS_ATTENTION
    lines = [_attention_line(s, app_url) for s in f.attention]
    return f":warning: *Needs attention now ({f.attention_total:,})*\n" + _lines(lines, f.attention_total)


def _analyses(f: Figures) -> str:
    if not f.analysed:
        return NOT_ANALYSED
    head = f":mag: *Devin's analyses* of {plural(f.analysed, 'session')} (of {f.sessions:,}):"
    labels = ", ".join(f"{inline(label, 60)} ({count:,})" for label, count in f.labels) or "none reported"
    groups = [f"• {humanize(g.type)}: {g.count:,}, e.g. _{inline(g.example, EXAMPLE_MAX)}_" for g in f.action_groups]
    text = f"{head}\n*Most common issues:* {labels}"
    if groups:
        text += "\n*Action items by type:*\n" + _lines(groups)
    return text


def _gap_line(gap: Gap) -> str:
    what, source = PART_WHAT.get(gap.part, gap.part), PART_FROM.get(gap.part, "the session list")
    if gap.permission:
        return (
            f":information_source: {what} are estimated from {source}: give the Devin service user "
            f"the *{inline(gap.permission, 40)}* permission for Devin's own figures."
        )
    return f":information_source: {what} are estimated from {source}: Devin's figures did not answer just now."


def _fallback(f: Figures) -> str:
    return (
        f"{plural(f.sessions, 'session')}, {f.acus:,.2f} ACUs, {plural(f.prs_merged, 'merged pull request')}"
        f", {f.attention_total:,} needing attention"
    )
