"""The Details modal: the whole analysis of one session, packed to fit a view's 100 blocks and payload size.

Each part has a block and byte allowance (`PARTS`); items are packed several to a section, and what
does not fit is counted in a "+N more not shown (open in Devin)" note.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain

from blocks import facts
from blocks.kit import ID_MAX, Block, View, context, divider, header, lines_within, packed_sections, plain, section
from blocks.people import person_with_email
from blocks.session import EMPTY_ANALYSIS, NO_ANALYSIS
from blocks.status import action_type_label, impact_emoji, impact_rank, raw, size_text, status_line
from blocks.text import code, humanize, inline, link, paragraph, plural, quote, slack_date
from bot.devin.models import (
    ActionItem,
    Analysis,
    Classification,
    FeedbackItem,
    Issue,
    NoteUsage,
    NoteUsageItem,
    SessionInsights,
    SuggestedPrompt,
    TimelineEvent,
)
from bot.ids import CallbackId
from bot.people.records import Person

DETAILS_TITLE = "Session insights"
CLOSE = "Close"
MORE_NOT_SHOWN = "+{items} not shown (open in Devin)"
NAMES_MAX = 600
LOADING = ":hourglass_flowing_sand: Loading the session's insights from Devin…"
ERROR_MAX = 1000


@dataclass(frozen=True)
class Part:
    """How much of the view one part of the analysis may take."""

    max_blocks: int
    max_bytes: int
    item_max: int


ISSUES = Part(max_blocks=20, max_bytes=35_000, item_max=1500)
ACTION_ITEMS = Part(max_blocks=15, max_bytes=25_000, item_max=1000)
PROMPT = Part(max_blocks=13, max_bytes=45_000, item_max=1500)
PROMPT_MAX = 2800
NOTES = Part(max_blocks=10, max_bytes=25_000, item_max=1000)
TIMELINE = Part(max_blocks=25, max_bytes=45_000, item_max=1000)
# Blocks: 3 on top + classification + 5 × (divider + header) + 20 + 15 + 13 + 10 + 25 = 97 ≤ 100.
# Bytes: the parts' 175 kB plus at most ~16 kB for the rest (even if every character is escaped as
# \\uXXXX\\uXXXX) stays under VIEW_PAYLOAD_MAX.


def _status_and_link(insights: SessionInsights, app_url: str) -> str:
    """The status line, and a link to the session (the header already shows its title; a modal has no URL button)."""
    line = status_line(insights.status, insights.status_detail)
    target = facts.web_url(insights, app_url)
    return f"{line}\n{link(target, facts.OPEN_IN_DEVIN)}" if target else line


def details_view(insights: SessionInsights, *, app_url: str, creator: Person | None = None) -> View:
    """The modal opened by *Details*: every issue, action item, prompt feedback, note usage and timeline step.

    `creator` is named with their e-mail (the modal is seen only by the person who opened it)."""
    blocks: list[Block] = [
        header(facts.title(insights)),
        section(_status_and_link(insights, app_url)),
        context(_summary(insights, creator)),
    ]
    blocks += _analysis(insights.analysis) if insights.analysis else [section(NO_ANALYSIS)]
    view: View = {
        "type": "modal",
        "callback_id": CallbackId.DETAILS_MODAL.value,
        "title": plain(DETAILS_TITLE),
        "close": plain(CLOSE),
        "blocks": blocks,
    }
    if 0 < len(insights.session_id) <= ID_MAX:
        view["private_metadata"] = insights.session_id
    return view


def loading_view(*, error: str | None = None) -> View:
    """The modal opened at once (a trigger_id lasts 3 s), later replaced by `details_view`; or the error instead."""
    text = f":warning: {paragraph(error, ERROR_MAX)}" if error and error.strip() else LOADING
    return {
        "type": "modal",
        "callback_id": CallbackId.DETAILS_MODAL.value,
        "title": plain(DETAILS_TITLE),
        "close": plain(CLOSE),
        "blocks": [section(text)],
    }


def _summary(insights: SessionInsights, creator: Person | None) -> str:
    who = person_with_email(creator) if creator is not None else facts.started_by(insights)
    return (
        f"Size *{size_text(insights.session_size)}* · *{facts.acus(insights.acus_consumed)}* ACUs · "
        f"{plural(insights.num_user_messages, 'user message')} · "
        f"{plural(insights.num_devin_messages, 'Devin message')} · "
        f"started by {who} · updated {slack_date(insights.updated_at)}"
    )


def _analysis(analysis: Analysis) -> list[Block]:
    blocks: list[Block] = []
    if analysis.classification is not None:
        blocks.append(section(_classification(analysis.classification)))
    issues = sorted(analysis.issues, key=lambda issue: impact_rank(issue.impact))
    blocks += _part("Issues", map(_issue, issues), len(issues), ISSUES, "issue")
    items = analysis.action_items
    blocks += _part("Action items", map(_action_item, items), len(items), ACTION_ITEMS, "action item")
    if analysis.suggested_prompt is not None:
        blocks += _prompt(analysis.suggested_prompt)
    if analysis.note_usage is not None:
        usage = analysis.note_usage
        count = len(usage.good_usages) + len(usage.bad_usages)
        blocks += _part("Knowledge notes", _notes(usage), count, NOTES, "note")
    steps = (_step(number, step) for number, step in enumerate(analysis.timeline, start=1))
    blocks += _part("Timeline", steps, len(analysis.timeline), TIMELINE, "step")
    return blocks or [section(EMPTY_ANALYSIS)]


def _part(title: str, items: Iterable[str], total: int, part: Part, noun: str, *, count: bool = True) -> list[Block]:
    if not total:
        return []

    def more(hidden: int) -> str:
        return MORE_NOT_SHOWN.format(items=plural(hidden, f"more {noun}"))

    packed = packed_sections(items, total=total, max_blocks=part.max_blocks, max_bytes=part.max_bytes, more=more)
    return [divider(), header(f"{title} ({total:,})" if count else title), *packed]


def _classification(kind: Classification) -> str:
    every = [name for name in (*kind.programming_languages, *kind.tools_and_frameworks) if name.strip()]
    names = [inline(name, 60) for name in every[: NAMES_MAX // 3]]  # ", x" is the shortest a name can take
    listed = lines_within(names, NAMES_MAX, lambda n: f"+{n:,} more", total=len(every), sep=", ") or "—"
    return f"*Category:* {humanize(kind.category) or 'not classified'}\n*Languages and tools:* {listed}"


def _issue(issue: Issue) -> str:
    label = f" · {inline(issue.label, 60)}" if issue.label.strip() else ""
    head = f"{impact_emoji(issue.impact)} *{raw(issue.impact) or 'Impact unknown'}*{label}"
    return f"{head}\n{paragraph(issue.issue, ISSUES.item_max) or 'no description'}"


def _action_item(item: ActionItem) -> str:
    kind = action_type_label(item.type)
    text = paragraph(item.action_item, ACTION_ITEMS.item_max) or "no description"
    return f"• *{kind}* — {text}" if kind else f"• {text}"


def _prompt(prompt: SuggestedPrompt) -> list[Block]:
    texts = []
    if prompt.original_prompt.strip():
        texts.append(f"*Original prompt*\n{quote(prompt.original_prompt, PROMPT_MAX)}")
    if prompt.suggested_prompt.strip():
        texts.append(f"*Suggested prompt*\n{quote(prompt.suggested_prompt, PROMPT_MAX)}")
    feedback = prompt.feedback_items
    heading = f"*Feedback on the original prompt* ({len(feedback):,})\n\n"
    items = (f"{heading if n == 0 else ''}{_feedback(item)}" for n, item in enumerate(feedback))
    return _part("Prompt", chain(texts, items), len(texts) + len(feedback), PROMPT, "prompt item", count=False)


def _feedback(item: FeedbackItem) -> str:
    lines = [f"*{inline(item.summary, 150) or 'Feedback'}*"]
    if item.excerpt.strip():
        lines.append(quote(item.excerpt, 500))
    if item.details.strip():
        lines.append(paragraph(item.details, PROMPT.item_max - 700))
    return "\n".join(lines)


def _notes(usage: NoteUsage) -> Iterator[str]:
    yield from (_note(":white_check_mark: Used well", note) for note in usage.good_usages)
    yield from (_note(":x: Misapplied or ignored", note) for note in usage.bad_usages)


def _note(verdict: str, note: NoteUsageItem) -> str:
    name = code(note.note_id, 80) or "a note"
    message = paragraph(note.message, 300)
    reason = paragraph(note.reason, NOTES.item_max - 500)
    return "\n".join(line for line in (f"{verdict}: {name}", message, f"_{reason}_" if reason else "") if line)


def _step(number: int, step: TimelineEvent) -> str:
    marker = " :warning:" if step.issue_id else ""
    head = f"*{number}.*{marker} *{inline(step.title, 150) or 'Untitled step'}*"
    body = paragraph(step.description, TIMELINE.item_max - 200)
    return f"{head}\n{body}" if body else head
