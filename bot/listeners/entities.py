"""`entity_details_requested`: someone opened a session's Work Object side panel; answer with
`entity.presentDetails` before the trigger expires: the insights for an allowed viewer, Slack's error form otherwise."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks import sentences
from blocks.entity import EXTERNAL_REF_TYPE, INCIDENT_REF_TYPE, Assignee, Entity, assignee_of
from blocks.entity_details import NOT_FOUND, RESTRICTED, devin_trouble, session_details_entity
from bot.devin.errors import DevinNotFoundError
from bot.devin.links import is_session_id
from bot.devin.models import Session
from bot.entities.flexpane import Loaded, deadline_after
from bot.listeners.deps import AppDeps
from bot.listeners.failures import devin_error_sentence
from bot.slack.payloads import EntityDetailsPayload

log = logging.getLogger(__name__)

Handler = Callable[..., Awaitable[None]]

CREATOR_MIN_SECONDS = 0.05
"""Below this, the creator lookup is not started: the panel goes out without an assignee rather than late."""


def make_entity_details_requested(deps: AppDeps) -> Handler:
    async def handle_entity_details_requested(
        body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        deadline = deadline_after(deps.flexpanes.budget)
        payload = EntityDetailsPayload.parse(body, event)
        if not deps.events.first_time(payload.event_id):
            log.info("flexpane.duplicate_event", extra={"event_id": payload.event_id})
            return
        session_id = _session_id(payload)
        # The viewer check and the Devin fetch run at once; nothing is shown until the check has passed.
        loading = asyncio.ensure_future(deps.flexpanes.load(session_id, deadline)) if session_id else None
        try:
            allowed = await _viewer_allowed(deps, client, context, payload, deadline)
        except BaseException:
            if loading is not None:
                loading.cancel()
            raise
        if not allowed:
            if loading is not None:
                loading.cancel()
            log.info("flexpane.refused", extra={"channel": payload.channel})
            await present(client, payload, {"error": RESTRICTED})
            return
        if loading is None:
            await present(client, payload, {"error": NOT_FOUND})
            return
        await present(client, payload, await _answer(deps, payload, loading, deadline))

    return handle_entity_details_requested


async def refuse_flexpane(client: AsyncWebClient, body: dict[str, Any]) -> None:
    """The workspace gate's answer to a panel opened from a workspace that is not allowed: the error form."""
    event = body.get("event")
    if isinstance(event, dict):
        await present(client, EntityDetailsPayload.parse(body, event), {"error": RESTRICTED})


async def present(client: AsyncWebClient, payload: EntityDetailsPayload, answer: dict[str, Any]) -> None:
    """One `entity.presentDetails`; Slack refusing it (an expired trigger, say) is logged, not retried."""
    try:
        await client.entity_presentDetails(trigger_id=payload.trigger_id, **answer)
    except SlackApiError as error:
        log.warning("flexpane.rejected", extra={"error": error.response.get("error")})
        return
    shown = answer["error"]["status"] if "error" in answer else "details"
    log.info("flexpane.presented", extra={"shown": shown})


async def _creator(deps: AppDeps, session: Session, deadline: float) -> Assignee | None:
    """Who started the session, if the people lookup answers in what is left of the budget (it is cached)."""
    remaining = deadline - asyncio.get_running_loop().time()
    if deps.people is None or remaining <= CREATOR_MIN_SECONDS:
        return None
    return assignee_of(await deps.people.creator(session, budget=remaining))


def _session_id(payload: EntityDetailsPayload) -> str | None:
    """The session behind the panel: only our own entities (a session or an alert, or untyped), canonical ids."""
    if payload.external_ref_type not in ("", EXTERNAL_REF_TYPE, INCIDENT_REF_TYPE):
        return None
    return payload.external_ref_id if is_session_id(payload.external_ref_id) else None


async def _viewer_allowed(
    deps: AppDeps, client: AsyncWebClient, context: AsyncBoltContext, payload: EntityDetailsPayload, deadline: float
) -> bool:
    """The viewer's own workspace (not the channel's: Slack Connect) passes the policy, and the channel is allowed."""
    if not deps.access.channel_allowed(payload.channel):
        return False
    remaining = max(deadline - asyncio.get_running_loop().time(), 0)
    try:
        viewer = await asyncio.wait_for(deps.flexpanes.viewer(client, payload.user_id), timeout=remaining)
    except TimeoutError:
        log.warning("flexpane.viewer_timeout")
        return False
    if viewer is None:
        return False
    authorized = context.authorize_result
    return deps.access.team_allowed(
        user_team_id=viewer.team_id,
        enterprise_id=viewer.enterprise_id,
        installed_team_id=str(authorized.team_id or "") if authorized else "",
        installed_enterprise_id=str(authorized.enterprise_id or "") if authorized else "",
    )


async def _answer(
    deps: AppDeps, payload: EntityDetailsPayload, loading: asyncio.Future[Loaded], deadline: float
) -> dict[str, Any]:
    try:
        loaded = await loading
    except DevinNotFoundError:
        return {"error": NOT_FOUND}
    notice = None
    if loaded.failure is not None or loaded.timed_out:
        notice = sentences.DEVIN_TIMEOUT if loaded.failure is None else devin_error_sentence(loaded.failure)
        log.info("flexpane.partial", extra={"timed_out": loaded.timed_out})
    if loaded.session is None:
        return {"error": devin_trouble(notice or sentences.DEVIN_TIMEOUT)}
    entity: Entity | None = session_details_entity(
        loaded.session,
        app_url=deps.settings.devin_app_url,
        external_ref=payload.external_ref,
        entity_url=payload.entity_url,
        notice=notice,
        assignee=await _creator(deps, loaded.session, deadline),
    )
    return {"metadata": entity} if entity is not None else {"error": NOT_FOUND}
