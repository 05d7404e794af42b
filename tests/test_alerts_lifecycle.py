"""Lifecycle in the thread: each later state change of an alerted session is one reply under its alert, the top
message shows the state now, exactly once across polls, replicas and a restart (SQLite and PostgreSQL), and
`alerts broadcast on` also sends the resolution to the channel. Over real HTTP (simulated org, Slack stand-in)."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.engine import AlertEngine
from bot.alerts.posting import UNCERTAIN_WAIT_SECONDS
from bot.sandbox import SANDBOX_BOT_TOKEN, SANDBOX_CHANNEL_ID
from bot.sandbox.devin_seed import APP_URL
from bot.sandbox.slack_history import HISTORY_SCOPES
from bot.store import channels as channel_queries
from bot.store import events as event_queries

PR = {"pr_url": "https://github.com/acme/orders-api/pull/482", "pr_state": "merged"}


def text_of(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + message.get("text", "")


async def ticks(world: Any, *engines: AlertEngine, times: int = 2) -> None:
    for _ in range(times):
        world.clock.advance(5)  # past the channel's pacing slot
        for engine in engines:
            await engine.tick()


def replies(world: Any, ts: str) -> list[str]:
    return [text_of(m) for m in world.slack.threads.get(ts, [])]


async def test_each_state_change_is_one_reply_across_polls_replicas_and_a_restart(alerts_world: Any) -> None:
    sid = alerts_world.suspend("out_of_credits", title="Refund <endpoint> & *bold*")
    first = alerts_world.service()
    await ticks(alerts_world, first)
    [alert] = alerts_world.posts()
    ts = alert["ts"]

    alerts_world.devin_org.set_status(sid, "suspended", "payment_declined")
    await ticks(alerts_world, first)
    [changed] = replies(alerts_world, ts)
    assert "still suspended, now because: *payment declined* (it was *out of credits*)" in changed
    assert "Refund &lt;endpoint&gt; &amp;" in changed and "<endpoint>" not in changed  # escaped from Devin
    assert "The reason changed" in text_of(alerts_world.posts()[0])

    # A restart: a new store connection and a second replica both poll and deliver from now on.
    store = await alerts_world.open_store()
    try:
        restarted = alerts_world.service(store=store)
        other = alerts_world.service(store=store, holder_id="replica-b")
        alerts_world.devin_org.set_status(sid, "running", "working")
        await ticks(alerts_world, restarted, other)
        alerts_world.devin_org.update_session(sid, status="exit", status_detail="finished", pull_requests=[PR])
        await ticks(alerts_world, restarted, other, first, times=3)
        alerts_world.devin_org.update_session(sid, title="Renamed later")  # no new state: no reply
        await ticks(alerts_world, restarted, other, first)
    finally:
        await store.aclose()

    thread = replies(alerts_world, ts)
    assert len(thread) == 3, thread
    assert "payment declined" in thread[0] and "back to" in thread[1]
    assert "finished with 1 PR" in thread[2] and "acme/orders-api#482" in thread[2]
    [top] = alerts_world.posts()
    assert "Resolved" in text_of(top) and "*Now:*" in text_of(top) and "1 PR" in text_of(top)
    assert "alert.snooze" not in text_of(top)  # no quiet buttons once it recovered
    [row] = await alerts_world.alerts()
    async with alerts_world.store.transaction() as conn:
        recorded = await event_queries.list_events(conn, row.id)
    assert [e.kind.value for e in recorded] == ["reason_changed", "finished"] and all(e.reply_ts for e in recorded)
    update_replies = [
        c for c in alerts_world.ok_calls("chat.postMessage") if c.body.get("thread_ts") == ts
    ]  # what was sent, not only what the channel shows: nothing twice
    assert len(update_replies) == 3


async def test_errored_after_recovery_is_a_reply_and_broadcast_sends_the_resolution_to_the_channel(
    alerts_world: Any,
) -> None:
    async with alerts_world.store.transaction() as conn:
        await channel_queries.put_broadcast(conn, SANDBOX_CHANNEL_ID, on=True, by_user="U0ADMIN0001", now=0)
    sid = alerts_world.suspend("out_of_credits")
    quiet_one = alerts_world.suspend("out_of_quota")
    engine = alerts_world.service()
    await ticks(alerts_world, engine)
    alerts_world.devin_org.set_status(sid, "running", "working")
    await ticks(alerts_world, engine)
    alerts_world.devin_org.set_status(sid, "error", None)
    await ticks(alerts_world, engine)

    ts = next(m["ts"] for m in alerts_world.posts() if sid.removeprefix("devin-") in text_of(m))
    thread = replies(alerts_world, ts)
    assert len(thread) == 2 and "stopped with an error" in thread[1]
    sent = [c.body for c in alerts_world.ok_calls("chat.postMessage") if c.body.get("thread_ts") == ts]
    broadcast = [b.get("reply_broadcast") in (True, "true", "1", 1) for b in sent]
    assert broadcast == [True, False]  # the resolution goes to the channel, the later error stays in the thread

    async with alerts_world.store.transaction() as conn:
        await channel_queries.put_broadcast(conn, SANDBOX_CHANNEL_ID, on=False, by_user="U0ADMIN0001", now=0)
    alerts_world.devin_org.set_status(quiet_one, "running", "working")
    await ticks(alerts_world, engine)
    other_ts = next(m["ts"] for m in alerts_world.posts() if quiet_one.removeprefix("devin-") in text_of(m))
    [resolution] = [c.body for c in alerts_world.ok_calls("chat.postMessage") if c.body.get("thread_ts") == other_ts]
    assert resolution.get("reply_broadcast") in (None, False, "false", "0", 0)


async def test_a_change_reply_slack_answers_too_late_is_found_in_the_thread_not_posted_again(alerts_world: Any) -> None:
    alerts_world.slack.scopes.extend(HISTORY_SCOPES)
    sid = alerts_world.suspend("out_of_credits")
    engine = alerts_world.service()
    await ticks(alerts_world, engine)
    [alert] = alerts_world.posts()
    alerts_world.devin_org.set_status(sid, "suspended", "payment_declined")
    impatient = AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=alerts_world.slack.api_url, timeout=0.3)
    alerts_world.slack.latency("chat.postMessage", 1.0, after_acting=True)  # accepted, answered after the timeout
    late = AlertEngine(
        alerts_world.devin, impatient, store=alerts_world.store, default_channel=SANDBOX_CHANNEL_ID,
        default_reasons=("out_of_credits", "payment_declined"), lookback_minutes=60, app_url=APP_URL,
        clock=alerts_world.clock, holder_id="replica-a", channel_rate=(100.0, 1.0),
    )  # fmt: skip
    alerts_world.clock.advance(5)
    await late.tick()
    alerts_world.slack.clear_faults()
    alerts_world.clock.advance(UNCERTAIN_WAIT_SECONDS)
    report = await engine.tick()
    assert report.delivery.reconciled == 1
    [reply] = alerts_world.slack.threads[alert["ts"]]
    assert reply["metadata"]["event_payload"]["part"] == "update" and "event" in reply["metadata"]["event_payload"]
    [row] = await alerts_world.alerts()
    async with alerts_world.store.transaction() as conn:
        [event] = await event_queries.list_events(conn, row.id)
    assert event.reply_ts == reply["ts"] and event.started_at is None
