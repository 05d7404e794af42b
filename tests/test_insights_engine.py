"""Digests and budget warnings on SQLite and PostgreSQL: exactly once per channel and period, across restarts
and replicas, on an injected clock; the simulated Devin org and the recording Slack over real HTTP."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from bot.insights import digests
from bot.insights.engine import TeamEngine
from bot.insights.records import PostKind, PostState
from bot.insights.source import InsightsSource
from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_seed import APP_URL
from bot.sandbox.slack_api import NOT_MEMBER_CHANNEL_ID, PRIVATE_CHANNEL_ID
from bot.store import Store, team
from bot.store import channels as channel_queries

OTHER_CHANNEL = PRIVATE_CHANNEL_ID
USER = "U0SANDBOXUSR"
HOUR = 3600
DAY = 24 * HOUR


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _engine(world: Any, *, store: Store | None = None, holder: str = "replica-a", **options: Any) -> TeamEngine:
    source = InsightsSource(world.devin, alert_reasons=("out_of_credits",), clock=world.clock)
    return TeamEngine(
        source,
        world.devin,
        world.slack_client,
        app_url=APP_URL,
        alert_channel=SANDBOX_CHANNEL_ID,
        alert_reasons=("out_of_credits",),
        store=store or world.store,
        clock=world.clock,
        holder_id=holder,
        **({"pacing": {"interval": 0.001}} | options),  # pacing itself: tests/test_insights_pacing.py
    )


async def _daily(engine: TeamEngine, channel: str = SANDBOX_CHANNEL_ID, hour: int = 9, tz: str = "UTC") -> None:
    await engine.schedule_digest(channel, cadence="daily", weekday=None, hour=hour, minute=0, tz=tz, user_id=USER)


def _digests(world: Any, channel: str = SANDBOX_CHANNEL_ID) -> list[dict[str, Any]]:
    return [m for m in world.posts(channel) if "Devin digest" in m.get("text", "")]


# --- digests ------------------------------------------------------------------------------------------


async def test_digest_posts_once_per_period_across_a_restart(alerts_world: Any) -> None:
    world = alerts_world
    world.clock.now = _at("2026-12-01T08:00:00")
    world.devin_org.add_session(acus_consumed=4.0, title="Yesterday's work", created_at=int(_at("2026-11-30T12:00:00")))
    engine = _engine(world)
    await _daily(engine)
    assert (await engine.tick_digests()).posted == 0  # 09:00 has not come yet
    world.clock.now = _at("2026-12-01T09:00:30")
    assert (await engine.tick_digests()).posted == 1
    restarted_store = await world.open_store()
    try:
        restarted = _engine(world, store=restarted_store, holder="replica-a-after-restart")
        assert (await restarted.tick_digests()).posted == 0
        world.clock.now = _at("2026-12-01T21:00:00")
        assert (await restarted.tick_digests()).posted == 0
        world.clock.now = _at("2026-12-02T09:01:00")
        assert (await restarted.tick_digests()).posted == 1
    finally:
        await restarted_store.aclose()
    (first, second) = _digests(world)
    text = json.dumps(first["blocks"])
    assert "Yesterday" in text and "4.00 ACUs" in text and "Scheduled by <@U0SANDBOXUSR>" in text
    assert "digest off" in text
    async with world.store.transaction() as conn:
        keys = [p.period_key for p in await team.list_posts(conn, kind=PostKind.DIGEST)]
    assert keys == [str(int(_at("2026-12-01T09:00:00"))), str(int(_at("2026-12-02T09:00:00")))]


async def test_digest_two_replicas_post_once(alerts_world: Any) -> None:
    world = alerts_world
    world.clock.now = _at("2026-12-01T08:59:00")
    await _daily(_engine(world))
    world.clock.now = _at("2026-12-01T09:00:05")
    other_store = await world.open_store()
    try:
        replicas = [_engine(world, holder="replica-a"), _engine(world, store=other_store, holder="replica-b")]
        for _ in range(3):
            reports = await asyncio.gather(*(r.tick_digests() for r in replicas))
            world.clock.advance(30)
        assert sum(r.posted for r in reports) <= 1
    finally:
        await other_store.aclose()
    assert len(_digests(world)) == 1


async def test_digest_two_channels_due_together_share_one_fetch(alerts_world: Any) -> None:
    world = alerts_world
    world.clock.now = _at("2026-12-01T08:00:00")
    engine = _engine(world)
    await _daily(engine, SANDBOX_CHANNEL_ID)
    await _daily(engine, OTHER_CHANNEL)
    world.devin_org.clear_requests()
    world.clock.now = _at("2026-12-01T09:00:10")
    assert (await engine.tick_digests()).posted == 2
    assert len(_digests(world, SANDBOX_CHANNEL_ID)) == len(_digests(world, OTHER_CHANNEL)) == 1
    assert len(world.devin_org.requests_to("/sessions/insights")) == 1  # one listing page for both
    assert len(world.devin_org.requests_to("/consumption/daily")) == 1


async def test_digest_off_stops_it(alerts_world: Any) -> None:
    world = alerts_world
    world.clock.now = _at("2026-12-01T08:00:00")
    engine = _engine(world)
    await _daily(engine)
    assert await engine.digest_off(SANDBOX_CHANNEL_ID)
    world.clock.now = _at("2026-12-03T10:00:00")
    assert (await engine.tick_digests()).posted == 0
    assert _digests(world) == []
    assert (await engine.digest_state(SANDBOX_CHANNEL_ID)).schedule is None


async def test_digest_due_in_the_users_time_zone_across_dst(alerts_world: Any) -> None:
    world = alerts_world
    world.clock.now = _at("2026-03-27T12:00:00")  # Paris is UTC+1 until Sunday 29 March, then UTC+2
    engine = _engine(world)
    await _daily(engine, tz="Europe/Paris")
    posted_at = []
    for _ in range(4 * 24 * 4):  # every 15 minutes for four days
        world.clock.advance(15 * 60)
        if (await engine.tick_digests()).posted:
            posted_at.append(datetime.fromtimestamp(world.clock.now, UTC).strftime("%m-%d %H:%M"))
    assert posted_at == ["03-28 08:00", "03-29 07:00", "03-30 07:00", "03-31 07:00"]


async def test_digest_weekly_once_a_week_at_the_local_time_each_covering_the_week_since_the_last(
    alerts_world: Any,
) -> None:
    world = alerts_world
    world.clock.now = _at("2026-12-02T00:00:00")  # a Wednesday
    engine = _engine(world)
    # Monday 08:00 in Auckland (UTC+13 in December) is Sunday 19:00 UTC: the weekday is the user's, not UTC's.
    await engine.schedule_digest(
        SANDBOX_CHANNEL_ID, cadence="weekly", weekday=0, hour=8, minute=0, tz="Pacific/Auckland", user_id=USER
    )
    sessions = {
        _at("2026-12-03T12:00:00"): "Work of the first week",
        _at("2026-12-09T12:00:00"): "Work of the second week",
    }
    posted_at = []
    for _ in range(15 * 24 * 2):  # every 30 minutes for fifteen days: two Mondays in Auckland
        world.clock.advance(30 * 60)
        if title := sessions.get(world.clock.now):
            world.devin_org.add_session(acus_consumed=3.0, title=title, created_at=int(world.clock.now))
        if (await engine.tick_digests()).posted:
            posted_at.append(datetime.fromtimestamp(world.clock.now, digests.zone("Pacific/Auckland")))
    assert [(t.strftime("%a %H:%M"), t.date().isoformat()) for t in posted_at] == [
        ("Mon 08:00", "2026-12-07"),
        ("Mon 08:00", "2026-12-14"),
    ]
    first_due, second_due = (int(t.timestamp()) for t in posted_at)
    async with world.store.transaction() as conn:
        payloads = [json.loads(p.payload) for p in await team.list_posts(conn, kind=PostKind.DIGEST)]
    assert [(p["start"], p["end"]) for p in payloads] == [(first_due - 7 * DAY, first_due), (first_due, second_due)]
    first, second = (json.dumps(m["blocks"]) for m in _digests(world))
    assert "Work of the first week" in first and "Work of the second week" not in first
    assert "Work of the second week" in second and "Work of the first week" not in second
    assert "weekly on Monday at 08:00 (Pacific/Auckland)" in second


async def test_digest_permanent_slack_error_is_recorded_and_shown(alerts_world: Any) -> None:
    world = alerts_world
    world.clock.now = _at("2026-12-01T08:00:00")
    engine = _engine(world)
    await _daily(engine, NOT_MEMBER_CHANNEL_ID)
    world.clock.now = _at("2026-12-01T09:00:10")
    report = await engine.tick_digests()
    assert report.failed == 1 and report.posted == 0
    state = await engine.digest_state(NOT_MEMBER_CHANNEL_ID)
    assert state.last is not None and state.last.state is PostState.FAILED and state.last.last_error == "not_in_channel"
    async with world.store.transaction() as conn:
        assert (await channel_queries.get_problem(conn, NOT_MEMBER_CHANNEL_ID)) is not None
    world.clock.advance(HOUR)
    assert (await engine.tick_digests()).failed == 0  # recorded once, not retried


async def test_digest_transient_slack_error_is_retried(alerts_world: Any) -> None:
    world = alerts_world
    world.clock.now = _at("2026-12-01T08:00:00")
    engine = _engine(world)
    await _daily(engine)
    world.slack.fail("chat.postMessage", status=503)
    world.clock.now = _at("2026-12-01T09:00:10")
    assert (await engine.tick_digests()).retried == 1
    world.clock.advance(60)
    assert (await engine.tick_digests()).posted == 1
    assert len(_digests(world)) == 1


# --- budget ---------------------------------------------------------------------------------------


def _spend(world: Any, acus: float) -> None:
    world.devin_org.add_session(acus_consumed=acus, created_at=int(world.clock()))


def _budget_messages(world: Any) -> list[dict[str, Any]]:
    return [m for m in world.posts() if "ACU budget" in m.get("text", "")]


async def test_budget_each_threshold_once_updated_in_place(alerts_world: Any) -> None:
    world = alerts_world
    world.clock.now = _at("2026-12-10T12:00:00")
    engine = _engine(world, budget=100.0)
    _spend(world, 30)
    status = await engine.check_budget()
    assert status is not None and status.threshold == 0 and _budget_messages(world) == []
    _spend(world, 25)
    assert (await engine.check_budget()) is not None
    assert (await engine.check_budget()) is not None  # the same threshold again: nothing new
    (message,) = _budget_messages(world)
    assert "50%" in message["text"] and "55.0 of 100 ACUs" in message["text"]
    assert "runs out on" in json.dumps(message["blocks"])  # 55 ACUs today: the 7-day rate ends it this month
    _spend(world, 30)
    world.clock.advance(HOUR)
    await engine.check_budget()
    (updated,) = _budget_messages(world)  # still one message, now at 80%
    assert "80%" in updated["text"] and "85.0 of 100" in updated["text"]
    replies = [m for ms in world.slack.threads.values() for m in ms]
    assert len(replies) == 1 and "80%" in replies[0]["text"]
    _spend(world, 20)
    world.clock.advance(HOUR)
    await engine.check_budget()
    assert len(_budget_messages(world)) == 1 and "100%" in _budget_messages(world)[0]["text"]
    assert len([m for ms in world.slack.threads.values() for m in ms]) == 2
    assert len(world.ok_calls("chat.postMessage")) == 3 and len(world.ok_calls("chat.update")) == 2


async def test_budget_warning_reaches_every_alert_channel_and_each_is_updated_in_place(alerts_world: Any) -> None:
    world = alerts_world
    world.clock.now = _at("2026-12-10T12:00:00")
    async with world.store.transaction() as conn:  # what `/devin-insights alerts on` stores in a second channel
        await channel_queries.put_subscription(
            conn, OTHER_CHANNEL, enabled=True, reasons=["out_of_credits"], by_user=USER, now=world.clock()
        )
    engine = _engine(world, budget=100.0)
    _spend(world, 55)
    await engine.check_budget()
    for channel in (SANDBOX_CHANNEL_ID, OTHER_CHANNEL):
        (message,) = [m for m in world.posts(channel) if "ACU budget" in m.get("text", "")]
        assert "50%" in message["text"] and "55.0 of 100 ACUs" in message["text"]
    _spend(world, 30)
    world.clock.advance(HOUR)
    await engine.check_budget()
    world.clock.advance(HOUR)
    await engine.check_budget()  # nothing new: still 80%
    for channel in (SANDBOX_CHANNEL_ID, OTHER_CHANNEL):
        (message,) = [m for m in world.posts(channel) if "ACU budget" in m.get("text", "")]
        assert "80%" in message["text"] and "85.0 of 100" in message["text"]
    posts, edits = world.ok_calls("chat.postMessage"), world.ok_calls("chat.update")
    assert sorted(c.body["channel"] for c in edits) == sorted([SANDBOX_CHANNEL_ID, OTHER_CHANNEL])
    replies = [c for c in posts if c.body.get("thread_ts")]
    assert sorted(c.body["channel"] for c in replies) == sorted([SANDBOX_CHANNEL_ID, OTHER_CHANNEL])
    assert len(posts) == 4  # one message and one thread reply in each channel


async def test_budget_not_repeated_after_restart_and_again_next_month(alerts_world: Any) -> None:
    world = alerts_world
    world.clock.now = _at("2026-12-20T12:00:00")
    _spend(world, 60)
    await _engine(world, budget=100.0).check_budget()
    assert len(_budget_messages(world)) == 1
    restarted_store = await world.open_store()
    try:
        restarted = _engine(world, store=restarted_store, holder="replica-a-after-restart", budget=100.0)
        world.clock.advance(2 * 900)  # the first replica's lease has expired
        await restarted.check_budget()
        assert len(world.ok_calls("chat.postMessage")) == 1 and not world.ok_calls("chat.update")
        world.clock.now = _at("2027-01-01T07:59:00")  # still December's billing month
        await restarted.check_budget()
        assert len(world.ok_calls("chat.postMessage")) == 1
        world.clock.now = _at("2027-01-01T09:00:00")  # January: December's sessions no longer count
        status = await restarted.check_budget()
        assert status is not None and status.month == "2027-01" and status.used == 0
        _spend(world, 51)
        await restarted.check_budget()
    finally:
        await restarted_store.aclose()
    months = [m["text"] for m in _budget_messages(world)]
    assert len(months) == 2 and "51.0 of 100" in months[1]


async def test_budget_without_consumption_permission_estimates_and_says_so(alerts_world: Any) -> None:
    world = alerts_world
    world.clock.now = _at("2026-12-10T12:00:00")
    world.devin_org.consumption_permission = False
    _spend(world, 81)
    status = await _engine(world, budget=100.0).check_budget()
    assert status is not None and status.estimated and status.threshold == 80
    (message,) = _budget_messages(world)
    assert "ViewOrgConsumption" in json.dumps(message["blocks"])


async def test_budget_off_without_a_budget(alerts_world: Any) -> None:
    world = alerts_world
    _spend(world, 500)
    assert await _engine(world).check_budget() is None
    assert _budget_messages(world) == []


async def test_migration_step_adds_the_team_tables_to_a_version_3_database(alerts_world: Any) -> None:
    from sqlalchemy import inspect, text

    from bot.store.migrations import migrate, schema_version
    from bot.store.schema import SCHEMA_VERSION, meta

    store = alerts_world.store
    async with store.transaction() as conn:
        for name in ("team_posts", "digest_schedules"):
            await conn.execute(text(f"DROP TABLE {name}"))
        await conn.execute(meta.update().where(meta.c.key == "schema_version").values(value="3"))
    assert await migrate(store.engine) == SCHEMA_VERSION >= 4  # later steps (issue 15's is 5) run too
    assert await migrate(store.engine) == SCHEMA_VERSION  # idempotent
    async with store.engine.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert {"team_posts", "digest_schedules"} <= names
    assert await schema_version(store.engine) == SCHEMA_VERSION
