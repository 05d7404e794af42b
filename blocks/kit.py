"""Block Kit limits and the tiny block helpers every builder composes; each helper enforces its own limits."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, TypedDict

from blocks.text import safe_url, scrub, truncate
from bot.ids import ActionId

Block = dict[str, Any]
View = dict[str, Any]


class Message(TypedDict):
    """A message payload: `text` is the notification / screen-reader fallback, `blocks` what Slack shows."""

    text: str
    blocks: list[Block]


MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
FIELDS_MAX = 10
HEADER_TEXT_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
URL_MAX = 3000
CONTEXT_ELEMENTS_MAX = 10
ACTIONS_ELEMENTS_MAX = 25
ID_MAX = 255
MESSAGE_TOTAL_TEXT_MAX = 11000
"""Our budget for all text in one message's blocks. Slack rejects long block payloads with the
undocumented `msg_blocks_too_long` at roughly 12k characters; staying under 11k leaves a margin."""
VIEW_PAYLOAD_MAX = 200_000
"""Our budget for a view's JSON size; Slack answers `view_too_large` above 250 kB."""
FALLBACK_TEXT_MAX = 500
"""Fallback `text` is a notification line, not a copy of the message."""
EMPTY_TEXT = "—"
"""Slack rejects empty text objects; this stands in for text that came out empty."""

ButtonStyle = Literal["primary", "danger"]


def plain(text: str, limit: int = SECTION_TEXT_MAX) -> Block:
    """A plain_text object (emoji shortcodes render; no markup is parsed, so nothing needs escaping)."""
    return {"type": "plain_text", "text": truncate(scrub(text).strip(), limit) or EMPTY_TEXT, "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> Block:
    """A mrkdwn object from already escaped text. `verbatim` stops Slack auto-linking or parsing bare names."""
    body = truncate(scrub(text).strip(), limit, mrkdwn=True)
    return {"type": "mrkdwn", "text": body or EMPTY_TEXT, "verbatim": True}


def header(text: str) -> Block:
    """A header block: one line of plain text, at most 150 characters."""
    return {"type": "header", "text": plain(" ".join(text.split()), HEADER_TEXT_MAX)}


def section(text: str | None = None, *, fields: Sequence[str] = (), accessory: Block | None = None) -> Block:
    """A section with mrkdwn `text` and/or up to 10 mrkdwn `fields`, and an optional accessory element."""
    block: Block = {"type": "section"}
    if text is not None or not fields:
        block["text"] = mrkdwn(text or "")
    if fields:
        block["fields"] = [mrkdwn(field, FIELD_TEXT_MAX) for field in fields[:FIELDS_MAX]]
    if accessory is not None:
        block["accessory"] = accessory
    return block


def fields(pairs: Iterable[tuple[str, str]]) -> Block:
    """A section of `*label*` / value fields; labels are our copy, values already escaped mrkdwn."""
    return section(fields=[f"*{label}*\n{value}" for label, value in pairs])


def context(*texts: str) -> Block:
    """A context block: up to 10 small mrkdwn lines."""
    return {"type": "context", "elements": [mrkdwn(text) for text in texts[:CONTEXT_ELEMENTS_MAX]]}


def divider() -> Block:
    """A horizontal rule."""
    return {"type": "divider"}


def actions(*elements: Block | None) -> Block:
    """An actions block with the given elements (None entries are skipped), at most 25."""
    return {"type": "actions", "elements": [e for e in elements if e is not None][:ACTIONS_ELEMENTS_MAX]}


def button(
    label: str,
    *,
    action_id: ActionId,
    value: str | None = None,
    url: str | None = None,
    style: ButtonStyle | None = None,
) -> Block:
    """A button. A `url` is kept only when valid (a broken link is worse than none); values are capped."""
    block: Block = {"type": "button", "text": plain(label, BUTTON_TEXT_MAX), "action_id": str(action_id)[:ID_MAX]}
    if value:
        block["value"] = value[:BUTTON_VALUE_MAX]
    if url is not None and (target := safe_url(url, URL_MAX)) is not None:
        block["url"] = target
    if style is not None:
        block["style"] = style
    return block


def message(text: str, blocks: list[Block]) -> Message:
    """A message with its fallback `text` (already escaped mrkdwn) cut to a notification-sized line."""
    return {"text": truncate(scrub(text).strip(), FALLBACK_TEXT_MAX, mrkdwn=True) or EMPTY_TEXT, "blocks": blocks}


def lines_within(
    lines: Sequence[str],
    limit: int,
    more: Callable[[int], str] | None = None,
    *,
    total: int | None = None,
    sep: str = "\n",
) -> str:
    """As many whole `lines` as fit in `limit` characters, then `more(hidden)` when some are left out.

    `total` is the number of items the lines stand for when the caller passed only the first few.
    """
    total = max(total or 0, len(lines))
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        rest = total - index - 1
        reserve = len(sep) + len(more(rest)) if more is not None and rest else 0
        gap = len(sep) if kept else 0
        if not kept and len(line) + reserve > limit:
            line = truncate(line, max(limit - reserve, 0), mrkdwn=True)
        if used + gap + len(line) + reserve > limit:
            break
        kept.append(line)
        used += gap + len(line)
    hidden = total - len(kept)
    if hidden and more is not None:
        kept.append(more(hidden))
    return sep.join(kept)


def packed_sections(
    items: Iterable[str], *, total: int, max_blocks: int, max_bytes: int, more: Callable[[int], str]
) -> list[Block]:
    """`items` (`total` of them) packed several to a section of ≤ 3000 characters, within `max_blocks` blocks
    and about `max_bytes` of JSON; when they do not all fit, the last block is a context note `more(hidden)`.

    `items` is consumed lazily and only as far as it fits, so a generator renders no more than is shown.
    """
    pages: list[list[str]] = []
    size = spent = shown = 0
    for item in items:
        item = truncate(item, SECTION_TEXT_MAX, mrkdwn=True)
        spent += json_size(item)
        if spent > max_bytes:
            break
        if pages and size + 2 + len(item) <= SECTION_TEXT_MAX:
            pages[-1].append(item)
            size += 2 + len(item)
        elif len(pages) < max_blocks:
            pages.append([item])
            size = len(item)
        else:
            break
        shown += 1
    if shown < total:
        while len(pages) > max_blocks - 1:  # make room for the note
            shown -= len(pages.pop())
        return [section("\n\n".join(page)) for page in pages] + [context(more(total - shown))]
    return [section("\n\n".join(page)) for page in pages]


def json_size(value: object) -> int:
    """Bytes `value` takes in a JSON request body (non-ASCII escaped, as Slack's clients send it)."""
    return len(json.dumps(value))


def line_sections(lines: Sequence[str]) -> list[Block]:
    """Whole lines packed into as few sections as their 3000-character limit allows."""
    pages: list[list[str]] = []
    size = 0
    for line in lines:
        line = truncate(line, SECTION_TEXT_MAX, mrkdwn=True)
        if pages and size + 1 + len(line) <= SECTION_TEXT_MAX:
            pages[-1].append(line)
            size += 1 + len(line)
        else:
            pages.append([line])
            size = len(line)
    return [section("\n".join(page)) for page in pages]
