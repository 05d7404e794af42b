"""Buttons on the insights card and on alerts."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks import sentences
from blocks.details import details_view, loading_view
from blocks.help import notice_message
from blocks.kit import Message
from blocks.session import session_message
from bot.devin.errors import DevinError
from bot.devin.links import is_session_id
from bot.devin.models import SessionInsights
from bot.listeners import failures
from bot.listeners.command import lookup_card
from bot.listeners.deps import AppDeps
from bot.slack.payloads import ActionPayload
from bot.slack.respond import Respond

log = logging.getLogger(__name__)

Handler = Callable[..., Awaitable[None]]


async def handle_link_button(ack: AsyncAck) -> None:
    """URL buttons (Open in Devin) still send an action; Slack only needs the ack."""
    await ack()


def make_generate_insights(deps: AppDeps) -> Handler:
    async def handle_generate_insights(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        payload = await _session_button(ack, body, action, respond)
        if payload is None:
            return
        try:
            await GenerateFlow(deps, payload.value, respond).run()
        except DevinError as error:
            log.info("action.generate.failed", extra={"session_id": payload.value, "error": type(error).__name__})
            await _notice(respond, failures.devin_error_sentence(error, generating=True))

    return handle_generate_insights


class GenerateFlow:
    """Trigger generation, show progress, poll, and replace the card when the analysis arrives.

    Uses the button's `response_url` at most four times (Slack allows five within 30 minutes):
    progress, one "still working" update, at most one retry notice, and the final card.
    """

    def __init__(self, deps: AppDeps, session_id: str, respond: Respond) -> None:
        self._deps, self._session_id, self._respond = deps, session_id, respond
        self._timing = deps.insights_timing

    async def run(self) -> None:
        insights = await self._deps.devin.get_session_insights(self._session_id)
        if insights.analysis is not None:
            await self._show(insights)
            return
        if insights.num_devin_messages == 0:
            await self._show(insights, sentences.NO_MESSAGES_NOTICE)
            return
        await self._deps.devin.generate_session_insights(self._session_id)
        await self._show(insights, sentences.GENERATING_NOTICE, generating=True)
        final = await self._poll(insights)
        if final.analysis is None:
            # The API cannot tell "failed" from "in progress"; one more generate re-starts a failed run (§4).
            await self._deps.devin.generate_session_insights(self._session_id)
            await self._show(final, sentences.NOT_READY_NOTICE)
            return
        await self._show(final)

    async def _poll(self, latest: SessionInsights) -> SessionInsights:
        started = time.monotonic()
        told_still_working = False
        while time.monotonic() - started < self._timing.give_up_after:
            await asyncio.sleep(self._timing.poll_interval)
            latest = await self._deps.devin.get_session_insights(self._session_id)
            if latest.analysis is not None:
                return latest
            if not told_still_working and time.monotonic() - started >= self._timing.still_working_after:
                told_still_working = True
                await self._show(latest, sentences.STILL_GENERATING_NOTICE, generating=True)
        return latest

    async def _show(self, insights: SessionInsights, notice: str | None = None, *, generating: bool = False) -> None:
        people = self._deps.people
        creator = await people.creator(insights) if people is not None else None
        message = session_message(
            insights, app_url=self._deps.settings.devin_app_url, notice=notice, generating=generating, creator=creator
        )
        await self._respond(text=message["text"], blocks=message["blocks"], replace_original=True)


def make_show_details(deps: AppDeps) -> Handler:
    async def handle_show_details(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, respond: Respond
    ) -> None:
        payload = await _session_button(ack, body, action, respond)
        if payload is None:
            return
        # The trigger_id expires in 3 s and Devin may be slower: open a loading modal now, fill it after.
        try:
            opened = await client.views_open(trigger_id=payload.trigger_id, view=loading_view())
        except SlackApiError as error:  # e.g. expired_trigger_id when Slack was slow to deliver the click
            log.info("action.details.open_failed", extra={"error": error.response.get("error")})
            await _notice(respond, sentences.DETAILS_NOT_OPENED)
            return
        try:
            insights = await deps.devin.get_session_insights(payload.value)
        except DevinError as error:
            view = loading_view(error=failures.devin_error_sentence(error))
        else:
            creator = await deps.people.creator(insights) if deps.people is not None else None
            view = details_view(insights, app_url=deps.settings.devin_app_url, creator=creator)
        try:
            await client.views_update(view_id=opened["view"]["id"], view=view)
        except SlackApiError as error:  # the modal stays on "loading": say so where the user clicked
            log.info("action.details.update_failed", extra={"error": error.response.get("error")})
            await _notice(respond, sentences.DETAILS_NOT_OPENED)

    return handle_show_details


def make_share_in_channel(deps: AppDeps) -> Handler:
    async def handle_share_in_channel(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, respond: Respond
    ) -> None:
        payload = await _session_button(ack, body, action, respond)
        if payload is None:
            return
        if not deps.access.channel_allowed(payload.channel_id):
            await _notice(respond, sentences.NOT_ALLOWED_CHANNEL)
            return
        try:
            insights = await deps.devin.get_session_insights(payload.value)
        except DevinError as error:
            await _notice(respond, failures.devin_error_sentence(error))
            return
        creator = await deps.people.creator(insights) if deps.people is not None else None
        message = session_message(
            insights, app_url=deps.settings.devin_app_url, shared_by_user_id=payload.user_id, creator=creator
        )
        try:
            await client.chat_postMessage(
                channel=payload.channel_id, text=message["text"], blocks=message["blocks"], unfurl_links=False
            )
        except SlackApiError as error:
            log.info("action.share.failed", extra={"channel": payload.channel_id, "error": error.response.get("error")})
            await _notice(respond, failures.slack_error_sentence(error))

    return handle_share_in_channel


def make_view_insights(deps: AppDeps) -> Handler:
    """*View insights* on an alert: the card, ephemerally, for whoever clicked."""

    async def handle_view_insights(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        payload = await _session_button(ack, body, action, respond)
        if payload is None:
            return
        message = await lookup_card(deps, payload.value, payload.channel_id)
        await respond(text=message["text"], blocks=message["blocks"], response_type="ephemeral", replace_original=False)

    return handle_view_insights


async def _session_button(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> ActionPayload | None:
    """Ack, then parse; a button whose value is not a canonical session id gets a sentence and no Devin call."""
    await ack()
    payload = ActionPayload.parse(body, action)
    if is_session_id(payload.value):
        return payload
    await _notice(respond, sentences.INVALID_BUTTON)
    return None


async def _notice(respond: Respond, sentence: str) -> None:
    message: Message = notice_message(sentence)
    await respond(text=message["text"], blocks=message["blocks"], response_type="ephemeral", replace_original=False)
