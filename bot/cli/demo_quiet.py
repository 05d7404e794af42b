"""The demo's snooze step: someone clicks *Snooze 1 h* on an alert (a real signed `block_actions` request), the
alert says who snoozed it and until when, and the next suspension for that reason is recorded, not posted."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable

from bot.cli.demo_world import STEP_TIMEOUT_SECONDS, DemoScreen, DemoWorld
from bot.ids import ActionId
from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.slack_api import REGULAR_USER_ID, SlackCall
from bot.sandbox.slack_requests import block_action

REASON = "payment_declined"


def _alert_post(call: SlackCall) -> bool:
    return "thread_ts" not in call.body and call.body.get("channel") == SANDBOX_CHANNEL_ID


async def show_snooze(world: DemoWorld, screen: DemoScreen) -> None:
    alerts = world.app.deps.alerts
    assert alerts is not None, "the demo runs the alert engine"
    screen.step("A payment is declined: a session is suspended and alerted, with Snooze and Mute buttons")
    first = world.devin.add_session(status="suspended", status_detail=REASON, title="Migrate billing webhooks")
    world.org_changed()
    (alert,) = await world.calls("chat.postMessage", predicate=_alert_post)
    ts = alert.response["ts"]
    await _until(lambda: alerts.channels.alert_at(SANDBOX_CHANNEL_ID, ts), "the alert's ts was not stored")

    screen.step("Someone clicks Snooze 1 h: the alert says who snoozed it and until when")
    hook = world.slack.response_url()
    click = block_action(
        ActionId.SNOOZE_1H, REASON, user_id=REGULAR_USER_ID, channel_id=SANDBOX_CHANNEL_ID, response_url=hook,
        message_ts=ts,
    )  # fmt: skip
    await world.sender.action(click)
    (answer,) = await world.hook_posts(hook)
    screen.message("snooze-answer", "Only visible to you", answer.body)
    (update,) = await world.calls(
        "chat.update", predicate=lambda call: call.body.get("ts") == ts and "snoozed here" in json.dumps(call.body)
    )
    screen.message("snoozed-alert", "#devin-sandbox · alert, updated", update.body)

    screen.step("Another session is suspended for the same reason: recorded, not posted; the settings card counts it")
    second = world.devin.add_session(status="suspended", status_detail=REASON, title="Retry failed invoices")
    world.org_changed()

    async def suppressed() -> bool:
        return (await alerts.channel_settings(SANDBOX_CHANNEL_ID)).suppressed >= 1

    await _until(suppressed, "the snoozed suspension was not recorded")
    card = await world.reply_to("alerts")
    screen.message("snooze-settings", "Only visible to you", card.body)

    await alerts.channels.clear_quiet(SANDBOX_CHANNEL_ID)  # put the channel back for the other steps
    for record in (first, second):
        world.devin.remove_session(record["session_id"])


async def _until(check: Callable[[], Awaitable[object]], failure: str) -> None:
    """Wait for what the app does on its own rhythm (it polls and delivers every second)."""
    deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(failure)
        await asyncio.sleep(0.05)
