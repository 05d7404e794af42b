"""Session links and ids → the API id `devin-<32 hex>` (reference/devin-api.md §11).

Accepted: `https://<app host>/sessions/<32 hex>` with an optional `/org/<slug>` segment, an optional
`devin-` prefix, any query string or fragment, upper-case hex, a trailing slash; Slack's `<url>` and
`<url|label>` wrapping; trailing punctuation from prose; and the bare `devin-<hex>` or `<hex>`.
Everything else is rejected, so nothing but `devin-` + 32 lowercase hex ever reaches the API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

SESSION_ID_RE = re.compile(r"devin-[0-9a-f]{32}")
_BARE_RE = re.compile(r"(?:devin-)?(?P<hex>[0-9a-f]{32})", re.IGNORECASE)
_PATH_RE = re.compile(r"(?:/org/[A-Za-z0-9._~-]{1,100})?/sessions/(?:devin-)?(?P<hex>[0-9a-f]{32})/?", re.IGNORECASE)
_SLACK_WRAP_RE = re.compile(r"<(?P<url>[^|<>\s]+)(?:\|[^<>]*)?>")
_TRAILING = ".,;:!?)]}'\"`»…"
_LEADING = "([{'\"`«"
TOKEN_MAX = 2048
"""Longer inputs are not links; refuse them before any parsing."""


@dataclass(frozen=True)
class SessionRef:
    """A recognised session: its API id, and the URL exactly as pasted when it came from a link."""

    session_id: str
    pasted_url: str | None = None


def is_session_id(value: str) -> bool:
    """True only for the canonical API id, `devin-` + 32 lowercase hex."""
    return SESSION_ID_RE.fullmatch(value) is not None


def session_url(app_url: str, session_id: str) -> str:
    """The web link of a session: the app URL + `/sessions/` + the hex without the `devin-` prefix."""
    return f"{app_url.rstrip('/')}/sessions/{session_id.removeprefix('devin-')}"


def parse_session_ref(text: str, app_host: str) -> SessionRef | None:
    """One token (a link or an id) → SessionRef, or None if it is not a session of `app_host`."""
    token = text.strip()
    if not token or len(token) > TOKEN_MAX:
        return None
    wrapped = _SLACK_WRAP_RE.fullmatch(token.rstrip(_TRAILING))
    if wrapped:
        token = wrapped["url"]
    token = token.lstrip(_LEADING).rstrip(_TRAILING)
    if bare := _BARE_RE.fullmatch(token):
        return SessionRef(session_id=f"devin-{bare['hex'].lower()}")
    return _parse_url(token, app_host.lower())


def find_session_refs(text: str, app_host: str) -> list[SessionRef]:
    """Every distinct session referenced in free text, in order of first appearance."""
    seen: dict[str, SessionRef] = {}
    # Slack writes links as `<url|label>` and a label may contain spaces: unwrap before splitting on whitespace.
    unwrapped = _SLACK_WRAP_RE.sub(lambda m: f" {m['url']} ", text)
    for token in unwrapped.split():
        ref = parse_session_ref(token, app_host)
        if ref is not None and ref.session_id not in seen:
            seen[ref.session_id] = ref
    return list(seen.values())


def _parse_url(token: str, app_host: str) -> SessionRef | None:
    try:
        parts = urlsplit(token)
        host = parts.hostname
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or host is None or host.lower() != app_host:
        return None
    if parts.username is not None or parts.password is not None:
        return None  # `https://app.devin.ai@evil.example/…` style tricks
    match = _PATH_RE.fullmatch(parts.path)
    if match is None:
        return None
    return SessionRef(session_id=f"devin-{match['hex'].lower()}", pasted_url=token)
