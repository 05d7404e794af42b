"""The poller against the simulated Devin org over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from bot.alerts.poller import OVERLAP_SECONDS, Poller
from bot.alerts.records import AlertKind, AlertState, PollerState
from bot.alerts.rules import ChannelRule
from bot.devin.retry import BACKGROUND_RETRY
from bot.sandbox.devin_org import UNTIL_CLEARED
from bot.store import sessions as session_queries

CHANNEL = "C0ALERTS1"
OTHER = "C0ALERTS2"
DEFAULTS = frozenset({"out_of_credits", "out_of_quota", "usage_limit_exceeded", "error"})
RULES = [ChannelRule(CHANNEL, DEFAULTS)]
SESSIONS_PATH = "/sessions"


def poller(world: Any, *, lookback_minutes: int = 60) -> Poller:
    return Poller(
        world.store, world.devin.with_retry(BACKGROUND_RETRY), lookback_minutes=lookback_minutes, clock=world.clock
    )


async def poller_state(world: Any) -> PollerState:
    async with world.store.transaction() as conn:
        return await session_queries.get_poller_state(conn)


def list_requests(world: Any) -> list[Any]:
    return world.devin_org.requests_to(SESSIONS_PATH)


async def test_poller_idle_poll_costs_one_request_whatever_the_org_size(alerts_world: Any) -> None:
    alerts_world.devin_org.add_many(450, status="running", status_detail="working")
    first = await poller(alerts_world).poll(RULES)
    assert (first.pages, first.seen, first.changed) == (3, 450, 450)
    alerts_world.devin_org.clear_requests()
    for _ in range(3):
        alerts_world.clock.advance(60)
        idle = await poller(alerts_world).poll(RULES)
        assert (idle.pages, idle.changed, idle.alerts_recorded, idle.error) == (1, 0, 0, None)
    assert len(list_requests(alerts_world)) == 3


async def test_poller_first_start_looks_back_exactly_the_lookback(alerts_world: Any) -> None:
    now = int(alerts_world.clock())
    old = alerts_world.suspend(updated_at=now - 2 * 3600)
    edge = alerts_world.suspend(updated_at=now - 3600 - 1)
    recent = alerts_world.suspend(updated_at=now - 59 * 60)
    report = await poller(alerts_world).poll(RULES)
    [request] = list_requests(alerts_world)
    assert ("updated_after", str(now - 3600)) in request.query and ("first", "200") in request.query
    alerted = {a.session_id for a in await alerts_world.alerts()}
    assert alerted == {recent} and old not in alerted and edge not in alerted
    assert report.watermark == now - 3600 + OVERLAP_SECONDS


async def test_poller_lookback_zero_alerts_on_nothing_from_before_the_start(alerts_world: Any) -> None:
    alerts_world.suspend(updated_at=int(alerts_world.clock()) - 5)
    await poller(alerts_world, lookback_minutes=0).poll(RULES)
    assert await alerts_world.alerts() == []
    alerts_world.clock.advance(30)
    fresh = alerts_world.suspend()
    await poller(alerts_world, lookback_minutes=0).poll(RULES)
    assert [a.session_id for a in await alerts_world.alerts()] == [fresh]


async def test_poller_next_window_starts_overlap_before_the_watermark(alerts_world: Any) -> None:
    alerts_world.suspend()
    first = await poller(alerts_world).poll(RULES)
    alerts_world.clock.advance(300)
    await poller(alerts_world).poll(RULES)
    last = list_requests(alerts_world)[-1]
    assert first.watermark is not None
    assert ("updated_after", str(first.watermark - OVERLAP_SECONDS)) in last.query


async def test_poller_records_one_alert_per_episode_across_polls(alerts_world: Any) -> None:
    sid = alerts_world.suspend()
    for _ in range(4):
        await poller(alerts_world).poll(RULES)
        alerts_world.clock.advance(30)
        alerts_world.devin_org.update_session(sid, title="still suspended, just touched")
    [alert] = await alerts_world.alerts()
    assert (alert.session_id, alert.episode, alert.channel_id, alert.state) == (sid, 1, CHANNEL, AlertState.PENDING)


async def test_poller_recovery_resolves_and_a_new_suspension_is_a_new_episode(alerts_world: Any) -> None:
    sid = alerts_world.suspend()
    opened_at = int(alerts_world.clock())
    await poller(alerts_world).poll(RULES)
    alerts_world.clock.advance(600)
    alerts_world.devin_org.set_status(sid, "running", "working")
    closed = await poller(alerts_world).poll(RULES)
    [resolved] = await alerts_world.alerts()
    assert closed.closed == 1
    assert (resolved.resolved_at, resolved.resolved_status, resolved.version) == (opened_at + 600, "running", 2)
    alerts_world.clock.advance(60)
    alerts_world.devin_org.set_status(sid, "suspended", "usage_limit_exceeded")
    await poller(alerts_world).poll(RULES)
    episodes = [(a.episode, a.reason) for a in await alerts_world.alerts()]
    assert episodes == [(1, "out_of_credits"), (2, "usage_limit_exceeded")]


async def test_poller_benign_reasons_do_not_alert_by_default(alerts_world: Any) -> None:
    alerts_world.suspend("inactivity")
    alerts_world.suspend("user_request")
    report = await poller(alerts_world).poll(RULES)
    assert (report.opened, report.alerts_recorded) == (2, 0)
    assert await alerts_world.alerts() == []


async def test_poller_devin_failure_keeps_the_watermark_and_the_next_poll_resumes(alerts_world: Any) -> None:
    await poller(alerts_world).poll(RULES)
    before = await poller_state(alerts_world)
    alerts_world.clock.advance(60)
    sid = alerts_world.suspend()
    alerts_world.devin_org.inject(status=500, times=UNTIL_CLEARED)
    failed = await poller(alerts_world).poll(RULES)
    after_failure = await poller_state(alerts_world)
    assert failed.error is not None and "DevinServerError" in failed.error
    assert after_failure.watermark == before.watermark and after_failure.last_success_at == before.last_success_at
    assert after_failure.last_error == failed.error
    assert await alerts_world.alerts() == []
    alerts_world.devin_org.clear_faults()
    alerts_world.clock.advance(60)
    recovered = await poller(alerts_world).poll(RULES)
    assert recovered.complete and (await poller_state(alerts_world)).last_error is None
    assert [a.session_id for a in await alerts_world.alerts()] == [sid]


async def test_poller_retries_transient_devin_errors_within_one_poll(alerts_world: Any) -> None:
    sid = alerts_world.suspend()
    alerts_world.devin_org.inject(status=429, retry_after=2, times=2)
    alerts_world.devin_org.inject(status=503, times=1)
    report = await poller(alerts_world).poll(RULES)
    assert report.complete and len(list_requests(alerts_world)) == 4
    assert [a.session_id for a in await alerts_world.alerts()] == [sid]


async def test_poller_storm_becomes_one_grouped_alert_per_channel(alerts_world: Any) -> None:
    alerts_world.devin_org.add_many(40, status="suspended", status_detail="out_of_credits")
    report = await poller(alerts_world).poll([*RULES, ChannelRule(OTHER, DEFAULTS)])
    rows = await alerts_world.alerts()
    groups = [a for a in rows if a.kind is AlertKind.GROUP]
    assert sorted(g.channel_id for g in groups) == [CHANNEL, OTHER] and len(report.groups) == 2
    assert [a for a in rows if a.kind is AlertKind.SINGLE] == []
    for group in groups:
        members = [a for a in rows if a.group_key == group.group_key and a.kind is AlertKind.MEMBER]
        assert len(members) == 40 and {m.channel_id for m in members} == {group.channel_id}


async def test_poller_storm_threshold_is_more_than_three(alerts_world: Any) -> None:
    alerts_world.devin_org.add_many(3, status="suspended", status_detail="out_of_credits")
    alerts_world.devin_org.add_many(4, status="suspended", status_detail="error")
    await poller(alerts_world).poll(RULES)
    rows = await alerts_world.alerts()
    delivered = sorted((a.reason, a.kind.value) for a in rows if a.kind is not AlertKind.MEMBER)
    assert delivered == [("error", "group"), *[("out_of_credits", "single")] * 3]
    assert [a.reason for a in rows if a.kind is AlertKind.MEMBER] == ["error"] * 4


async def test_poller_storm_straddling_pages_is_still_one_group(alerts_world: Any) -> None:
    now = int(alerts_world.clock())
    org = alerts_world.devin_org
    org.add_many(2, status="suspended", status_detail="out_of_credits", updated_at=now - 500)
    org.add_many(198, status="running", status_detail="working", updated_at=now - 400)
    org.add_many(5, status="suspended", status_detail="out_of_credits", updated_at=now - 300)
    report = await poller(alerts_world).poll(RULES)
    rows = await alerts_world.alerts()
    assert report.pages == 2
    assert [a.kind for a in rows].count(AlertKind.GROUP) == 1
    assert [a.kind for a in rows].count(AlertKind.MEMBER) == 7 and AlertKind.SINGLE not in [a.kind for a in rows]


async def test_poller_reason_change_updates_the_alert_and_tells_newly_interested_channels(alerts_world: Any) -> None:
    rules = [ChannelRule(CHANNEL, DEFAULTS - {"out_of_quota"}), ChannelRule(OTHER, frozenset({"out_of_quota"}))]
    sid = alerts_world.suspend("out_of_credits")
    await poller(alerts_world).poll(rules)
    alerts_world.clock.advance(60)
    alerts_world.devin_org.set_status(sid, "suspended", "out_of_quota")
    await poller(alerts_world).poll(rules)
    by_channel = {a.channel_id: a for a in await alerts_world.alerts()}
    first, added = by_channel[CHANNEL], by_channel[OTHER]
    assert (first.reason, first.reason_changed_from, first.version, first.episode) == (
        "out_of_quota",
        "out_of_credits",
        2,
        1,
    )
    assert (added.reason, added.episode, added.version) == ("out_of_quota", 1, 1)


async def test_poller_survives_unknown_enum_values(alerts_world: Any) -> None:
    alerts_world.suspend()
    alerts_world.devin_org.inject(malformed="unknown_enum")
    report = await poller(alerts_world).poll(RULES)
    assert report.complete and report.changed == 1 and await alerts_world.alerts() == []


async def test_poller_stops_without_saving_the_watermark_when_the_lease_is_lost(alerts_world: Any) -> None:
    alerts_world.devin_org.add_many(250, status="running", status_detail="working")

    async def lost() -> bool:
        return False

    report = await poller(alerts_world).poll(RULES, renew=lost)
    state = await poller_state(alerts_world)
    assert report.lease_lost and report.pages == 1 and state.last_success_at is None
    assert state.watermark == int(alerts_world.clock()) - 3600 + OVERLAP_SECONDS  # the first-start value
