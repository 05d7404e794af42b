"""Block Kit limit and escaping checks for any payload the app builds; import these from any test.

The limits are written out here on purpose instead of imported from `blocks.kit`: this module is the
oracle, so a wrong constant in the builders cannot make its own check pass.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
FIELDS_MAX = 10
HEADER_TEXT_MAX = 150
TEXT_OBJECT_MAX = 3000
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
URL_MAX = 3000
CONTEXT_ELEMENTS_MAX = 10
ACTIONS_ELEMENTS_MAX = 25
VIEW_TITLE_MAX = 24
ID_MAX = 255
PRIVATE_METADATA_MAX = 3000
MESSAGE_TEXT_MAX = 40000
MESSAGE_TOTAL_TEXT_MAX = 11000
VIEW_JSON_MAX = 250_000

MESSAGE_KEYS = {"text", "blocks", "response_type", "replace_original", "delete_original", "thread_ts"}
BLOCK_KEYS = {
    "header": {"type", "text", "block_id"},
    "section": {"type", "text", "fields", "accessory", "block_id"},
    "context": {"type", "elements", "block_id"},
    "divider": {"type", "block_id"},
    "actions": {"type", "elements", "block_id"},
    "data_visualization": {"type", "title", "chart", "block_id"},
}
CHART_TITLE_MAX = 50
CHART_SERIES_MAX = 6
CHART_CATEGORY_MAX = 20
CHART_AXIS_LABEL_MAX = 50
CHARTS_PER_MESSAGE_MAX = 2
BUTTON_KEYS = {"type", "text", "action_id", "value", "url", "style"}
VIEW_KEYS = {"type", "callback_id", "title", "close", "submit", "blocks", "private_metadata", "external_id"}

# What a builder may put between `<` and `>` in mrkdwn; everything else must arrive escaped.
LINK_RE = re.compile(r"(?P<url>https?://[^\s|<>]+)(?:\|(?P<label>[^<>|]+))?")
DATE_RE = re.compile(r"!date\^\d{1,12}\^[{}a-z_ ]+\|[^<>|]+")
USER_RE = re.compile(r"@[UW][A-Z0-9]{2,40}")
CHANNEL_RE = re.compile(r"#[CGD][A-Z0-9]{2,40}")
ENTITY_RE = re.compile(r"&(?!amp;|lt;|gt;)")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def assert_message_limits(message: Mapping[str, Any]) -> None:
    """A `chat.postMessage` / `respond` payload: fallback text, ≤ 50 valid blocks, total text budget."""
    assert set(message) <= MESSAGE_KEYS, f"unexpected message keys {set(message) - MESSAGE_KEYS}"
    text = message.get("text")
    assert isinstance(text, str) and text.strip(), "a message needs a non-empty fallback `text`"
    assert len(text) <= MESSAGE_TEXT_MAX
    _assert_blocks(message["blocks"], MESSAGE_BLOCKS_MAX)
    assert total_text(message["blocks"]) <= MESSAGE_TOTAL_TEXT_MAX, f"total text {total_text(message['blocks'])}"


def assert_unfurl_limits(unfurl: Mapping[str, Any]) -> None:
    """One value of `chat.unfurl(unfurls=…)`: blocks only (no fallback `text`), within message limits."""
    assert set(unfurl) == {"blocks"}, f"an unfurl carries only blocks, got {sorted(unfurl)}"
    _assert_blocks(unfurl["blocks"], MESSAGE_BLOCKS_MAX)
    assert total_text(unfurl["blocks"]) <= MESSAGE_TOTAL_TEXT_MAX


def assert_view_limits(view: Mapping[str, Any]) -> None:
    """A modal or Home tab view: title/close/submit ≤ 24, ids, metadata, ≤ 100 valid blocks, payload size."""
    assert set(view) <= VIEW_KEYS, f"unexpected view keys {set(view) - VIEW_KEYS}"
    assert view["type"] in ("modal", "home")
    if view["type"] == "modal":
        _assert_text_object(view["title"], VIEW_TITLE_MAX, plain_only=True)
    for key in ("close", "submit"):
        if key in view:
            _assert_text_object(view[key], VIEW_TITLE_MAX, plain_only=True)
    for key in ("callback_id", "external_id"):
        if key in view:
            assert isinstance(view[key], str) and 0 < len(view[key]) <= ID_MAX
    assert len(view.get("private_metadata", "")) <= PRIVATE_METADATA_MAX
    _assert_blocks(view["blocks"], VIEW_BLOCKS_MAX)
    assert len(json.dumps(view)) <= VIEW_JSON_MAX, "view_too_large"


def assert_no_unescaped_control(
    payload: Mapping[str, Any], *, allowed_hosts: Collection[str] = ("app.devin.ai",)
) -> None:
    """Every `<…>` in every mrkdwn text (and the fallback `text`) is one the builders make on purpose.

    Allowed: links to `allowed_hosts`, `<!date^…|…>`, `<@U…>`, `<#C…>`. Hostile text must arrive escaped,
    so `<!channel>`, `<!here>`, `<@…>` or a link smuggled in a title can never appear; every `&` must
    start one of the three entities, which proves that text was escaped rather than passed through.
    """
    hosts = {host.lower() for host in allowed_hosts}
    for text in mrkdwn_texts(payload):
        assert ENTITY_RE.search(text) is None, f"raw & in {text!r}"
        for token in _tokens(text):
            assert _allowed(token, hosts), f"control sequence <{token}> in {text!r}"


def mrkdwn_texts(payload: Any) -> Iterator[str]:
    """Every string Slack parses as mrkdwn: mrkdwn text objects, and a message's top-level `text`."""
    if isinstance(payload, Mapping):
        if payload.get("type") == "mrkdwn" and isinstance(payload.get("text"), str):
            yield payload["text"]
        elif isinstance(payload.get("text"), str) and "blocks" in payload:
            yield payload["text"]
        for value in payload.values():
            if isinstance(value, Mapping | list):
                yield from mrkdwn_texts(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from mrkdwn_texts(item)


def total_text(payload: Any) -> int:
    """Characters in every text object under `payload` (our stand-in for Slack's `msg_blocks_too_long`)."""
    if isinstance(payload, Mapping):
        own = len(payload["text"]) if payload.get("type") in ("plain_text", "mrkdwn") else 0
        return own + sum(total_text(v) for v in payload.values() if isinstance(v, Mapping | list))
    if isinstance(payload, list):
        return sum(total_text(item) for item in payload)
    return 0


def link_urls(payload: Any) -> list[str]:
    """The (unescaped) URLs of every mrkdwn link and URL button in `payload`."""
    urls = [
        match["url"].replace("&amp;", "&")
        for text in mrkdwn_texts(payload)
        for token in _tokens(text)
        if (match := LINK_RE.fullmatch(token))
    ]
    return urls + [b["url"] for b in _walk(payload) if b.get("type") == "button" and "url" in b]


def _assert_blocks(blocks: Any, max_blocks: int) -> None:
    assert isinstance(blocks, list) and 0 < len(blocks) <= max_blocks, f"{len(blocks)} blocks"
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(block_ids) == len(set(block_ids)), "duplicate block_id"
    assert sum(1 for b in blocks if b.get("type") == "data_visualization") <= CHARTS_PER_MESSAGE_MAX
    for block in blocks:
        kind = block.get("type")
        assert kind in BLOCK_KEYS, f"unchecked block type {kind!r}"
        assert set(block) <= BLOCK_KEYS[kind], f"unexpected keys in {kind}: {set(block) - BLOCK_KEYS[kind]}"
        assert len(block.get("block_id", "")) <= ID_MAX
        _CHECKS[kind](block)


def _header(block: Mapping[str, Any]) -> None:
    _assert_text_object(block["text"], HEADER_TEXT_MAX, plain_only=True)


def _section(block: Mapping[str, Any]) -> None:
    assert "text" in block or "fields" in block, "a section needs text or fields"
    if "text" in block:
        _assert_text_object(block["text"], SECTION_TEXT_MAX)
    if "fields" in block:
        assert 0 < len(block["fields"]) <= FIELDS_MAX
        for field in block["fields"]:
            _assert_text_object(field, FIELD_TEXT_MAX)
    if "accessory" in block:
        _button(block["accessory"])


def _context(block: Mapping[str, Any]) -> None:
    assert 0 < len(block["elements"]) <= CONTEXT_ELEMENTS_MAX
    for element in block["elements"]:
        _assert_text_object(element, TEXT_OBJECT_MAX)


def _divider(block: Mapping[str, Any]) -> None:
    assert block["type"] == "divider"


def _actions(block: Mapping[str, Any]) -> None:
    elements = block["elements"]
    assert 0 < len(elements) <= ACTIONS_ELEMENTS_MAX
    ids = [e["action_id"] for e in elements]
    assert len(ids) == len(set(ids)), "action_id must be unique within its block"
    for element in elements:
        _button(element)


def _chart(block: Mapping[str, Any]) -> None:
    """`data_visualization` (2026-06): title ≤ 50; bar/area/line have 1–6 named series over `axis_config`."""
    title = block["title"]
    assert isinstance(title, str) and title.strip() and len(title) <= CHART_TITLE_MAX, title
    chart = block["chart"]
    assert chart["type"] in ("bar", "area", "line", "pie"), chart["type"]
    if chart["type"] == "pie":
        assert 1 <= len(chart["segments"]) <= CHART_SERIES_MAX
        return
    axis = chart["axis_config"]
    categories = axis["categories"]
    assert categories and all(0 < len(c) <= CHART_CATEGORY_MAX for c in categories), categories
    assert len(set(categories)) == len(categories), "categories must be unique"
    for label in ("x_label", "y_label"):
        assert len(axis.get(label, "")) <= CHART_AXIS_LABEL_MAX
    series = chart["series"]
    assert 1 <= len(series) <= CHART_SERIES_MAX
    assert len({s["name"] for s in series}) == len(series), "series names must be unique"
    for one in series:
        assert {p["label"] for p in one["data"]} <= set(categories), "data labels must be axis categories"
        assert all(isinstance(p["value"], int | float) for p in one["data"])


def _button(button: Mapping[str, Any]) -> None:
    assert button.get("type") == "button", f"unchecked element {button.get('type')!r}"
    assert set(button) <= BUTTON_KEYS, f"unexpected button keys {set(button) - BUTTON_KEYS}"
    _assert_text_object(button["text"], BUTTON_TEXT_MAX, plain_only=True)
    assert isinstance(button["action_id"], str) and 0 < len(button["action_id"]) <= ID_MAX
    assert 0 < len(button.get("value", "x")) <= BUTTON_VALUE_MAX
    if "url" in button:
        url = button["url"]
        assert 0 < len(url) <= URL_MAX and urlsplit(url).scheme in ("http", "https"), url
    assert button.get("style", "primary") in ("primary", "danger")
    assert "value" in button or "url" in button, "a button needs a value or a url"


def _assert_text_object(obj: Mapping[str, Any], limit: int, *, plain_only: bool = False) -> None:
    kind = obj.get("type")
    assert kind == "plain_text" or (kind == "mrkdwn" and not plain_only), f"bad text object type {kind!r}"
    assert set(obj) <= {"type", "text", "emoji" if kind == "plain_text" else "verbatim"}, obj
    text = obj["text"]
    assert isinstance(text, str) and text.strip(), "Slack rejects empty text objects"
    assert len(text) <= limit, f"{len(text)} > {limit} characters"
    text.encode("utf-8")  # raises on a lone surrogate, which Slack cannot decode
    assert CONTROL_RE.search(text) is None, f"control character in {text!r}"


def _tokens(text: str) -> Iterator[str]:
    start = text.find("<")
    while start != -1:
        end = text.find(">", start)
        assert end != -1, f"unclosed < in {text!r}"
        yield text[start + 1 : end]
        start = text.find("<", end)


def _allowed(token: str, hosts: set[str]) -> bool:
    if DATE_RE.fullmatch(token) or USER_RE.fullmatch(token) or CHANNEL_RE.fullmatch(token):
        return True
    match = LINK_RE.fullmatch(token)
    return match is not None and (urlsplit(match["url"]).hostname or "").lower() in hosts


def _walk(payload: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(payload, Mapping):
        yield payload
        for value in payload.values():
            yield from _walk(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from _walk(item)


_CHECKS = {
    "header": _header,
    "section": _section,
    "context": _context,
    "divider": _divider,
    "actions": _actions,
    "data_visualization": _chart,
}
