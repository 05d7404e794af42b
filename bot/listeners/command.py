"""`/devin-insights`: ack at once, then answer through `respond` (works in DMs and channels without the bot)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks import sentences
from blocks.alert_settings import alert_settings_message
from blocks.help import notice_message, usage_message
from blocks.kit import Message
from blocks.people_dm import notify_setting_message
from blocks.session import session_message
from bot.alerts.engine import AlertEngine
from bot.alerts.records import ChannelSettings
from bot.alerts.render import quiet_note
from bot.devin.errors import DevinError
from bot.listeners import failures
from bot.listeners.deps import AppDeps
from bot.listeners.digests import digest_reply
from bot.listeners.insights import summary_reply
from bot.slack.grammar import (
    AlertSettings,
    DigestRequest,
    Invalid,
    LookupSession,
    NotifySetting,
    ShowHelp,
    Summary,
    parse_command,
)
from bot.slack.payloads import CommandPayload
from bot.slack.respond import Respond
from bot.store.errors import STORE_DOWN_ERRORS, STORE_ERRORS, STORE_REPLY_TIMEOUT_SECONDS

log = logging.getLogger(__name__)

Handler = Callable[..., Awaitable[None]]


def make_devin_command(deps: AppDeps) -> Handler:
    """The slash command listener, bound to the app's dependencies."""

    async def handle_devin_command(
        ack: AsyncAck, command: dict[str, Any], respond: Respond, client: AsyncWebClient
    ) -> None:
        await ack()  # Slack's 3-second budget: everything slow happens after this
        payload = CommandPayload.parse(command)
        match parse_command(payload.text, deps.settings.devin_app_host):
            case ShowHelp():
                await _reply(respond, usage_message())
            case Invalid(reason=reason):
                await _reply(respond, usage_message(note=reason))
            case LookupSession(ref=ref, note=note):
                await _reply(respond, await lookup_card(deps, ref.session_id, payload.channel_id, note=note))
            case AlertSettings() as request:
                await _reply(respond, await alert_settings_reply(deps, request, payload, client))
            case Summary(days=days):
                await summary_reply(deps, days, payload.channel_id, respond)
            case DigestRequest() as request:
                await _reply(respond, await _unless_store_down(digest_reply(deps, request, payload, client), "digest"))
            case NotifySetting(action=action):
                await _reply(respond, await notify_reply(deps, action, payload.user_id))

    return handle_devin_command


async def lookup_card(deps: AppDeps, session_id: str, channel_id: str, *, note: str | None = None) -> Message:
    """The insights card for one session, or one sentence saying why not."""
    if not deps.access.channel_allowed(channel_id):
        return notice_message(sentences.NOT_ALLOWED_CHANNEL, emoji=":no_entry:")
    try:
        insights = await deps.devin.get_session_insights(session_id)
    except DevinError as error:
        log.info("command.lookup.failed", extra={"session_id": session_id, "error": type(error).__name__})
        return notice_message(failures.devin_error_sentence(error))
    creator = await deps.people.creator(insights) if deps.people is not None else None
    return session_message(insights, app_url=deps.settings.devin_app_url, notice=note, creator=creator)


async def notify_reply(deps: AppDeps, action: str, user_id: str) -> Message:
    """Show or change the caller's own DM setting (anyone may change their own)."""
    people = deps.people
    if people is None or people.store is None:
        return notice_message(sentences.NOTIFY_UNAVAILABLE)
    try:
        async with asyncio.timeout(STORE_REPLY_TIMEOUT_SECONDS):
            if action != "show":
                await people.set_notify(user_id, notify=action == "on")
            enabled = await people.notify_setting(user_id)
    except STORE_ERRORS as error:
        log.warning("command.notify.store_failed", extra={"error": type(error).__name__})
        return notice_message(sentences.NOTIFY_STORE_UNAVAILABLE)
    return notify_setting_message(enabled=enabled, changed=action != "show")


async def alert_settings_reply(
    deps: AppDeps, request: AlertSettings, payload: CommandPayload, client: AsyncWebClient
) -> Message:
    """Show or change this channel's alert subscription; changes need an admin. A store that fails or
    hangs gets a sentence within `STORE_REPLY_TIMEOUT_SECONDS`, not Slack's failure banner."""
    if deps.alerts is None:
        return notice_message(sentences.ALERTS_UNAVAILABLE)
    if request.action != "show":
        allowed = await _may_change_settings(deps, payload.user_id, client)
        if allowed is None:
            return notice_message(sentences.ADMIN_CHECK_FAILED)
        if not allowed:
            return notice_message(sentences.NOT_ADMIN, emoji=":lock:")
    reasons = request.reasons or deps.settings.alert_reasons
    try:
        async with asyncio.timeout(STORE_REPLY_TIMEOUT_SECONDS):
            return await _apply_alert_settings(deps.alerts, request.action, payload, reasons)
    except STORE_ERRORS as error:
        log.warning("command.alerts.store_failed", extra={"action": request.action, "error": type(error).__name__})
        return notice_message(sentences.STORE_UNAVAILABLE)


async def _unless_store_down(reply: Awaitable[Message], command: str) -> Message:
    """`reply`, or the store sentence when the database refuses (no deadline: a digest may wait on Devin)."""
    try:
        return await reply
    except STORE_DOWN_ERRORS as error:
        log.warning("command.store_failed", extra={"command": command, "error": type(error).__name__})
        return notice_message(sentences.STORE_UNAVAILABLE)


async def _apply_alert_settings(
    alerts: AlertEngine, action: str, payload: CommandPayload, reasons: Sequence[str]
) -> Message:
    if action == "on":
        settings = await alerts.subscribe(payload.channel_id, reasons, payload.user_id)
    elif action == "off":
        settings = await alerts.unsubscribe(payload.channel_id, payload.user_id)
    elif action.startswith("broadcast_"):
        settings = await alerts.channels.broadcast(
            payload.channel_id, on=action == "broadcast_on", by_user=payload.user_id
        )
    else:
        settings = await alerts.channel_settings(payload.channel_id)
    return _settings_message(settings, await alerts.pending_alerts())


def _settings_message(settings: ChannelSettings, pending: int) -> Message:
    problem = settings.problem
    return alert_settings_message(
        channel_id=settings.channel_id,
        enabled=settings.enabled,
        reasons=settings.reasons,
        is_default_channel=settings.is_default_channel,
        last_error=problem.error if problem else None,
        last_error_at=int(problem.last_at) if problem else None,
        last_error_fix=problem.fix if problem else None,
        pending=pending,
        quiet=[quiet_note(rule) for rule in settings.quiet],
        suppressed=settings.suppressed,
        broadcast=settings.broadcast,
    )


async def _may_change_settings(deps: AppDeps, user_id: str, client: AsyncWebClient) -> bool | None:
    """True or False; None when Slack would not say (then the user hears "try again", not "you are no admin")."""
    if deps.access.is_configured_admin(user_id):
        return True
    try:
        response = await client.users_info(user=user_id)
    except SlackApiError as error:
        log.warning("command.admin_check.failed", extra={"error": error.response.get("error")})
        return None
    user = response.get("user") or {}
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


async def _reply(respond: Respond, message: Message) -> None:
    await respond(text=message["text"], blocks=message["blocks"], response_type="ephemeral", replace_original=False)
