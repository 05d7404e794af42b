"""AlertEngine end to end: simulated Devin org + Slack stand-in over real HTTP, SQLite and PostgreSQL.

Ticks are driven explicitly on the shared manual clock; nothing sleeps, and a real scheduler runs only in the
scheduler tests at the end (awaiting the job's own event).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from bot.alerts.engine import AlertEngine
from bot.alerts.poller import OVERLAP_SECONDS, SWEEP_SECONDS
from bot.alerts.records import AlertKind, AlertState
from bot.alerts.scheduler import ALERTS_JOB_ID, EngineJobs, build_scheduler, run_soon
from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_org import UNTIL_CLEARED
from bot.sandbox.slack_api import NOT_MEMBER_CHANNEL_ID, REGULAR_USER_ID, SHARED_CHANNEL_ID

POST = "chat.postMessage"
UPDATE = "chat.update"


def top_level_posts(world: Any, channel: str = SANDBOX_CHANNEL_ID) -> list[Any]:
    """Successful chat.postMessage calls that started a message (not thread replies)."""
    return [c for c in world.ok_calls(POST) if c.body["channel"] == channel and not c.body.get("thread_ts")]


async def ticks(service: AlertEngine, world: Any, count: int, *, every: float = 60) -> None:
    for _ in range(count):
        await service.tick()
        world.clock.advance(every)


async def test_e2e_suspension_alerts_once_across_ticks_and_a_restart(alerts_world: Any) -> None:
    sid = alerts_world.suspend()
    service = alerts_world.service()
    for _ in range(3):
        await service.tick()
        alerts_world.clock.advance(60)
        alerts_world.devin_org.update_session(sid, title="touched while suspended")
    await service.stop()
    await alerts_world.store.aclose()
    restarted_store = await alerts_world.open_store()
    restarted = alerts_world.service(store=restarted_store, holder_id="replica-a-restarted")
    try:
        await ticks(restarted, alerts_world, 3)
        rows = await alerts_world.alerts(restarted_store)
    finally:
        await restarted.stop()
        await restarted_store.aclose()
    assert len(top_level_posts(alerts_world)) == 1 and len(alerts_world.posts()) == 1
    assert [(r.session_id, r.episode, r.state) for r in rows] == [(sid, 1, AlertState.SENT)]


async def test_e2e_recovery_updates_in_place_and_a_new_suspension_alerts_again(alerts_world: Any) -> None:
    sid = alerts_world.suspend()
    service = alerts_world.service()
    await ticks(service, alerts_world, 1, every=1200)
    [alert] = alerts_world.posts()
    alerts_world.devin_org.set_status(sid, "resuming", None)
    await ticks(service, alerts_world, 2)
    [update] = alerts_world.ok_calls(UPDATE)
    [reply] = alerts_world.slack.threads[alert["ts"]]
    assert update.body["ts"] == alert["ts"] and "Resolved" in alerts_world.posts()[0]["text"]
    assert "20 min" in reply["text"]
    alerts_world.devin_org.set_status(sid, "suspended", "out_of_credits")
    await ticks(service, alerts_world, 2)
    assert len(alerts_world.posts()) == 2 and len(alerts_world.ok_calls(UPDATE)) == 1
    assert [a.episode for a in await alerts_world.alerts()] == [1, 2]


async def test_e2e_inactivity_and_user_request_do_not_alert_by_default(alerts_world: Any) -> None:
    alerts_world.suspend("inactivity")
    alerts_world.suspend("user_request")
    await ticks(alerts_world.service(), alerts_world, 2)
    assert alerts_world.slack.calls_to(POST) == [] and await alerts_world.alerts() == []


async def test_e2e_slack_429_twice_then_ok_is_one_alert(alerts_world: Any) -> None:
    alerts_world.suspend()
    alerts_world.slack.fail(POST, retry_after=3, times=2)
    await ticks(alerts_world.service(), alerts_world, 4)
    assert len(alerts_world.slack.calls_to(POST)) == 3 and len(alerts_world.posts()) == 1


async def test_e2e_devin_failures_delay_the_alert_but_never_lose_or_double_it(alerts_world: Any) -> None:
    service = alerts_world.service()
    await ticks(service, alerts_world, 1)
    sid = alerts_world.suspend()
    alerts_world.devin_org.inject(status=500, times=UNTIL_CLEARED)
    failed = await service.tick()
    health = await service.health()
    assert failed.poll is not None and failed.poll.error is not None
    assert health.last_error is not None and "500" in health.last_error and alerts_world.posts() == []
    alerts_world.devin_org.clear_faults()
    alerts_world.devin_org.inject(status=429, retry_after=1, times=3)
    alerts_world.clock.advance(60)
    await ticks(service, alerts_world, 3)
    assert len(alerts_world.posts()) == 1 and (await service.health()).last_error is None
    assert [a.session_id for a in await alerts_world.alerts()] == [sid]


async def test_e2e_crash_between_recording_and_posting_delivers_after_restart(alerts_world: Any) -> None:
    sid = alerts_world.suspend()
    crashed = alerts_world.service()
    report = await crashed.poll()  # recorded as pending; the process dies before delivering
    assert report is not None and report.alerts_recorded == 1
    await alerts_world.store.aclose()
    assert alerts_world.slack.calls_to(POST) == []
    store = await alerts_world.open_store()
    restarted = alerts_world.service(store=store, holder_id="replica-a-after-crash")
    try:
        await ticks(restarted, alerts_world, 2)
        [alert] = await alerts_world.alerts(store)
    finally:
        await store.aclose()
    assert len(alerts_world.posts()) == 1 and (alert.session_id, alert.state) == (sid, AlertState.SENT)


async def test_e2e_storm_of_forty_is_one_grouped_alert_per_channel(alerts_world: Any) -> None:
    service = alerts_world.service()
    await service.subscribe(SHARED_CHANNEL_ID, [], REGULAR_USER_ID)
    ids = alerts_world.devin_org.add_many(40, status="suspended", status_detail="out_of_credits")
    await ticks(service, alerts_world, 1)
    for channel in (SANDBOX_CHANNEL_ID, SHARED_CHANNEL_ID):
        [group] = alerts_world.posts(channel)
        assert "40" in group["text"] and len(alerts_world.slack.threads[group["ts"]]) == 1
    for sid in ids[:12]:
        alerts_world.devin_org.set_status(sid, "running", "working")
    await ticks(service, alerts_world, 1)
    assert all(
        "12 of 40 recovered" in alerts_world.posts(c)[0]["text"] for c in (SANDBOX_CHANNEL_ID, SHARED_CHANNEL_ID)
    )
    for sid in ids[12:]:
        alerts_world.devin_org.set_status(sid, "exit", None)
    await ticks(service, alerts_world, 1)
    groups = [a for a in await alerts_world.alerts() if a.kind is AlertKind.GROUP]
    assert [g.state for g in groups] == [AlertState.RESOLVED, AlertState.RESOLVED]
    assert len(top_level_posts(alerts_world)) == 1 and len(top_level_posts(alerts_world, SHARED_CHANNEL_ID)) == 1


async def test_e2e_first_start_does_not_alert_beyond_the_lookback(alerts_world: Any) -> None:
    now = int(alerts_world.clock())
    for hours in (2, 5, 24):
        alerts_world.suspend(updated_at=now - hours * 3600)
    recent = alerts_world.suspend(updated_at=now - 600)
    await ticks(alerts_world.service(lookback_minutes=60), alerts_world, 2)
    assert [a.session_id for a in await alerts_world.alerts()] == [recent] and len(alerts_world.posts()) == 1


async def test_e2e_reason_change_while_suspended_updates_the_alert(alerts_world: Any) -> None:
    sid = alerts_world.suspend("out_of_credits")
    service = alerts_world.service()
    await ticks(service, alerts_world, 1)
    alerts_world.devin_org.set_status(sid, "suspended", "payment_declined")
    await ticks(service, alerts_world, 1)
    [update] = alerts_world.ok_calls(UPDATE)
    [message] = alerts_world.posts()
    assert update.body["ts"] == message["ts"] and "changed" in str(message["blocks"])
    [reply] = alerts_world.slack.threads[message["ts"]]  # the change is told in the thread too (issue 13)
    assert "still suspended" in reply["text"] and "payment declined" in reply["text"]


async def test_e2e_not_in_channel_is_recorded_logged_once_and_shown_in_settings(
    alerts_world: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.alerts")
    service = alerts_world.service(default_channel=NOT_MEMBER_CHANNEL_ID)
    alerts_world.suspend()
    await ticks(service, alerts_world, 4, every=600)
    settings = await service.channel_settings(NOT_MEMBER_CHANNEL_ID)
    logged = [r for r in caplog.records if r.getMessage() == "alerts.delivery.failed_permanently"]
    assert len(logged) == 1 and len(alerts_world.slack.calls_to(POST)) == 1
    assert settings.problem is not None and settings.problem.error == "not_in_channel"
    assert "invite" in settings.problem.fix and (await service.health()).pending_alerts == 1
    alerts_world.slack.channels[NOT_MEMBER_CHANNEL_ID].is_member = True
    await service.subscribe(NOT_MEMBER_CHANNEL_ID, [], REGULAR_USER_ID)  # a settings change retries
    await ticks(service, alerts_world, 1)
    assert len(alerts_world.posts(NOT_MEMBER_CHANNEL_ID)) == 1
    assert (await service.channel_settings(NOT_MEMBER_CHANNEL_ID)).problem is None


async def test_e2e_restart_retries_a_channel_with_a_permanent_problem(alerts_world: Any) -> None:
    service = alerts_world.service(default_channel=NOT_MEMBER_CHANNEL_ID)
    alerts_world.suspend()
    await ticks(service, alerts_world, 2)
    alerts_world.slack.channels[NOT_MEMBER_CHANNEL_ID].is_member = True  # fixed while the app was down
    await ticks(service, alerts_world, 1)
    assert alerts_world.posts(NOT_MEMBER_CHANNEL_ID) == []
    restarted = alerts_world.service(default_channel=NOT_MEMBER_CHANNEL_ID, holder_id="replica-a-2")
    await ticks(restarted, alerts_world, 1)
    assert len(alerts_world.posts(NOT_MEMBER_CHANNEL_ID)) == 1


async def test_e2e_idle_poll_is_one_devin_request(alerts_world: Any) -> None:
    alerts_world.devin_org.add_many(500, status="running", status_detail="working")
    service = alerts_world.service()
    await ticks(service, alerts_world, 1)
    # Within the sweep window every other poll re-reads the recently changed sessions (3 pages here)...
    alerts_world.devin_org.clear_requests()
    await ticks(service, alerts_world, 4)
    assert len(alerts_world.devin_org.requests) == 2 * 1 + 2 * 3
    # ...and once nothing changed for SWEEP_SECONDS, an idle poll is one request again.
    alerts_world.clock.advance(SWEEP_SECONDS)
    await ticks(service, alerts_world, 1)
    alerts_world.devin_org.clear_requests()
    await ticks(service, alerts_world, 5)
    assert len(alerts_world.devin_org.requests) == 5
    assert all(r.path.endswith("/sessions") for r in alerts_world.devin_org.requests)


async def test_e2e_alerts_off_for_the_default_channel_wins(alerts_world: Any) -> None:
    service = alerts_world.service()
    alerts_world.suspend()
    await service.poll()  # recorded, not posted yet
    settings = await service.unsubscribe(SANDBOX_CHANNEL_ID, REGULAR_USER_ID)
    alerts_world.suspend("error")
    await ticks(service, alerts_world, 2)
    assert (settings.enabled, settings.source, settings.updated_by) == (False, "subscription", REGULAR_USER_ID)
    assert settings.is_default_channel
    assert alerts_world.slack.calls_to(POST) == []
    assert [a.state for a in await alerts_world.alerts()] == [AlertState.CANCELLED]


async def test_e2e_channel_subscription_filters_by_its_reasons(alerts_world: Any) -> None:
    service = alerts_world.service()
    settings = await service.subscribe(SHARED_CHANNEL_ID, ["payment_declined"], REGULAR_USER_ID)
    alerts_world.suspend("payment_declined")
    alerts_world.suspend("out_of_credits")
    await ticks(service, alerts_world, 1)
    assert settings.reasons == ("payment_declined",) and settings.source == "subscription"
    assert len(alerts_world.posts(SHARED_CHANNEL_ID)) == 1 and len(alerts_world.posts()) == 2
    default = await service.channel_settings(SANDBOX_CHANNEL_ID)
    assert default.source == "default" and default.is_default_channel and "out_of_credits" in default.reasons
    assert not settings.is_default_channel
    assert (await service.channel_settings("C0NEVERSET")).enabled is False


async def test_e2e_health_reports_progress_and_backlog(alerts_world: Any) -> None:
    service = alerts_world.service()
    before = await service.health()
    assert (before.last_success_at, before.watermark, before.pending_alerts) == (None, None, 0)
    alerts_world.suspend()
    alerts_world.slack.fail(POST, status=503)
    await service.tick()
    health = await service.health()
    assert health.last_success_at == alerts_world.clock() and health.pending_alerts == 1
    assert health.watermark is not None and health.watermark_lag_seconds == alerts_world.clock() - health.watermark
    assert health.lease_holder == "replica-a" and health.last_error is None
    assert await service.pending_alerts() == 1


async def test_e2e_two_replicas_make_one_alert_per_episode(alerts_world: Any) -> None:
    other_store = await alerts_world.open_store()
    a = alerts_world.service(holder_id="replica-a", lease_ttl_seconds=300)
    b = alerts_world.service(store=other_store, holder_id="replica-b", lease_ttl_seconds=300)
    try:
        for round_number in range(4):
            alerts_world.suspend()
            if round_number % 2:
                reports = await asyncio.gather(a.tick(), b.tick())
            else:
                reports = [await b.tick(), await a.tick()]
            assert sum(r.leader for r in reports) == 1
            alerts_world.clock.advance(60)
        assert (await b.tick()).leader  # b took the lease on the first tick and kept renewing it
        assert not (await a.tick()).leader
    finally:
        await other_store.aclose()
    rows = await alerts_world.alerts()
    assert len(rows) == 4 and len({(r.session_id, r.episode) for r in rows}) == 4
    assert len(alerts_world.posts()) == 4


async def test_e2e_lease_passes_to_the_other_replica_after_the_ttl(alerts_world: Any) -> None:
    other_store = await alerts_world.open_store()
    a = alerts_world.service(holder_id="replica-a", lease_ttl_seconds=120)
    b = alerts_world.service(store=other_store, holder_id="replica-b", lease_ttl_seconds=120)
    try:
        assert (await a.tick()).leader and not (await b.tick()).leader
        alerts_world.clock.advance(119)
        assert not (await b.tick()).leader  # a's lease (renewed at its last tick) still holds
        alerts_world.clock.advance(2)  # a stopped ticking: its lease expired
        sid = alerts_world.suspend()
        taken = await b.tick()
        assert taken.leader and taken.poll is not None and taken.poll.alerts_recorded == 1
        assert not (await a.tick()).leader
        await b.stop()  # hands the lease over at once
        assert (await a.tick()).leader
    finally:
        await other_store.aclose()
    assert [r.session_id for r in await alerts_world.alerts()] == [sid]


async def test_e2e_replicas_polling_at_the_same_time_still_alert_once(alerts_world: Any) -> None:
    # A lease that has always expired lets both replicas poll together, as when a slow poll outlives it.
    other_store = await alerts_world.open_store()
    a = alerts_world.service(holder_id="replica-a", lease_ttl_seconds=0)
    b = alerts_world.service(store=other_store, holder_id="replica-b", lease_ttl_seconds=0)
    try:
        for _ in range(3):
            for _ in range(3):
                alerts_world.suspend()
            reports = await asyncio.gather(a.tick(), b.tick())
            assert all(r.leader for r in reports)
            alerts_world.clock.advance(60)
    finally:
        await other_store.aclose()
    rows = await alerts_world.alerts()
    assert len(rows) == 9 and len({r.session_id for r in rows}) == 9
    assert len(alerts_world.posts()) == 9 and len(alerts_world.slack.calls_to(POST)) == 9


async def test_e2e_watermark_moves_with_devin_updates(alerts_world: Any) -> None:
    service = alerts_world.service()
    await ticks(service, alerts_world, 1, every=600)
    alerts_world.suspend()
    await service.tick()
    health = await service.health()
    assert health.watermark == int(alerts_world.clock())
    request = alerts_world.devin_org.requests_to("/sessions")[-1]
    assert ("updated_after", str(int(alerts_world.clock()) - 600 - 3600)) in request.query
    assert OVERLAP_SECONDS == 120


async def test_scheduler_registers_the_alert_job_with_its_interval_and_defaults() -> None:
    calls: list[int] = []

    async def job() -> None:
        calls.append(1)

    scheduler = build_scheduler(job, every_seconds=45)
    scheduler.start(paused=True)
    try:
        [registered] = scheduler.get_jobs()
        assert registered.id == ALERTS_JOB_ID and registered.func is job
        assert isinstance(registered.trigger, IntervalTrigger)
        assert registered.trigger.interval.total_seconds() == 45
        assert (registered.coalesce, registered.max_instances, registered.misfire_grace_time) == (True, 1, 45)
        assert str(scheduler.timezone) == "UTC"
    finally:
        scheduler.shutdown(wait=False)
    assert calls == []
    with pytest.raises(ValueError):
        build_scheduler(job, every_seconds=0)


async def test_run_soon_runs_a_job_now_but_leaves_a_running_one_to_its_interval() -> None:
    ran = asyncio.Event()
    runs: list[int] = []

    async def job() -> None:
        runs.append(1)
        ran.set()

    running = asyncio.Lock()
    scheduler = build_scheduler(job, every_seconds=3600)
    scheduler.start()
    try:
        await asyncio.wait_for(ran.wait(), 10)  # the run at start
        ran.clear()
        scheduled = scheduler.get_job(ALERTS_JOB_ID).next_run_time
        async with running:
            run_soon(scheduler, ALERTS_JOB_ID, running)  # APScheduler would skip it with a warning
        assert scheduler.get_job(ALERTS_JOB_ID).next_run_time == scheduled
        run_soon(scheduler, ALERTS_JOB_ID, running)
        await asyncio.wait_for(ran.wait(), 10)  # now, not in an hour
        assert runs == [1, 1]
    finally:
        scheduler.shutdown(wait=False)
    run_soon(None, ALERTS_JOB_ID, running)  # no scheduler (tests driving tick()): nothing to do


async def test_poll_soon_while_a_poll_runs_makes_that_job_poll_once_more() -> None:
    started, release = asyncio.Event(), asyncio.Event()
    polls: list[int] = []

    async def poll() -> None:
        polls.append(1)
        if len(polls) == 1:
            started.set()
            await release.wait()

    async def nothing() -> None:
        return None

    jobs = EngineJobs(poll=poll, deliver=nothing, renew=nothing, on_poll_failed=lambda: None)
    running = asyncio.create_task(jobs.poll())
    await started.wait()
    jobs.poll_soon(None)  # the running poll may have asked Devin before the change
    release.set()
    await running
    assert polls == [1, 1]
    await jobs.poll()
    assert polls == [1, 1, 1]  # without poll_soon, one poll per run
