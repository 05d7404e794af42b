"""`devin-insights preview`: one session's card (or preview, or alert) rendered in the terminal."""

from __future__ import annotations

import json
import time

from rich.text import Text

from blocks.alert import alert_message
from blocks.session import session_message
from blocks.unfurl import session_unfurl
from bot.app import devin_client
from bot.cli.terminal import block_kit_builder_url, console, render_message
from bot.config import ConfigError, Settings
from bot.devin.errors import DevinError
from bot.devin.links import parse_session_ref
from bot.listeners.failures import devin_error_sentence

DEFAULT_PREVIEW_REASON = "out_of_credits"


class PreviewError(Exception):
    """Why nothing could be shown, in one sentence."""


async def render_preview(settings: Settings, text: str, *, kind: str, as_json: bool) -> None:
    """Fetch and print; raises PreviewError with a human sentence on any expected failure."""
    ref = parse_session_ref(text, settings.devin_app_host)
    if ref is None:
        raise PreviewError(f"Not a Devin session link or id for {settings.devin_app_host}: {text[:80]!r}")
    try:
        devin = devin_client(settings)
    except ConfigError as error:
        raise PreviewError(str(error)) from None
    try:
        insights = await devin.get_session_insights(ref.session_id)
    except DevinError as error:
        raise PreviewError(devin_error_sentence(error)) from None
    finally:
        await devin.aclose()
    if kind == "unfurl":
        payload = session_unfurl(insights, app_url=settings.devin_app_url)
    elif kind == "alert":
        reason = str(insights.status_detail or DEFAULT_PREVIEW_REASON)
        payload = dict(
            alert_message(
                insights,
                app_url=settings.devin_app_url,
                reason=reason,
                opened_at=insights.updated_at or int(time.time()),
            )
        )
    else:
        payload = dict(session_message(insights, app_url=settings.devin_app_url))
    out = console()
    if as_json:
        out.print_json(json.dumps(payload))
        return
    out.print(render_message(payload["blocks"], title=f"{kind} · {ref.session_id}"))
    out.print(Text(f"Block Kit Builder: {block_kit_builder_url(payload)}", style="dim"), soft_wrap=True)
