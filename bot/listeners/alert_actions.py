"""The quiet buttons on alerts: *Snooze 1 h / 4 h / 24 h* and *Mute this reason here*.

Anyone in the channel may use them (the click itself shows they see the alert). The click is acked
at once; the snooze is stored, the channel's open alerts of that reason owe an update (the outbox
edits them to say who and until when), and the clicker gets an ephemeral answer. Logged with the
user id only.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from blocks import sentences
from blocks.alert_quiet import quiet_answer, snooze_seconds
from blocks.help import notice_message
from bot.alerts.render import quiet_note
from bot.ids import ActionId
from bot.listeners.actions import Handler
from bot.listeners.deps import AppDeps
from bot.slack.payloads import ActionPayload
from bot.slack.respond import Respond
from bot.store import STORE_ERRORS, STORE_REPLY_TIMEOUT_SECONDS

log = logging.getLogger(__name__)

QUIET_ACTIONS = (ActionId.SNOOZE_1H, ActionId.SNOOZE_4H, ActionId.SNOOZE_24H, ActionId.MUTE_REASON)
_REASON_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
"""A `status_detail` value as the poller stores it; anything else in a button value is not ours."""


def make_quiet_alert(deps: AppDeps) -> Handler:
    """One handler for the four quiet buttons; the action id says for how long."""

    async def handle_quiet_alert(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        await ack()
        payload = ActionPayload.parse(body, action)
        if deps.alerts is None:
            return await _notice(respond, sentences.ALERTS_UNAVAILABLE)
        if not _REASON_RE.fullmatch(payload.value):
            return await _notice(respond, sentences.QUIET_INVALID_BUTTON)
        if not payload.channel_id or not payload.message_ts:
            return await _notice(respond, sentences.QUIET_NOT_HERE)
        seconds = snooze_seconds(payload.action_id)
        try:
            async with asyncio.timeout(STORE_REPLY_TIMEOUT_SECONDS):
                alert = await deps.alerts.channels.alert_at(payload.channel_id, payload.message_ts)
                if alert is None:
                    return await _notice(respond, sentences.QUIET_NOT_HERE)
                rule, replaced = await deps.alerts.channels.quiet(
                    payload.channel_id, payload.value, seconds=seconds, by_user=payload.user_id
                )
        except STORE_ERRORS as error:
            log.warning("action.quiet.store_failed", extra={"error": type(error).__name__})
            return await _notice(respond, sentences.STORE_UNAVAILABLE)
        log.info(
            "action.quiet",
            extra={"user": payload.user_id, "channel": payload.channel_id, "reason": payload.value, "seconds": seconds},
        )
        answer = quiet_answer(quiet_note(rule), quiet_note(replaced) if replaced else None)
        await respond(text=answer["text"], blocks=answer["blocks"], response_type="ephemeral", replace_original=False)

    return handle_quiet_alert


async def _notice(respond: Respond, sentence: str) -> None:
    message = notice_message(sentence)
    await respond(text=message["text"], blocks=message["blocks"], response_type="ephemeral", replace_original=False)
