"""Alerts through the running app: `/devin-insights alerts …`, the View insights button, health."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from blocks import sentences
from bot.ids import ActionId
from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_seed import SEED_RUNNING
from bot.sandbox.slack_api import ADMIN_USER_ID, NOT_MEMBER_CHANNEL_ID, REGULAR_USER_ID
from tests.app_process import wait_until
from tests.fixtures_app import running_app


def _text(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + message.get("text", "")


async def test_alerts_command_shows_the_default_channel_settings(tmp_path: Path) -> None:
    async with running_app(tmp_path, with_alerts=True, alert_channel=SANDBOX_CHANNEL_ID) as app:
        _, hook = await app.command("alerts")
        (reply,) = await app.responses(hook)
        assert "out_of_credits" in _text(reply) or "out of credits" in _text(reply).lower()


async def test_alerts_on_and_off_need_an_admin(tmp_path: Path) -> None:
    async with running_app(tmp_path, with_alerts=True, admin_user_ids="U0CONFIGADM") as app:
        _, hook = await app.command("alerts on out_of_credits", user_id=REGULAR_USER_ID)
        (refusal,) = await app.responses(hook)
        assert sentences.NOT_ADMIN in _text(refusal)

        _, hook = await app.command("alerts on out_of_credits", user_id=ADMIN_USER_ID)  # a Slack workspace admin
        (enabled,) = await app.responses(hook)
        assert "out of credits" in _text(enabled).lower() or "out_of_credits" in _text(enabled)
        settings = await app.app.deps.alerts.channel_settings(SANDBOX_CHANNEL_ID)
        assert settings.enabled and settings.reasons == ("out_of_credits",)

        _, hook = await app.command("alerts off", user_id="U0CONFIGADM")  # an ADMIN_USER_IDS user
        await app.responses(hook)
        settings = await app.app.deps.alerts.channel_settings(SANDBOX_CHANNEL_ID)
        assert not settings.enabled


async def test_alerts_on_with_an_unknown_reason_explains(tmp_path: Path) -> None:
    async with running_app(tmp_path, with_alerts=True) as app:
        _, hook = await app.command("alerts on out_of_credit", user_id=ADMIN_USER_ID)
        (reply,) = await app.responses(hook)
        assert "Unknown alert reason" in _text(reply)


async def test_alert_is_posted_and_view_insights_answers_the_clicker(tmp_path: Path) -> None:
    async with running_app(tmp_path, with_alerts=True, alert_channel=SANDBOX_CHANNEL_ID, alert_poll_seconds=1) as app:
        app.devin.set_status(SEED_RUNNING, "suspended", "out_of_credits")
        # The channel alert; creators' DMs (also chat.postMessage) go out on their own rhythm.
        (alert,) = await app.slack.wait_for(
            "chat.postMessage", timeout=10, predicate=lambda c: c.ok and c.body.get("channel") == SANDBOX_CHANNEL_ID
        )
        assert alert.body["channel"] == SANDBOX_CHANNEL_ID
        buttons = [e for b in alert.body["blocks"] if b["type"] == "actions" for e in b["elements"]]
        view = next(b for b in buttons if b["action_id"] == ActionId.VIEW_INSIGHTS)
        _, hook = await app.click(ActionId.VIEW_INSIGHTS, view["value"], message_ts=alert.response["ts"])
        (card,) = await app.responses(hook)
        assert card["response_type"] == "ephemeral"
        assert SEED_RUNNING.removeprefix("devin-") in _text(card)

        async def polled() -> bool:  # /healthz shows what the last finished tick saw
            return bool((await app.app.health())["alerts"]["last_poll_at"])

        await wait_until(polled, timeout=10)
        assert (await app.app.health())["alerts"]["running"]


async def test_alert_delivery_problem_is_surfaced_in_the_channel_settings(tmp_path: Path) -> None:
    async with running_app(
        tmp_path, with_alerts=True, alert_channel=NOT_MEMBER_CHANNEL_ID, alert_poll_seconds=1
    ) as app:
        app.devin.set_status(SEED_RUNNING, "suspended", "out_of_credits")
        await app.slack.wait_for("chat.postMessage", timeout=10)
        await app.settle()

        async def problem_recorded() -> bool:
            settings = await app.app.deps.alerts.channel_settings(NOT_MEMBER_CHANNEL_ID)
            return settings.problem is not None

        await wait_until(problem_recorded, timeout=10)
        _, hook = await app.command("alerts", channel_id=NOT_MEMBER_CHANNEL_ID)
        (reply,) = await app.responses(hook)
        assert "not_in_channel" in _text(reply) or "invite" in _text(reply).lower()
