"""Session facts rendered as short mrkdwn pieces, shared by the card, the unfurl, the modal and the alerts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit

from blocks.kit import BUTTON_VALUE_MAX, URL_MAX, Block, button
from blocks.people import person_mention, person_name
from blocks.status import devin_mode_label, pr_state_emoji, raw
from blocks.text import code, inline, link, one_line, plural, safe_url
from bot.devin.links import is_session_id, session_url
from bot.devin.models import PullRequest, Session
from bot.ids import ActionId
from bot.people.records import Person, PersonKind

UNTITLED = "Untitled session"
OPEN_IN_DEVIN = "Open in Devin"
TITLE_MAX = 150
PR_LABEL_MAX = 80
PERSON_MAX = 60
SERVICE_USER_SUFFIX = " (service user)"
NOBODY = "unknown"
AN_AUTOMATION = "an automation"
VIA_AUTOMATION = " via an automation"
BIG_NUMBER = 1e12
_PR_PATH_KINDS = {"pull": "#", "pulls": "#", "merge_requests": "!", "pull-requests": "#"}


def title(session: Session, limit: int = TITLE_MAX) -> str:
    """The session title as one line of plain text (for headers), or "Untitled session"."""
    return one_line(session.title, limit) or UNTITLED


def title_link(session: Session, app_url: str, limit: int = TITLE_MAX) -> str:
    """mrkdwn link to the session labelled with its (escaped) title; just the title when there is no link."""
    return link(web_url(session, app_url), one_line(session.title, limit) or UNTITLED, limit=limit)


def web_url(session: Session, app_url: str) -> str | None:
    """The session's web link, built from the configured Devin app URL and the session id; None when the id
    is not a canonical one. Never the `url` Devin sent: data must not choose where our links point."""
    if not is_session_id(session.session_id):
        return None
    return safe_url(session_url(app_url, session.session_id), URL_MAX)


def started_by(session: Session, person: Person | None = None, *, mention: bool = False) -> str:
    """Who started the session: the person (by name, or mentioned with `mention`) when looked up, else the
    Devin user id or the service user (ids as inline code); "via an automation" when an automation started it
    (2026 `automation_id`)."""
    if person is not None:
        who = person_mention(person) if mention else person_name(person)
        return who + VIA_AUTOMATION if session.automation_id and person.kind is PersonKind.USER else who
    if session.user_id and session.user_id.strip():
        who = code(session.user_id, PERSON_MAX)
    elif session.service_user_id and session.service_user_id.strip():
        who = code(session.service_user_id, PERSON_MAX) + SERVICE_USER_SUFFIX
    else:
        return AN_AUTOMATION if session.automation_id else NOBODY
    return who + VIA_AUTOMATION if session.automation_id else who


def mode(session: Session) -> str:
    """The Devin mode (`Fast`, `Ultra`, …) when it is worth showing, i.e. set and not `normal`; else empty."""
    return devin_mode_label(session.devin_mode)


def acus(value: float) -> str:
    """ACUs with one decimal (`7.9`, `1,204.0`); `—` for values no API would send."""
    if not math.isfinite(value):
        return "—"
    if abs(value) >= BIG_NUMBER:
        return f"{value:.3g}"
    # Round as people do (7.85 → 7.9), not as binary floats do (7.85 is stored as 7.8499…).
    return f"{Decimal(repr(value)).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):,}"


def pr_label(url: str) -> str:
    """A short raw label for a PR URL: `acme/api#482` on github.com, `host: group/app!12` elsewhere.

    The label is derived from the URL itself, so a link never shows one thing and opens another.
    """
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s and s != "-"]
    host = (parts.hostname or "").removeprefix("www.")
    repo, number, mark = "/".join(segments), "", ""
    for index, segment in enumerate(segments[:-1]):
        if segment in _PR_PATH_KINDS and index >= 1:
            repo, number, mark = "/".join(segments[:index]), segments[index + 1], _PR_PATH_KINDS[segment]
            break
    name = f"{repo}{mark}{number}" if number else repo or host
    return name if host == "github.com" else f"{host}: {name}"


def pr_line(pr: PullRequest) -> str:
    """`:large_purple_circle: <url|acme/api#482> merged`; an unsafe URL shows as inline code, unlinked."""
    state = raw(pr.pr_state) or "state unknown"
    target = safe_url(pr.pr_url)
    shown = link(target, pr_label(target), limit=PR_LABEL_MAX) if target else code(pr.pr_url, PR_LABEL_MAX)
    return f"{pr_state_emoji(pr.pr_state)} {shown} {state}"


def pr_summary(prs: Sequence[PullRequest]) -> str:
    """`2 PRs: 1 merged, 1 open`, or `No PRs`."""
    if not prs:
        return "No PRs"
    counts: dict[str, int] = {}
    for pr in prs:
        state = raw(pr.pr_state) or "unknown"
        counts[state] = counts.get(state, 0) + 1
    states = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:4]
    shown = ", ".join(f"{pr_state_emoji(state)} {count:,} {state}" for state, count in states)
    more = " …" if len(counts) > len(states) else ""
    return f"{plural(len(prs), 'PR')}: {shown}{more}"


def short_title(session: Session, limit: int) -> str:
    """Escaped one-line title for list items, or the placeholder."""
    return inline(session.title, limit) or UNTITLED


def button_value(session: Session) -> str | None:
    """The session id as a button value, or None when it could not identify the session (empty or too long)."""
    return session.session_id if 0 < len(session.session_id) <= BUTTON_VALUE_MAX else None


def open_button(session: Session, action_id: ActionId, app_url: str) -> Block | None:
    """The *Open in Devin* URL button, or None when the session has no web link."""
    target = web_url(session, app_url)
    return button(OPEN_IN_DEVIN, action_id=action_id, url=target) if target else None
