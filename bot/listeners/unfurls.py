"""`link_shared`: pasted Devin session links become compact previews, in one `chat.unfurl`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import UnfurlMode
from bot.devin.errors import DevinError
from bot.devin.links import parse_session_ref
from bot.devin.models import Session
from bot.entities.unfurl import unfurl_content
from bot.listeners.deps import AppDeps
from bot.slack.payloads import LinkSharedPayload

log = logging.getLogger(__name__)

Handler = Callable[..., Awaitable[None]]

UNFURL_BUDGET_SECONDS = 4.0
"""How long the slowest session may hold the others back; later ones are skipped, not waited for."""
LINKS_PER_EVENT_MAX = 10
"""A message with dozens of links gets previews for the first ten, like other unfurlers throttle."""


def make_link_shared(deps: AppDeps) -> Handler:
    async def handle_link_shared(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        if deps.settings.unfurl_mode == UnfurlMode.OFF:
            return
        payload = LinkSharedPayload.parse(body, event)
        if not deps.events.first_time(payload.event_id):
            log.info("unfurl.duplicate_event", extra={"event_id": payload.event_id})
            return
        refs = _session_links(payload, deps.settings.devin_app_host)
        if not refs:
            return
        mode = await _preview_mode(deps, client, payload)
        if mode is UnfurlMode.OFF:
            return
        minimal = mode is UnfurlMode.MINIMAL
        sessions = await _fetch_all(deps, set(refs.values()))
        found = {url: sessions[sid] for url, sid in refs.items() if sid in sessions}
        if not found:
            return
        # A minimal (Slack Connect) preview names nobody, so nobody is looked up for it.
        creators = await deps.people.creators(found.values()) if deps.people is not None and not minimal else {}
        content = unfurl_content(
            found,
            app_url=deps.settings.devin_app_url,
            minimal=minimal,
            work_objects=deps.settings.work_objects,
            creators=creators,
        )
        try:
            await _send_unfurls(client, payload, content)
        except SlackApiError as error:
            log.warning("unfurl.rejected", extra={"error": error.response.get("error"), "links": len(found)})
            return
        log.info("unfurl.sent", extra={"links": len(found), "minimal": minimal, "entities": "metadata" in content})

    return handle_link_shared


async def _send_unfurls(client: AsyncWebClient, payload: LinkSharedPayload, content: dict[str, Any]) -> None:
    """`unfurl_id` + `source` when Slack gave them (composer previews need them), else `channel` + `ts`."""
    if payload.unfurl_id and payload.source:
        await client.chat_unfurl(**content, unfurl_id=payload.unfurl_id, source=payload.source)
    else:
        await client.chat_unfurl(**content, channel=payload.channel, ts=payload.message_ts)


def _session_links(payload: LinkSharedPayload, app_host: str) -> dict[str, str]:
    """Pasted URL (exactly as Slack sent it, the key `chat.unfurl` needs) → session id."""
    refs: dict[str, str] = {}
    for link in payload.links:
        ref = parse_session_ref(link.url, app_host)
        if ref is not None and ref.pasted_url is not None and link.url not in refs:
            refs[link.url] = ref.session_id
        if len(refs) >= LINKS_PER_EVENT_MAX:
            break
    return refs


async def _preview_mode(deps: AppDeps, client: AsyncWebClient, payload: LinkSharedPayload) -> UnfurlMode:
    """The preview this conversation gets: `UNFURL_MODE`, never more than `UNFURL_SHARED_CHANNELS` in Slack Connect."""
    settings = deps.settings
    if settings.unfurl_shared_channels is UnfurlMode.FULL:
        return settings.unfurl_mode
    channel_id = payload.channel
    if payload.is_composer:
        # Composer previews name no channel; their unfurl_id starts with the channel id ("C123.1700….").
        channel_id = payload.unfurl_id.split(".", 1)[0]
    shared = payload.is_ext_shared_channel or not channel_id or await deps.channels.is_shared(client, channel_id)
    if not shared:
        return settings.unfurl_mode
    return _least(settings.unfurl_mode, settings.unfurl_shared_channels)


_LEVEL = {UnfurlMode.OFF: 0, UnfurlMode.MINIMAL: 1, UnfurlMode.FULL: 2}


def _least(a: UnfurlMode, b: UnfurlMode) -> UnfurlMode:
    return a if _LEVEL[a] <= _LEVEL[b] else b


async def _fetch_all(deps: AppDeps, session_ids: set[str]) -> dict[str, Session]:
    """Fetch every session concurrently; unknown or failing ones are skipped (and logged), never rendered."""
    tasks = {asyncio.ensure_future(deps.sessions.get_session(sid)): sid for sid in session_ids}
    done, pending = await asyncio.wait(tasks, timeout=UNFURL_BUDGET_SECONDS)
    for task in pending:
        task.cancel()
        log.info("unfurl.skipped", extra={"session_id": tasks[task], "reason": "slow"})
    found: dict[str, Session] = {}
    for task in done:
        error = task.exception()
        if error is None:
            found[tasks[task]] = task.result()
        elif isinstance(error, DevinError):
            log.info("unfurl.skipped", extra={"session_id": tasks[task], "reason": type(error).__name__})
        else:
            raise error  # a bug, not a Devin failure: let the app's error handler see it
    return found
