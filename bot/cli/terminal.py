"""Render Slack messages in a terminal roughly as Slack shows them (for `demo` and `preview`)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import quote

from rich.console import Console, Group, RenderableType
from rich.emoji import Emoji
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

BLOCK_KIT_BUILDER_URL = "https://app.slack.com/block-kit-builder/#"
_DATE_RE = re.compile(r"<!date\^(\d+)\^[^|>]*(?:\|([^>]*))?>")
_LINK_RE = re.compile(r"<((?:https?|mailto):[^|>]+)\|([^>]*)>|<((?:https?|mailto):[^>]+)>")
_MENTION_RE = re.compile(r"<([@#])([A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL_RE = re.compile(r"<!(here|channel|everyone)>")
_STYLE_RE = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])|(?<![\w_])_(?!\s)([^_\n]+?)_(?![\w_])|`([^`\n]+)`")


SLACK_EMOJI = {
    # Slack's names for emoji that rich's table spells differently (or lacks); without them they print as text.
    "large_blue_circle": "🔵",
    "large_brown_circle": "🟤",
    "large_green_circle": "🟢",
    "large_orange_circle": "🟠",
    "large_purple_circle": "🟣",
    "large_red_circle": "🔴",
    "large_yellow_circle": "🟡",
    "large_green_square": "🟩",
    "large_orange_square": "🟧",
    "large_red_square": "🟥",
    "large_yellow_square": "🟨",
    "simple_smile": "🙂",
    "thumbsup": "👍",
    "thumbsdown": "👎",
}
_EMOJI_NAME_RE = re.compile(r":([a-z0-9_+-]+):")
ELLIPSIS = "…"


def block_kit_builder_url(payload: dict[str, Any], *, kind: str = "message") -> str:
    """A Block Kit Builder link with the payload in the fragment, to see it exactly as Slack renders it.

    `payload` is a message (its blocks are used) or, for `kind` "modal"/"home", the whole view.
    """
    shown: dict[str, Any] = {"blocks": payload.get("blocks", [])} if kind == "message" else {**payload, "type": kind}
    return BLOCK_KIT_BUILDER_URL + quote(json.dumps(shown, separators=(",", ":")), safe="")


def emojize(text: str) -> str:
    """Slack `:name:` codes → characters; unknown names (custom emoji) stay as typed, as Slack shows them."""
    return Emoji.replace(_EMOJI_NAME_RE.sub(lambda m: SLACK_EMOJI.get(m.group(1), m.group(0)), text))


def shorten(text: str, limit: int) -> str:
    """`text` on one line, at most `limit` characters, cut at a word boundary with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: max(1, limit - len(ELLIPSIS))]
    head, space, _ = cut.rpartition(" ")
    return (head if space and head else cut).rstrip(" ·—-,;:") + ELLIPSIS


def mrkdwn_to_text(mrkdwn: str) -> Text:
    """Slack mrkdwn → rich Text: bold, italic, code, links shown as label (url), dates as their fallback."""
    plain = emojize(mrkdwn)
    plain = _DATE_RE.sub(lambda m: m.group(2) or _utc(int(m.group(1))), plain)
    plain = _LINK_RE.sub(lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(1) else m.group(3), plain)
    plain = _MENTION_RE.sub(lambda m: m.group(1) + (m.group(3) or m.group(2)), plain)
    plain = _SPECIAL_RE.sub(lambda m: "@" + m.group(1), plain)
    return _styled(plain)


def _styled(plain: str) -> Text:
    """Bold, italic and code spans; bold and italic may hold code (`*Usage of `/cmd`*`), as in Slack."""
    text = Text()
    position = 0
    for match in _STYLE_RE.finditer(plain):
        text.append(html.unescape(plain[position : match.start()]))
        bold, italic, code = match.groups()
        if bold is not None or italic is not None:
            inner = _styled(bold if bold is not None else italic or "")
            inner.stylize("bold" if bold is not None else "italic")
            text.append_text(inner)
        else:
            text.append(html.unescape(code or ""), style="cyan")
        position = match.end()
    text.append(html.unescape(plain[position:]))
    return text


def _utc(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _text_of(obj: Any) -> Text:
    if not isinstance(obj, dict):
        return Text("")
    raw = str(obj.get("text", ""))
    return mrkdwn_to_text(raw) if obj.get("type") == "mrkdwn" else Text(emojize(raw))


def _element(element: dict[str, Any]) -> Text:
    if element.get("type") == "button":
        label = _text_of(element.get("text")).plain
        style = {"primary": "bold white on green", "danger": "bold white on red"}.get(element.get("style", ""), "bold")
        return Text(f"[ {label} ]", style=style)
    if element.get("type") == "image":
        return Text(f"[image: {element.get('alt_text', '')}]", style="dim")
    return _text_of(element)


def render_block(block: dict[str, Any]) -> RenderableType | None:
    """One block as a rich renderable; unknown block types are named, not dropped."""
    kind = block.get("type")
    if kind == "header":
        return Text(_text_of(block.get("text")).plain, style="bold underline")
    if kind == "divider":
        return Rule(style="dim")
    if kind == "context":
        line = Text(" · ").join(_element(e) for e in block.get("elements", []) if isinstance(e, dict))
        line.stylize("dim")
        return line
    if kind == "actions":
        return Text("  ").join(_element(e) for e in block.get("elements", []) if isinstance(e, dict))
    if kind == "section":
        parts: list[RenderableType] = []
        if "text" in block:
            parts.append(_text_of(block["text"]))
        if block.get("fields"):
            grid = Table.grid(padding=(0, 3))
            grid.add_column(ratio=1)
            grid.add_column(ratio=1)
            cells = [_text_of(f) for f in block["fields"]]
            for i in range(0, len(cells), 2):
                grid.add_row(*cells[i : i + 2], *([Text("")] if i + 1 >= len(cells) else []))
            parts.append(grid)
        if isinstance(block.get("accessory"), dict):
            parts.append(_element(block["accessory"]))
        return Group(*parts)
    if kind == "data_visualization":
        return _chart(block)
    return Text(f"[{kind} block]", style="dim")


CHART_BAR_MAX = 30


def _chart(block: dict[str, Any]) -> RenderableType:
    """A bar chart as text bars (first series), under its title."""
    series = (block.get("chart") or {}).get("series") or [{}]
    points = [(str(p.get("label", "")), float(p.get("value") or 0)) for p in series[0].get("data", [])]
    top = max((v for _, v in points), default=0.0) or 1.0
    lines = [Text(str(block.get("title", "")), style="bold")]
    for label, value in points:
        lines.append(Text(f"{label:>12} {'█' * round(value / top * CHART_BAR_MAX)} {value:,.2f}"))
    return Group(*lines)


def render_message(blocks: Iterable[dict[str, Any]], *, title: str) -> Panel:
    """A message as a bordered panel titled with where it was posted (the caller keeps the title to one line)."""
    renderables = [r for r in (render_block(b) for b in blocks if isinstance(b, dict)) if r is not None]
    return Panel(Group(*renderables), title=Text(title), title_align="left", border_style="blue")


def console(*, no_color: bool = False, width: int | None = None, file: IO[str] | None = None) -> Console:
    return Console(no_color=no_color, width=width, highlight=False, soft_wrap=False, file=file)
