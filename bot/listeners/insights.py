"""`/devin-insights summary` and its *Share in channel* button: orchestration only."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks import sentences
from blocks.alert_quiet import snoozed_summary_note
from blocks.help import notice_message
from blocks.kit import Block, Message
from blocks.summary import COUNTING, period_label, summary_message
from blocks.team_home import team_glance_blocks
from bot.devin.errors import DevinError
from bot.insights.figures import Figures
from bot.insights.period import PERIOD_MAX_DAYS
from bot.listeners import failures
from bot.listeners.deps import AppDeps
from bot.slack.payloads import ActionPayload
from bot.slack.respond import Respond
from bot.store import STORE_ERRORS, STORE_REPLY_TIMEOUT_SECONDS

log = logging.getLogger(__name__)

GLANCE_SECONDS = 2.5
"""App Home waits this long for the week's figures; a slower fetch keeps going and fills the cache."""

Handler = Callable[..., Awaitable[None]]


def summary_title(days: int) -> str:
    return f"Devin: {period_label(days)}"


async def summary_card(deps: AppDeps, days: int, channel_id: str) -> Message:
    """The ephemeral summary card for the last `days` days, or one sentence saying why not."""
    figures = await _figures(deps, days, channel_id)
    if not isinstance(figures, Figures):
        return figures
    app_url = deps.settings.devin_app_url
    quiet = await _snoozed_here(deps, days, channel_id)
    return summary_message(figures, title=summary_title(days), app_url=app_url, shareable_days=days, footer=quiet)


async def _snoozed_here(deps: AppDeps, days: int, channel_id: str) -> list[str]:
    """What snoozes and mutes kept from this channel in the period; nothing if the store cannot say now."""
    if deps.alerts is None or not channel_id:
        return []
    try:
        async with asyncio.timeout(STORE_REPLY_TIMEOUT_SECONDS):
            return snoozed_summary_note(await deps.alerts.channels.suppressed_since(channel_id, days=days))
    except STORE_ERRORS as error:
        log.warning("summary.snoozed.store_failed", extra={"error": type(error).__name__})
        return []


async def summary_reply(deps: AppDeps, days: int, channel_id: str, respond: Respond) -> None:
    """Answer `summary`: the card, preceded by a short "counting" note when the fetch is slow."""
    task = asyncio.ensure_future(summary_card(deps, days, channel_id))
    done, _ = await asyncio.wait({task}, timeout=deps.insights_timing.summary_notice_after)
    if done:
        await _send(respond, task.result())
        return
    await _send(respond, notice_message(COUNTING.format(period=period_label(days)), emoji=""))
    card = await task
    await respond(text=card["text"], blocks=card["blocks"], response_type="ephemeral", replace_original=True)


async def _figures(deps: AppDeps, days: int, channel_id: str) -> Figures | Message:
    if not deps.access.channel_allowed(channel_id):
        return notice_message(sentences.NOT_ALLOWED_CHANNEL, emoji=":no_entry:")
    if deps.team is None:
        return notice_message(sentences.INSIGHTS_UNAVAILABLE)
    try:
        return await deps.team.last_days(days)
    except DevinError as error:
        log.info("command.summary.failed", extra={"days": days, "error": type(error).__name__})
        return notice_message(failures.devin_error_sentence(error))


def make_share_summary(deps: AppDeps) -> Handler:
    """*Share in channel*: post the same figures (from the short cache) visibly, saying who shared them."""

    async def handle_share_summary(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, respond: Respond
    ) -> None:
        await ack()
        payload = ActionPayload.parse(body, action)
        days = int(payload.value) if payload.value.isdigit() else 0
        if not 1 <= days <= PERIOD_MAX_DAYS:
            await _notice(respond, sentences.INVALID_PERIOD_BUTTON)
            return
        figures = await _figures(deps, days, payload.channel_id)
        if not isinstance(figures, Figures):
            await respond(
                text=figures["text"], blocks=figures["blocks"], response_type="ephemeral", replace_original=False
            )
            return
        message = summary_message(
            figures, title=summary_title(days), app_url=deps.settings.devin_app_url, shared_by_user_id=payload.user_id
        )
        try:
            await client.chat_postMessage(
                channel=payload.channel_id, text=message["text"], blocks=message["blocks"], unfurl_links=False
            )
        except SlackApiError as error:
            code = error.response.get("error")
            log.info("action.share_summary.failed", extra={"channel": payload.channel_id, "error": code})
            await _notice(respond, failures.slack_error_sentence(error))

    return handle_share_summary


async def _notice(respond: Respond, sentence: str) -> None:
    await _send(respond, notice_message(sentence))


async def _send(respond: Respond, message: Message) -> None:
    await respond(text=message["text"], blocks=message["blocks"], response_type="ephemeral", replace_original=False)


async def team_glance(deps: AppDeps) -> list[Block]:
    """The org-at-a-glance blocks of App Home (empty when the app has no team source)."""
    if deps.team is None:
        return []
    figures: Figures | None
    try:
        figures = await asyncio.wait_for(deps.team.last_days(7), GLANCE_SECONDS)
    except (DevinError, TimeoutError) as error:
        log.info("home.glance.figures_unavailable", extra={"error": type(error).__name__})
        figures = None
    engine = deps.scheduled
    digests = await engine.digest_channels() if engine is not None else []
    return team_glance_blocks(
        figures,
        budget=engine.last_budget if engine is not None else None,
        budget_set=engine.budget_set if engine is not None else deps.settings.acu_budget is not None,
        digest_channels=digests,
    )
