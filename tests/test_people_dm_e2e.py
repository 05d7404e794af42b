"""Direct messages to a session's creator, end to end over real HTTP (simulated Devin org, Slack stand-in), on
SQLite and PostgreSQL: suspension and waiting DMs exactly once per episode (across polls and a restart), edited
when the episode ends, `notify off`, and nobody but the creator. Ticks run on the manual clock; nothing sleeps."""

from __future__ import annotations

import json
from typing import Any

from bot.alerts.engine import AlertEngine
from bot.people.component import People
from bot.people.directory import PeopleDirectory
from bot.people.records import NoticeKind, NoticeState
from bot.sandbox.devin_seed import APP_URL, SERVICE_USER, USER_ALICE, USER_DANA
from bot.sandbox.slack_api import REGULAR_USER_ID
from bot.store import notices
from tests.fixtures_store import DEFAULT_REASONS

POST = "chat.postMessage"
UPDATE = "chat.update"
ALICE_DM = "D" + REGULAR_USER_ID[1:]
WAIT = 600.0


def people_of(world: Any, *, waiting_after: float = WAIT) -> People:
    directory = PeopleDirectory(world.devin, world.slack_client, clock=world.clock)
    people = People(
        directory,
        world.slack_client,
        app_url=APP_URL,
        reasons=DEFAULT_REASONS,
        waiting_after_seconds=waiting_after,
        clock=world.clock,
    )
    return people


def engine(world: Any, people: People | None = None, **overrides: Any) -> AlertEngine:
    people = people or people_of(world)
    return world.service(extras=people.alert_extras, observer=people.engine_observer, **overrides)


def dm_posts(world: Any) -> list[Any]:
    return [c for c in world.ok_calls(POST) if c.body["channel"] == REGULAR_USER_ID]


def dm_edits(world: Any) -> list[Any]:
    return [c for c in world.ok_calls(UPDATE) if c.body["channel"] == ALICE_DM]


async def ticks(service: AlertEngine, world: Any, count: int, every: float = 60) -> None:
    for _ in range(count):
        await service.tick()
        world.clock.advance(every)


async def stored_notices(world: Any, store: Any = None) -> list[Any]:
    async with (store or world.store).transaction() as conn:
        return await notices.list_notices(conn)


async def test_dm_suspension_once_across_polls_and_a_restart_then_edited_on_resolution(alerts_world: Any) -> None:
    sid = alerts_world.suspend(user_id=USER_ALICE)
    service = engine(alerts_world)
    for _ in range(3):
        await service.tick()
        alerts_world.clock.advance(60)
        alerts_world.devin_org.update_session(sid, title="touched while suspended")
    await service.stop()
    await alerts_world.store.aclose()
    store = await alerts_world.open_store()
    restarted = alerts_world.service(
        store=store,
        holder_id="replica-b",
        extras=(p := people_of(alerts_world)).alert_extras,
        observer=p.engine_observer,
    )
    try:
        await ticks(restarted, alerts_world, 2)
        alerts_world.devin_org.set_status(sid, "running", "working")
        await ticks(restarted, alerts_world, 2)
        [row] = await stored_notices(alerts_world, store)
    finally:
        await restarted.stop()
        await store.aclose()
    [dm] = dm_posts(alerts_world)
    assert "was suspended" in dm.body["text"] and dm.response["channel"] == ALICE_DM
    assert any(b.get("type") == "actions" for b in dm.body["blocks"])  # Open in Devin
    [edit] = dm_edits(alerts_world)
    assert edit.body["ts"] == dm.response["ts"] and "no longer suspended" in edit.body["text"]
    assert (row.kind, row.state, row.delivered_version) == (NoticeKind.SUSPENDED, NoticeState.SENT, row.version)


async def test_dm_waiting_after_the_delay_once_then_edited(alerts_world: Any) -> None:
    sid = str(
        alerts_world.devin_org.add_session(status="running", status_detail="waiting_for_user", user_id=USER_ALICE)[
            "session_id"
        ]
    )
    service = engine(alerts_world)
    await ticks(service, alerts_world, 9)  # 9 minutes: not yet
    assert dm_posts(alerts_world) == []
    await ticks(service, alerts_world, 4)
    [dm] = dm_posts(alerts_world)
    assert "waiting for your answer" in dm.body["text"]
    alerts_world.devin_org.set_status(sid, "running", "working")
    await ticks(service, alerts_world, 3)
    [edit] = dm_edits(alerts_world)
    assert "no longer waiting" in edit.body["text"] and len(dm_posts(alerts_world)) == 1
    assert alerts_world.posts() == []  # waiting is not a channel alert


async def restarted(world: Any, store: Any, holder_id: str) -> AlertEngine:
    """The engine as a fresh process builds it on `store`: new People, new directory, nothing in memory."""
    people = people_of(world)
    return world.service(store=store, holder_id=holder_id, extras=people.alert_extras, observer=people.engine_observer)


async def test_dm_waiting_once_across_a_restart_before_and_after_it_is_due_then_edited_once(
    alerts_world: Any,
) -> None:
    sid = str(
        alerts_world.devin_org.add_session(status="running", status_detail="waiting_for_user", user_id=USER_ALICE)[
            "session_id"
        ]
    )
    first = engine(alerts_world)
    await ticks(first, alerts_world, 6)  # 6 minutes of the 10 pass in the first process
    await first.stop()
    await alerts_world.store.aclose()
    store_b = await alerts_world.open_store()
    second = await restarted(alerts_world, store_b, "replica-b")
    try:
        await ticks(second, alerts_world, 3)  # 9 minutes since the wait began: the delay counts from then
        assert dm_posts(alerts_world) == []
        await ticks(second, alerts_world, 4)
        assert len(dm_posts(alerts_world)) == 1
    finally:
        await second.stop()
        await store_b.aclose()
    store_c = await alerts_world.open_store()
    third = await restarted(alerts_world, store_c, "replica-c")
    try:
        await ticks(third, alerts_world, 3)  # still waiting: the third process must not send it again
        alerts_world.devin_org.set_status(sid, "running", "working")
        await ticks(third, alerts_world, 3)
        [row] = await stored_notices(alerts_world, store_c)
    finally:
        await third.stop()
        await store_c.aclose()
    [dm] = dm_posts(alerts_world)
    assert "waiting for your answer" in dm.body["text"] and dm.response["channel"] == ALICE_DM
    [edit] = dm_edits(alerts_world)
    assert edit.body["ts"] == dm.response["ts"] and "no longer waiting" in edit.body["text"]
    assert (row.kind, row.state, row.delivered_version) == (NoticeKind.WAITING, NoticeState.SENT, row.version)
    assert alerts_world.posts() == []


async def test_dm_waiting_that_ends_before_the_delay_sends_nothing(alerts_world: Any) -> None:
    sid = str(
        alerts_world.devin_org.add_session(status="running", status_detail="waiting_for_approval", user_id=USER_ALICE)[
            "session_id"
        ]
    )
    service = engine(alerts_world)
    await ticks(service, alerts_world, 2)
    alerts_world.devin_org.set_status(sid, "running", "working")
    await ticks(service, alerts_world, 15)
    [row] = await stored_notices(alerts_world)
    assert dm_posts(alerts_world) == [] and row.state is NoticeState.CANCELLED


async def test_dm_waiting_with_zero_delay_is_sent_at_once(alerts_world: Any) -> None:
    alerts_world.devin_org.add_session(status="running", status_detail="waiting_for_approval", user_id=USER_ALICE)
    await engine(alerts_world, people_of(alerts_world, waiting_after=0)).tick()
    [dm] = dm_posts(alerts_world)
    assert "your approval" in dm.body["text"]


async def test_dm_notify_off_stops_dms_but_not_the_channel_alert(alerts_world: Any) -> None:
    people = people_of(alerts_world)
    service = engine(alerts_world, people)
    await service.tick()  # opens the store for the people component
    await people.set_notify(REGULAR_USER_ID, notify=False)
    alerts_world.suspend(user_id=USER_ALICE)
    alerts_world.clock.advance(60)
    await service.tick()
    [alert] = alerts_world.posts()
    assert f"<@{REGULAR_USER_ID}>" in json.dumps(alert["blocks"])
    assert dm_posts(alerts_world) == [] and not await people.notify_setting(REGULAR_USER_ID)
    await people.set_notify(REGULAR_USER_ID, notify=True)
    alerts_world.suspend("payment_declined", user_id=USER_ALICE)
    alerts_world.clock.advance(60)
    await service.tick()
    assert len(dm_posts(alerts_world)) == 1


async def test_dm_only_to_the_creator_and_never_to_service_users_or_unknown_people(alerts_world: Any) -> None:
    alerts_world.suspend(user_id=USER_DANA)  # not in the Slack workspace
    alerts_world.suspend("out_of_quota", user_id=None, service_user_id=SERVICE_USER)
    alerts_world.suspend("inactivity", user_id=USER_ALICE)  # not an alert reason
    await ticks(engine(alerts_world), alerts_world, 2)
    assert alerts_world.slack.calls_to(POST) and all(
        c.body["channel"] not in (REGULAR_USER_ID,) and not c.body["channel"].startswith("U")
        for c in alerts_world.ok_calls(POST)
    )
    rows = await stored_notices(alerts_world)
    assert [(r.user_id, r.state) for r in rows] == [(USER_DANA, NoticeState.SKIPPED)]


async def test_dm_slack_failure_retries_then_sends_once(alerts_world: Any) -> None:
    alerts_world.slack.fail(POST, status=500, times=1)
    alerts_world.suspend(user_id=USER_ALICE)
    service = engine(alerts_world)
    await ticks(service, alerts_world, 5)
    assert len(dm_posts(alerts_world)) == 1


async def test_dm_rate_limited_waits_for_retry_after_not_the_shorter_backoff(alerts_world: Any) -> None:
    alerts_world.suspend(user_id=USER_ALICE)
    alerts_world.slack.fail(POST, retry_after=600, times=2)  # the channel alert's post and the DM's
    service = engine(alerts_world)
    start = alerts_world.clock()
    await service.tick()
    [notice] = await stored_notices(alerts_world)
    assert notice.attempts == 1 and notice.due_at >= start + 600
    await ticks(service, alerts_world, 5)
    assert dm_posts(alerts_world) == []  # the first backoff step (10 s) would have posted by now
    alerts_world.clock.advance(600)
    await service.tick()
    assert len(dm_posts(alerts_world)) == 1
