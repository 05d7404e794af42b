"""The insights card for one session: what `/devin-insights <link>` answers and what gets shared in a channel.

Every part has its own character cap (the `*_MAX` constants), chosen so the whole card stays under
`MESSAGE_TOTAL_TEXT_MAX` and far under 50 blocks for any session the models accept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from blocks import facts
from blocks.kit import Block, Message, actions, button, context, divider, fields, header, lines_within, message, section
from blocks.status import (
    CATEGORY_LABELS,
    action_type_label,
    impact_emoji,
    impact_rank,
    origin_label,
    raw,
    size_text,
    status_line,
    status_summary,
)
from blocks.text import code, humanize, inline, paragraph, plural, quote, slack_date, user_mention
from bot.devin.models import ActionItem, Analysis, Classification, Issue, SessionInsights, TimelineEvent
from bot.ids import ActionId
from bot.people.records import Person

GENERATE_INSIGHTS = "Generate insights"
DETAILS = "Details"
SHARE_IN_CHANNEL = "Share in channel"
NO_ANALYSIS = (
    ":bulb: *No insights yet.* Devin has not analysed this session. "
    "Generating insights takes about a minute; it works best once the session has finished."
)
EMPTY_ANALYSIS = "The analysis found nothing to report."
SHARED_BY = ":loudspeaker: Shared by {who}"
SHARED_BY_SOMEONE = ":loudspeaker: Shared in this channel"
MORE_IN_DETAILS = "+{items} — open *Details*"

NOTICE_MAX = 300
FIELD_VALUE_MAX = 150
PRS_SHOWN = 5
PRS_MAX = 1200
TAGS_SHOWN = 10
TAG_MAX = 40
TAGS_MAX = 400
NAMES_SHOWN = 8
NAME_MAX = 40
SUMMARY_LINE_MAX = 160
ISSUES_SHOWN = 5
ISSUE_MAX = 280
ISSUES_MAX = 1800
ACTION_ITEMS_SHOWN = 5
ACTION_ITEM_MAX = 240
ACTION_ITEMS_MAX = 1400
PROMPT_MAX = 700
STEPS_SHOWN = 5
STEP_MAX = 120
TIMELINE_MAX = 800
UNRANKED = 9


def session_message(
    insights: SessionInsights,
    *,
    app_url: str,
    notice: str | None = None,
    shared_by_user_id: str | None = None,
    generating: bool = False,
    creator: Person | None = None,
) -> Message:
    """The insights card. `notice` is a status line shown near the top; `shared_by_user_id` marks a shared copy;
    `generating` hides the Generate button while a generation runs (a second click would only say so);
    `creator` names who started the session (by name: a card never pings them)."""
    blocks: list[Block] = [header(facts.title(insights))]
    if notice and notice.strip():
        blocks.append(context(paragraph(notice, NOTICE_MAX)))
    if shared_by_user_id is not None:
        who = user_mention(shared_by_user_id)
        blocks.append(context(SHARED_BY.format(who=who) if who else SHARED_BY_SOMEONE))
    blocks.append(section(status_line(insights.status, insights.status_detail)))
    blocks.append(fields(_facts(insights, creator)))
    if insights.pull_requests:
        blocks.append(section(_pull_requests(insights)))
    if tags := _tags(insights.tags):
        blocks.append(context(tags))
    blocks.append(divider())
    blocks.extend(analysis_blocks(insights.analysis) if insights.analysis else [section(NO_ANALYSIS)])
    blocks += _buttons(insights, app_url, shared=shared_by_user_id is not None, generating=generating)
    summary = status_summary(insights.status, insights.status_detail)
    return message(f"Devin session: {inline(facts.title(insights), 150)} — {summary}", blocks)


def analysis_blocks(analysis: Analysis) -> list[Block]:
    """The analysis, most important first and capped, with "+N more — open Details" where it was cut."""
    blocks: list[Block] = []
    if analysis.classification is not None:
        blocks.append(section(_classification(analysis.classification)))
    if analysis.issues:
        blocks.append(section(_issues(analysis.issues)))
    if analysis.action_items:
        blocks.append(section(_action_items(analysis.action_items, analysis.issues)))
    prompt = analysis.suggested_prompt
    if prompt is not None and prompt.suggested_prompt.strip():
        blocks.append(section(f"*Suggested prompt*\n{quote(prompt.suggested_prompt, PROMPT_MAX)}"))
    if analysis.timeline:
        blocks.append(section(_timeline(analysis.timeline)))
    if notes := _note_usage(analysis):
        blocks.append(context(notes))
    return blocks or [section(EMPTY_ANALYSIS)]


def _facts(insights: SessionInsights, creator: Person | None) -> list[tuple[str, str]]:
    pairs = [
        ("Size", size_text(insights.session_size)),
        ("ACUs", facts.acus(insights.acus_consumed)),
        ("Messages", f"{insights.num_user_messages:,} from users · {insights.num_devin_messages:,} from Devin"),
        ("Origin", origin_label(insights.origin) or "—"),
        ("Started by", facts.started_by(insights, creator)),
    ]
    if mode := facts.mode(insights):
        pairs.append(("Mode", mode))
    category = CATEGORY_LABELS.get(insights.category or "") or humanize(insights.category)
    if kind := " · ".join(p for p in (category, inline(insights.subcategory, 60)) if p):
        pairs.append(("Category", kind))
    pairs += [("Created", slack_date(insights.created_at)), ("Updated", slack_date(insights.updated_at))]
    return [(label, lines_within([value], FIELD_VALUE_MAX)) for label, value in pairs]


def _pull_requests(insights: SessionInsights) -> str:
    prs = insights.pull_requests
    lines = [facts.pr_line(pr) for pr in prs[:PRS_SHOWN]]
    body = lines_within(lines, PRS_MAX - 40, lambda n: f"+{n:,} more", total=len(prs))
    return f"*Pull requests* ({len(prs):,})\n{body}"


def _tags(tags: Sequence[str]) -> str:
    shown = [code(tag, TAG_MAX) for tag in tags[:TAGS_SHOWN] if tag.strip()]
    if not shown:
        return ""
    return ":label: " + lines_within(shown, TAGS_MAX, lambda n: f"+{n:,} more", total=len(tags), sep=" ")


def _names(names: Sequence[str]) -> str:
    shown = [inline(name, NAME_MAX) for name in names[:NAMES_SHOWN] if name.strip()]
    return lines_within(shown, SUMMARY_LINE_MAX, lambda n: f"+{n:,} more", total=len(names), sep=", ")


def _classification(classification: Classification) -> str:
    lines = [f"*Category:* {humanize(classification.category) or 'not classified'}{_confidence(classification)}"]
    if classification.programming_languages:
        lines.append(f"*Languages:* {_names(classification.programming_languages)}")
    if classification.tools_and_frameworks:
        lines.append(f"*Tools:* {_names(classification.tools_and_frameworks)}")
    return "\n".join(lines)


def _confidence(classification: Classification) -> str:
    value = classification.confidence
    if value is None or not 0 <= value <= 100:  # also rejects NaN
        return ""
    percent = value * 100 if value <= 1 else value  # the range is undocumented; accept 0–1 and 0–100
    return f" ({percent:.0f}% confidence)"


def _issues(issues: Sequence[Issue]) -> str:
    ranked = sorted(issues, key=lambda issue: impact_rank(issue.impact))
    lines = [_issue_line(issue) for issue in ranked[:ISSUES_SHOWN]]
    more = _more_in_details("issue")
    return f"*Issues* ({len(issues):,})\n" + lines_within(lines, ISSUES_MAX - 40, more, total=len(issues))


def _issue_line(issue: Issue) -> str:
    impact = raw(issue.impact) or "Impact unknown"
    label = f" · {inline(issue.label, 40)}" if issue.label.strip() else ""
    return f"{impact_emoji(issue.impact)} *{impact}*{label} — {inline(issue.issue, ISSUE_MAX) or 'no description'}"


def _action_items(items: Sequence[ActionItem], issues: Sequence[Issue]) -> str:
    # Follow-ups for the worst issues come first; the API gives no order of its own.
    rank = {issue.id: impact_rank(issue.impact) for issue in issues if issue.id}
    ranked = sorted(items, key=lambda item: rank.get(item.issue_id or "", UNRANKED))
    lines = [_action_item_line(item) for item in ranked[:ACTION_ITEMS_SHOWN]]
    more = _more_in_details("action item")
    return f"*Action items* ({len(items):,})\n" + lines_within(lines, ACTION_ITEMS_MAX - 40, more, total=len(items))


def _action_item_line(item: ActionItem) -> str:
    kind = action_type_label(item.type)
    text = inline(item.action_item, ACTION_ITEM_MAX) or "no description"
    return f"• *{kind}* — {text}" if kind else f"• {text}"


def _timeline(timeline: Sequence[TimelineEvent]) -> str:
    lines = [_step_line(index, step) for index, step in enumerate(timeline[:STEPS_SHOWN], start=1)]
    more = _more_in_details("step")
    body = lines_within(lines, TIMELINE_MAX - 40, more, total=len(timeline))
    return f"*Timeline* ({plural(len(timeline), 'step')})\n{body}"


def _step_line(index: int, step: TimelineEvent) -> str:
    marker = " :warning:" if step.issue_id else ""
    return f"{index}.{marker} {inline(step.title or step.description, STEP_MAX) or 'untitled step'}"


def _note_usage(analysis: Analysis) -> str:
    usage = analysis.note_usage
    if usage is None or not (usage.good_usages or usage.bad_usages):
        return ""
    good, bad = len(usage.good_usages), len(usage.bad_usages)
    return f":books: Knowledge: {plural(good, 'note')} used well, {plural(bad, 'note')} misapplied or ignored"


def _more_in_details(noun: str) -> Callable[[int], str]:
    return lambda count: MORE_IN_DETAILS.format(items=plural(count, f"more {noun}"))


def _buttons(insights: SessionInsights, app_url: str, *, shared: bool, generating: bool) -> list[Block]:
    elements = [facts.open_button(insights, ActionId.OPEN_IN_DEVIN, app_url)]
    if (session_id := facts.button_value(insights)) is not None:
        if insights.analysis is not None:
            elements.append(button(DETAILS, action_id=ActionId.SHOW_DETAILS, value=session_id))
        elif not generating:
            elements.append(
                button(GENERATE_INSIGHTS, action_id=ActionId.GENERATE_INSIGHTS, value=session_id, style="primary")
            )
        if not shared:
            elements.append(button(SHARE_IN_CHANNEL, action_id=ActionId.SHARE_IN_CHANNEL, value=session_id))
    present = [element for element in elements if element is not None]
    return [actions(*present)] if present else []
