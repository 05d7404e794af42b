"""Snooze and mute from the alert, end to end: the whole app in HTTP mode, signed `block_actions` requests,
the simulated Devin org and the Slack stand-in, SQLite and PostgreSQL, on a manual clock (polls driven by hand)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from blocks import sentences
from bot.ids import ActionId
from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.slack_api import ADMIN_USER_ID, REGULAR_USER_ID
from bot.store import quiet as quiet_queries
from bot.store.store import Store
from tests.app_process import wait_until
from tests.fixtures_app import RunningApp, running_app
from tests.fixtures_devin import ManualClock

REASON = "out_of_credits"
QUIET_IDS = {ActionId.SNOOZE_1H, ActionId.SNOOZE_4H, ActionId.SNOOZE_24H, ActionId.MUTE_REASON}


def text_of(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + message.get("text", "")


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]}


async def cycle(app: RunningApp, clock: ManualClock) -> None:
    """One poll, then delivery until nothing is owed, a few seconds later (the pacing slot has passed).

    The app's own delivery job runs too (every second): a row it holds is not owed any more only once
    it is done, so waiting for "nothing owed" also waits for that job's work.
    """
    clock.advance(5)
    engine = app.app.deps.alerts
    assert engine is not None
    await engine.poll()

    async def drained() -> bool:
        await engine.deliver()
        health = await engine.health()
        return health.pending_alerts == 0 and health.pending_updates == 0

    await wait_until(drained, timeout=10, interval=0.05)


def suspend(app: RunningApp, reason: str = REASON) -> str:
    return str(app.devin.add_session(status="suspended", status_detail=reason)["session_id"])


def posts(app: RunningApp) -> list[dict[str, Any]]:
    return app.slack.messages(SANDBOX_CHANNEL_ID)


def world(tmp_path: Path, store_url: str, clock: ManualClock) -> Any:
    return running_app(
        tmp_path,
        with_alerts=True,
        alert_channel=SANDBOX_CHANNEL_ID,
        database_url=store_url,
        clock=clock,
        devin_kwargs={"seed": False, "clock": clock},
        admin_user_ids=ADMIN_USER_ID,
    )


async def test_snooze_from_the_alert_keeps_the_reason_quiet_here_until_it_expires(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    clock = ManualClock()
    async with world(tmp_path, store_url, clock) as app:
        suspend(app)
        await cycle(app, clock)
        [alert] = posts(app)
        assert QUIET_IDS <= buttons(alert).keys() and buttons(alert)[ActionId.SNOOZE_1H]["value"] == REASON

        clicked_at = clock()
        result, hook = await app.click(ActionId.SNOOZE_1H, REASON, message_ts=alert["ts"])
        (answer,) = await app.responses(hook)
        until = int(clicked_at + 3600)
        assert result.status == 200 and answer["response_type"] == "ephemeral"
        assert f"snoozed in this channel until <!date^{until}^" in text_of(answer)

        await cycle(app, clock)  # the outbox edits the alert: who snoozed it, until when (in the viewer's tz)
        [alert] = posts(app)
        assert f"snoozed here by <@{REGULAR_USER_ID}> until <!date^{until}^" in text_of(alert)

        quiet_one = suspend(app)
        await cycle(app, clock)
        assert len(posts(app)) == 1  # recorded, not posted
        settings = await app.app.deps.alerts.channel_settings(SANDBOX_CHANNEL_ID)  # type: ignore[union-attr]
        assert settings.suppressed == 1 and [r.reason for r in settings.quiet] == [REASON]
        async with store.transaction() as conn:
            assert await quiet_queries.count_suppressed_since(conn, SANDBOX_CHANNEL_ID, since=0) == 1
        other = suspend(app, "out_of_quota")  # another reason still alerts
        await cycle(app, clock)
        assert len(posts(app)) == 2 and other.removeprefix("devin-") in text_of(posts(app)[-1])

        _, hook = await app.command("alerts")
        (card,) = await app.responses(hook)
        assert "Snoozed and muted here" in text_of(card) and "1 suspension recorded but not posted" in text_of(card)
        assert f"<@{REGULAR_USER_ID}> until <!date^{until}^" in text_of(card)
        _, hook = await app.command("summary 7d")
        (summary,) = await app.responses(hook, timeout=15)
        assert "1 suspension snoozed or muted here in this period" in text_of(summary)

        clock.advance(3600)  # the snooze expires by itself: the next poll posts new episodes again
        after = suspend(app)
        await cycle(app, clock)
        assert len(posts(app)) == 3 and after.removeprefix("devin-") in text_of(posts(app)[-1])
        assert quiet_one.removeprefix("devin-") not in json.dumps(posts(app))
        settings = await app.app.deps.alerts.channel_settings(SANDBOX_CHANNEL_ID)  # type: ignore[union-attr]
        assert settings.quiet == () and settings.suppressed == 0


async def test_mute_lasts_until_alerts_on_and_a_second_snooze_replaces_it(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    clock = ManualClock()
    async with world(tmp_path, store_url, clock) as app:
        suspend(app)
        await cycle(app, clock)
        [alert] = posts(app)
        _, hook = await app.click(ActionId.MUTE_REASON, REASON, message_ts=alert["ts"])
        (answer,) = await app.responses(hook)
        assert "muted in this channel until" in text_of(answer)
        await cycle(app, clock)
        assert f"muted here by <@{REGULAR_USER_ID}>" in text_of(posts(app)[0])

        clock.advance(48 * 3600)  # a mute does not expire
        suspend(app)
        await cycle(app, clock)
        assert len(posts(app)) == 1

        _, hook = await app.click(ActionId.SNOOZE_4H, REASON, message_ts=alert["ts"], user_id=ADMIN_USER_ID)
        (again,) = await app.responses(hook)
        assert f"This replaces a mute set by <@{REGULAR_USER_ID}>" in text_of(again)

        _, hook = await app.command("alerts on", user_id=ADMIN_USER_ID)  # restores every quiet reason here
        await app.responses(hook)
        await cycle(app, clock)
        assert "snoozed here" not in text_of(posts(app)[0])  # the alert no longer says it is quiet
        restored = suspend(app)
        await cycle(app, clock)
        assert len(posts(app)) == 2 and restored.removeprefix("devin-") in text_of(posts(app)[-1])


async def test_quiet_buttons_outside_an_alert_explain_and_change_nothing(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    clock = ManualClock()
    async with world(tmp_path, store_url, clock) as app:
        _, hook = await app.click(ActionId.SNOOZE_1H, REASON, message_ts="1700000000.000100")
        (answer,) = await app.responses(hook)
        assert answer["response_type"] == "ephemeral" and "nothing was snoozed" in text_of(answer)
        assert sentences.QUIET_NOT_HERE.split(",")[0] in text_of(answer)
        _, hook = await app.click(ActionId.MUTE_REASON, "<!channel>", message_ts="1700000000.000100")
        (bad,) = await app.responses(hook)
        assert "does not name a suspension reason" in text_of(bad)
        async with store.transaction() as conn:
            assert await quiet_queries.active_quiet(conn, now=clock()) == []


async def test_alerts_broadcast_is_stored_per_channel_and_shown_on_the_card(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    clock = ManualClock()
    async with world(tmp_path, store_url, clock) as app:
        _, hook = await app.command("alerts broadcast on", user_id=REGULAR_USER_ID)
        (refused,) = await app.responses(hook)
        assert sentences.NOT_ADMIN in text_of(refused)
        _, hook = await app.command("alerts broadcast on", user_id=ADMIN_USER_ID)
        (card,) = await app.responses(hook)
        assert "Resolutions are also sent to the channel" in text_of(card)
        assert (await app.app.deps.alerts.channel_settings(SANDBOX_CHANNEL_ID)).broadcast  # type: ignore[union-attr]
        _, hook = await app.command("alerts broadcast off", user_id=ADMIN_USER_ID)
        (card,) = await app.responses(hook)
        assert "Resolutions are also sent" not in text_of(card)


async def test_a_storm_alert_has_the_buttons_and_says_who_snoozed_it(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    clock = ManualClock()
    async with world(tmp_path, store_url, clock) as app:
        for _ in range(5):  # more than the storm threshold in one poll: one grouped alert
            suspend(app, "out_of_quota")
        await cycle(app, clock)
        [group] = posts(app)
        assert "5 Devin sessions suspended" in group["text"] and QUIET_IDS <= buttons(group).keys()
        _, hook = await app.click(ActionId.SNOOZE_24H, "out_of_quota", message_ts=group["ts"])
        await app.responses(hook)
        await cycle(app, clock)
        assert f"snoozed here by <@{REGULAR_USER_ID}>" in text_of(posts(app)[0])
        for _ in range(5):  # another storm of that reason: recorded, not posted
            suspend(app, "out_of_quota")
        await cycle(app, clock)
        assert len(posts(app)) == 1
        settings = await app.app.deps.alerts.channel_settings(SANDBOX_CHANNEL_ID)  # type: ignore[union-attr]
        assert settings.suppressed == 5
