"""`/devin-insights digest …`: show, schedule (in the user's Slack time zone), stop, or post one now."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks import sentences
from blocks.digest import NOTHING_TO_STOP, POSTED_NOW, SCHEDULED, STOPPED, digest_schedule_message
from blocks.help import notice_message
from blocks.kit import Message
from bot.insights import digests
from bot.insights.engine import TeamEngine
from bot.insights.records import DigestState, PostState
from bot.listeners.deps import AppDeps
from bot.slack.grammar import DigestRequest
from bot.slack.payloads import CommandPayload

log = logging.getLogger(__name__)


async def digest_reply(
    deps: AppDeps, request: DigestRequest, payload: CommandPayload, client: AsyncWebClient
) -> Message:
    """The answer to one `digest` command."""
    engine = deps.scheduled
    if engine is None:
        return notice_message(sentences.DIGESTS_UNAVAILABLE)
    if not deps.access.channel_allowed(payload.channel_id):
        return notice_message(sentences.NOT_ALLOWED_CHANNEL, emoji=":no_entry:")
    channel = payload.channel_id
    if request.action == "off":
        removed = await engine.digest_off(channel)
        return _state_message(await engine.digest_state(channel), STOPPED if removed else NOTHING_TO_STOP)
    if request.action == "now":
        report = await engine.digest_now(channel, payload.user_id)
        state = await engine.digest_state(channel)
        return _state_message(state, POSTED_NOW if report.posted else None)
    if request.action in (digests.DAILY, digests.WEEKLY):
        tz = await _user_tz(client, payload.user_id)
        if tz is None:
            return notice_message(sentences.TZ_UNKNOWN)
        state = await _schedule(engine, request, channel, payload.user_id, tz)
        return _state_message(state, SCHEDULED)
    return _state_message(await engine.digest_state(channel), None)


async def _schedule(engine: TeamEngine, request: DigestRequest, channel: str, user: str, tz: str) -> DigestState:
    return await engine.schedule_digest(
        channel,
        cadence=request.action,
        weekday=request.weekday,
        hour=request.hour,
        minute=request.minute,
        tz=tz,
        user_id=user,
    )


async def _user_tz(client: AsyncWebClient, user_id: str) -> str | None:
    """The user's IANA time zone from `users.info` (UTC when Slack has none on file)."""
    try:
        response = await client.users_info(user=user_id)
    except SlackApiError as error:
        log.warning("command.digest.tz_failed", extra={"error": error.response.get("error")})
        return None
    user = response.get("user") or {}
    return str(user.get("tz") or digests.FALLBACK_TZ)


def _state_message(state: DigestState, changed: str | None) -> Message:
    schedule, last = state.schedule, state.last
    failed = last is not None and last.state is PostState.FAILED
    return digest_schedule_message(
        channel_id=schedule.channel_id if schedule else (last.channel_id if last else ""),
        when=digests.describe(schedule) if schedule else None,
        scheduled_by=schedule.created_by if schedule else None,
        next_due_at=state.next_due_at,
        last_error=last.last_error if failed and last is not None else None,
        last_error_fix=sentences.slack_error_fix(last.last_error or "") if failed and last is not None else None,
        changed=changed,
    )
