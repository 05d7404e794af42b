"""`devin-insights preview`: one session's card, link preview or alert, built exactly as the app would build it.

Truthful by construction: the card comes from the insights the slash command fetches, the link preview from the
session the unfurl listener fetches through the same `unfurl_content` (UNFURL_MODE and WORK_OBJECTS applied), and
an alert only for a session that is suspended, as the poller would record it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rich.text import Text

from blocks.alert import alert_message
from blocks.session import session_message
from blocks.status import status_summary
from bot.app import devin_client
from bot.cli.terminal import block_kit_builder_url, console, render_message
from bot.config import ConfigError, Settings, UnfurlMode
from bot.devin.client import DevinClient
from bot.devin.errors import DevinError
from bot.devin.links import parse_session_ref, session_url
from bot.devin.models import Session
from bot.entities.unfurl import unfurl_content
from bot.listeners.failures import devin_error_sentence
from bot.people.component import People
from bot.people.records import Person
from bot.slack.client import slack_web_client

UNFURL_OFF = "UNFURL_MODE=off: pasted session links get no preview at all."
NOT_SUSPENDED = "No alert: this session is {status}, not suspended. Alerts are only raised for suspended sessions."


class PreviewKind(StrEnum):
    CARD = "card"
    UNFURL = "unfurl"
    ALERT = "alert"


class PreviewError(Exception):
    """Why nothing could be shown, in one sentence."""


@dataclass(frozen=True)
class Preview:
    """What to show: the payload Slack would get, the Block Kit message in it, and a note on where it goes."""

    payload: dict[str, Any]
    message: dict[str, Any]
    note: str | None = None


async def render_preview(settings: Settings, text: str, *, kind: str, as_json: bool) -> None:
    """Fetch and print; raises PreviewError with a human sentence on any expected failure."""
    ref = parse_session_ref(text, settings.devin_app_host)
    if ref is None:
        raise PreviewError(f"Not a Devin session link or id for {settings.devin_app_host}: {text[:80]!r}")
    if kind == PreviewKind.UNFURL and settings.unfurl_mode is UnfurlMode.OFF:
        raise PreviewError(UNFURL_OFF)
    try:
        devin = devin_client(settings)
    except ConfigError as error:
        raise PreviewError(str(error)) from None
    try:
        preview = await _build(devin, settings, ref.session_id, ref.pasted_url, PreviewKind(kind))
    except DevinError as error:
        raise PreviewError(devin_error_sentence(error)) from None
    finally:
        await devin.aclose()
    _print(preview, f"{kind} · {ref.session_id}", as_json=as_json)


async def _build(
    devin: DevinClient, settings: Settings, session_id: str, pasted_url: str | None, kind: PreviewKind
) -> Preview:
    if kind is PreviewKind.CARD:
        insights = await devin.get_session_insights(session_id)
        creator = await _creator(settings, devin, insights)
        card = dict(session_message(insights, app_url=settings.devin_app_url, creator=creator))
        return Preview(card, card)
    session = await devin.get_session(session_id)  # what the unfurl listener and the poller get
    if kind is PreviewKind.UNFURL:
        minimal = settings.unfurl_mode is UnfurlMode.MINIMAL  # a minimal preview names nobody: no lookup
        return _unfurl(settings, session, pasted_url, None if minimal else await _creator(settings, devin, session))
    return _alert(settings, session, await _creator(settings, devin, session))


async def _creator(settings: Settings, devin: DevinClient, session: Session) -> Person | None:
    """Who started the session, looked up as the app does (Devin members, then Slack by email); with no
    SLACK_BOT_TOKEN the preview shows the Devin user id, as the app would if the lookup failed."""
    if settings.slack_bot_token is None:
        return None
    return await People.from_settings(settings, devin, slack_web_client(settings)).creator(session)


def _unfurl(settings: Settings, session: Session, pasted_url: str | None, creator: Person | None) -> Preview:
    url = pasted_url or session_url(settings.devin_app_url, session.session_id)  # an id: as if its link were pasted
    minimal = settings.unfurl_mode is UnfurlMode.MINIMAL
    content = unfurl_content(
        {url: session},
        app_url=settings.devin_app_url,
        minimal=minimal,
        work_objects=settings.work_objects,
        creators={session.session_id: creator} if creator is not None else {},
    )
    note = f"UNFURL_MODE={settings.unfurl_mode.value}; Slack Connect channels get UNFURL_SHARED_CHANNELS="
    note += settings.unfurl_shared_channels.value
    if "metadata" in content:
        note += "; with a Work Object entity (shown by clients that support them, in --json)"
    return Preview(content, content["unfurls"][url], note)


def _alert(settings: Settings, session: Session, creator: Person | None) -> Preview:
    if not session.is_suspended:
        raise PreviewError(NOT_SUSPENDED.format(status=status_summary(session.status, session.status_detail)))
    reason = str(session.status_detail or "")
    message = dict(
        alert_message(
            session, app_url=settings.devin_app_url, reason=reason, opened_at=session.updated_at, creator=creator
        )
    )
    return Preview(message, message, _alert_destination(settings, reason))


def _alert_destination(settings: Settings, reason: str) -> str:
    if not settings.alert_channel:
        return "ALERT_CHANNEL is not set: only channels that ran `/devin-insights alerts on` would get this alert."
    if reason in settings.alert_reasons:
        return f"Posted to ALERT_CHANNEL={settings.alert_channel} (and channels subscribed to {reason or 'it'})."
    reasons = ",".join(settings.alert_reasons)
    return (
        f"Not for ALERT_CHANNEL ({reason or 'no reason'} is not in ALERT_REASONS={reasons}); "
        "channels subscribed to it would get it."
    )


def _print(preview: Preview, title: str, *, as_json: bool) -> None:
    out = console()
    if as_json:
        out.print_json(json.dumps(preview.payload))
        return
    if preview.note:
        out.print(Text(preview.note, style="dim"), soft_wrap=True)
    out.print(render_message(preview.message.get("blocks", []), title=title))
    out.print(Text(f"Block Kit Builder: {block_kit_builder_url(preview.message)}", style="dim"), soft_wrap=True)
