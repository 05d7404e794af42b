"""Text for mrkdwn: escaping, safe truncation, links, Slack dates, mentions and small wording helpers."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from urllib.parse import urlsplit

ELLIPSIS = "…"
ENTITIES = ("&amp;", "&lt;", "&gt;")
URL_MAX = 3000
"""Slack's limit for a button URL."""
LINK_URL_MAX = 300
"""Longer URLs render as their label only: real session and PR URLs are far shorter, and a cap keeps
every message's text budget predictable whatever a URL from Devin looks like."""
LINK_LABEL_MAX = 150
LINK_LABEL_BAR = "¦"
"""Stands in for `|` inside a link label, where Slack would read it as the label separator."""
DATE_TOKEN = "{date_short_pretty} at {time}"
UNKNOWN_TIME = "an unknown time"
_TS_MAX = 253_402_300_799  # 9999-12-31T23:59:59Z: datetime cannot go further
_GRAPHEME_BACKOFF_MAX = 16
_HEAD_FACTOR = 2
_ZWJ = "\u200d"
_USER_ID_RE = re.compile(r"[UW][A-Z0-9]{2,40}")
_CHANNEL_ID_RE = re.compile(r"[CGD][A-Z0-9]{2,40}")
_URL_FORBIDDEN_RE = re.compile(r"[\s<>|\"`\x00-\x1f\x7f]")
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape(text: str) -> str:
    """Escape the three characters mrkdwn treats as markup (`&`, `<`, `>`); nothing else."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def scrub(text: str) -> str:
    """Drop control characters (tab and newlines stay), join surrogate pairs, replace lone surrogates.

    Lone surrogates cannot be encoded as UTF-8, and a NUL or BEL from Devin has no business in Slack.
    """
    if _CONTROL_RE.search(text) is not None:
        text = _CONTROL_RE.sub("", text)
    if _SURROGATE_RE.search(text) is None:
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def truncate(text: str, limit: int, *, mrkdwn: bool = False, cut: bool = False) -> str:
    """`text` cut to at most `limit` characters, ending with an ellipsis when cut (or when `cut` says an
    earlier step already dropped the end).

    Never splits a surrogate pair, a combining sequence or emoji ZWJ sequence (within reason), or an
    entity made by `escape`; with `mrkdwn=True` also never cuts inside a `<…>` token the builder made.
    """
    if len(text) <= limit and not cut:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[: max(limit, 0)]
    keep = limit - len(ELLIPSIS)
    end = _safe_cut(text, keep, mrkdwn=mrkdwn) if keep < len(text) else len(text)
    return text[:end].rstrip() + ELLIPSIS


def one_line(text: str | None, limit: int) -> str:
    """Untrusted text on one line, truncated, NOT escaped: for plain_text objects (headers, buttons)."""
    head, cut = _head(text or "", limit)
    return truncate(" ".join(head.split()), limit, cut=cut)


def inline(text: str | None, limit: int) -> str:
    """A one-line, escaped, truncated rendering of untrusted text (titles, labels, names)."""
    head, cut = _head(text or "", limit)
    return truncate(escape(" ".join(head.split())), limit, cut=cut)


def paragraph(text: str | None, limit: int) -> str:
    """Escaped, truncated multi-line text with blank-line runs collapsed (issue texts, descriptions)."""
    head, cut = _head((text or "").strip(), limit)
    lines = [line.rstrip() for line in head.splitlines()]
    kept = [line for i, line in enumerate(lines) if line or (i > 0 and lines[i - 1])]
    return truncate(escape("\n".join(kept)), limit, cut=cut)


def quote(text: str | None, limit: int) -> str:
    """Untrusted text as a mrkdwn block quote: every line starts with `>`, so no line escapes the quote."""
    body = paragraph(text, limit)
    return truncate("\n".join(f"> {line}" for line in body.splitlines()), limit)


def code(text: str | None, limit: int) -> str:
    """Untrusted text shown literally as inline code; backticks inside are swapped so they cannot close it."""
    value = inline(text, limit - 2).replace("`", "ˋ")
    return f"`{value}`" if value else ""


def safe_url(url: str | None, max_length: int = URL_MAX) -> str | None:
    """`url` if it is an http(s) URL with a host, no whitespace, quotes or `<>|`, at most `max_length` long."""
    if not url or len(url) > max_length or _URL_FORBIDDEN_RE.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def origin(url: str | None) -> str | None:
    """Scheme and host of `url` (e.g. `https://app.devin.ai`), or None when `url` is not safe."""
    if safe_url(url) is None:
        return None
    parts = urlsplit(url or "")
    try:
        port = parts.port
    except ValueError:
        return None
    return f"{parts.scheme.lower()}://{parts.hostname}{f':{port}' if port is not None else ''}"


def link(url: str | None, label: str | None, *, limit: int = LINK_LABEL_MAX) -> str:
    """mrkdwn `<url|label>` with `label` (raw text) escaped and cut to `limit`; only the label when `url` is unsafe."""
    label = inline((label or "").replace("|", LINK_LABEL_BAR), limit)
    target = escape(safe_url(url) or "")
    if not target or len(target) > LINK_URL_MAX:
        return label
    return f"<{target}|{label}>" if label else f"<{target}>"


def slack_date(ts: int, token: str = DATE_TOKEN) -> str:
    """`<!date^…>` that Slack renders in the reader's time zone, with a UTC fallback; plain words if `ts` is unset."""
    fallback = utc(ts)
    if fallback == UNKNOWN_TIME:
        return UNKNOWN_TIME
    return f"<!date^{ts}^{token}|{fallback}>"


def utc(ts: int) -> str:
    """`2026-01-01 10:00 UTC`, or "an unknown time" for zero, negative or impossible timestamps."""
    if not 0 < ts <= _TS_MAX:
        return UNKNOWN_TIME
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def user_mention(user_id: str | None) -> str | None:
    """`<@U…>` for a well-formed Slack user id, else None (never build a mention from anything else)."""
    return f"<@{user_id}>" if user_id and _USER_ID_RE.fullmatch(user_id) else None


def channel_mention(channel_id: str | None) -> str | None:
    """`<#C…>` for a well-formed Slack conversation id, else None."""
    return f"<#{channel_id}>" if channel_id and _CHANNEL_ID_RE.fullmatch(channel_id) else None


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`1 issue`, `3 issues`, `1,204 sessions`."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}"


def humanize(slug: str | None, limit: int = 60) -> str:
    """`bug_fixing` → `Bug fixing`, escaped for mrkdwn; empty for None."""
    words = inline((slug or "").replace("_", " "), limit)
    first = words[:1].upper()
    return first + words[1:] if len(first) == 1 else words  # "ß".upper() is two letters


def _head(text: str, limit: int) -> tuple[str, bool]:
    # Escaping and joining a megabyte only to keep 300 characters would block the event loop: keep a
    # prefix that is surely long enough (whitespace collapsing aside) and say whether anything was dropped.
    bound = _HEAD_FACTOR * max(limit, 0) + 64
    if len(text) <= bound:
        return scrub(text), False
    return scrub(text[: _safe_cut(text, bound, mrkdwn=False)]), True


def _safe_cut(text: str, cut: int, *, mrkdwn: bool) -> int:
    if mrkdwn:
        opened = text.rfind("<", 0, cut)
        if opened != -1 and text.find(">", opened, cut) == -1:
            cut = opened
    amp = text.rfind("&", max(0, cut - 4), cut)
    if amp != -1 and any(text.startswith(e, amp) and amp + len(e) > cut for e in ENTITIES):
        cut = amp
    cut = _grapheme_cut(text, cut)
    if 0 < cut < len(text) and "\udc00" <= text[cut] <= "\udfff" and "\ud800" <= text[cut - 1] <= "\udbff":
        cut -= 1
    return cut


def _grapheme_cut(text: str, cut: int) -> int:
    # Back off over marks, joiners, variation selectors and skin tones so "e\u0301" or a family emoji
    # is kept whole or dropped whole; a pathological run of marks is cut where it stands.
    start = cut
    while 0 < cut < len(text) and (_extends(text[cut]) or text[cut - 1] == _ZWJ):
        cut -= 1
        if start - cut > _GRAPHEME_BACKOFF_MAX:
            cut = start
            break
    if 0 < cut < len(text) and _is_regional(text[cut]) and _is_regional(text[cut - 1]):
        run = 0
        while cut - run > 0 and _is_regional(text[cut - run - 1]):
            run += 1
        cut -= run % 2  # flags are pairs of regional indicators; never leave half of one
    return cut


def _extends(ch: str) -> bool:
    return (
        unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or ch == _ZWJ
        or "\ufe00" <= ch <= "\ufe0f"
        or "\U0001f3fb" <= ch <= "\U0001f3ff"
        or "\U000e0020" <= ch <= "\U000e007f"
    )


def _is_regional(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"
