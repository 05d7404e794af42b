"""Nothing from Devin can blind the poller (section 2), on an injected clock, over real HTTP, on both databases."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from bot.alerts.poller import MAX_PAGES, OVERLAP_SECONDS, SWEEP_SECONDS, Poller, window_start
from bot.alerts.rules import ChannelRule
from bot.alerts.snapshot import SNAPSHOT_MAX_BYTES, TAGS_MAX, TEXT_MAX
from bot.config import DEFAULT_ALERT_REASONS
from bot.devin.retry import BACKGROUND_RETRY
from bot.sandbox.devin_org import UNTIL_CLEARED
from bot.store import sessions as session_queries
from bot.store.schema import alerts as alerts_table

YEAR = 365 * 24 * 3600
RULES = [ChannelRule("C0ALERTS1", frozenset(DEFAULT_ALERT_REASONS))]


def poller(world: Any) -> Poller:
    return Poller(world.store, world.devin.with_retry(BACKGROUND_RETRY), lookback_minutes=60, clock=world.clock)


async def watermark(world: Any) -> int | None:
    async with world.store.transaction() as conn:
        return (await session_queries.get_poller_state(conn)).watermark


async def test_lone_surrogate_in_one_title_blinds_nobody(alerts_world: Any) -> None:
    broken = alerts_world.suspend(title="half an emoji \ud83d here")
    fine = alerts_world.suspend("error", title="fine")
    service = alerts_world.service()
    report = await service.tick()
    assert report.poll is not None and report.poll.complete
    posted = json.dumps(alerts_world.posts())
    assert broken in posted and fine in posted and "half an emoji \\ufffd here" in posted
    health = await service.health_report()
    assert health["last_poll_failed"] is False and health["pending_alerts"] == 0


async def test_a_failing_poll_reports_failing_in_health(alerts_world: Any) -> None:
    service = alerts_world.service()
    await service.tick()
    alerts_world.devin_org.inject(malformed="wrong_shape", times=UNTIL_CLEARED)
    alerts_world.clock.advance(60)
    await service.tick()
    assert (await service.health_report())["last_poll_failed"] is True


async def test_future_updated_at_does_not_move_the_watermark_ahead(alerts_world: Any) -> None:
    now = int(alerts_world.clock())
    future = alerts_world.suspend(updated_at=now + YEAR)
    service = alerts_world.service()
    await service.tick()
    assert (await watermark(alerts_world) or 0) <= now
    alerts_world.clock.advance(60)
    later = alerts_world.suspend("error")
    await service.tick()
    alerted = {a.session_id for a in await alerts_world.alerts()}
    assert alerted == {future, later}


async def test_a_store_poisoned_by_a_future_watermark_heals(alerts_world: Any) -> None:
    now = int(alerts_world.clock())
    async with alerts_world.store.transaction() as conn:
        await session_queries.save_poll_success(conn, watermark=now + YEAR, now=now)  # as an older version stored it
    alerts_world.clock.advance(60)
    sid = alerts_world.suspend()
    report = await poller(alerts_world).poll(RULES)
    assert report.complete and [a.session_id for a in await alerts_world.alerts()] == [sid]
    assert (await watermark(alerts_world) or 0) <= int(alerts_world.clock())


async def test_suspension_stamped_60s_back_inside_the_overlap_alerts(alerts_world: Any) -> None:
    sid = alerts_world.devin_org.add_session(status="running", status_detail="working")["session_id"]
    service = alerts_world.service()
    await service.tick()
    alerts_world.clock.advance(30)
    before = int(alerts_world.clock()) - 60  # older than the running observation we stored
    alerts_world.devin_org.update_session(sid, status="suspended", status_detail="out_of_credits", updated_at=before)
    await service.tick()
    assert [a.session_id for a in await alerts_world.alerts()] == [sid]


async def test_suspension_stamped_600s_back_alerts_within_two_polls(alerts_world: Any) -> None:
    sid = alerts_world.devin_org.add_session(status="running", status_detail="working")["session_id"]
    keeps_moving = alerts_world.devin_org.add_session(status="running", status_detail="working")["session_id"]
    service = alerts_world.service()
    await service.tick()  # poll 1
    for poll in (2, 3):
        alerts_world.clock.advance(60)
        alerts_world.devin_org.update_session(keeps_moving, title=f"busy {poll}")  # the watermark moves on
        if poll == 2:
            back = int(alerts_world.clock()) - 600
            alerts_world.devin_org.update_session(sid, status="suspended", status_detail="error", updated_at=back)
            assert back < (await watermark(alerts_world) or 0) - OVERLAP_SECONDS  # outside a plain window
        await service.tick()
    assert [a.session_id for a in await alerts_world.alerts()] == [sid]


async def test_endless_cursor_is_capped_and_reported(alerts_world: Any) -> None:
    alerts_world.devin_org.add_many(3, status="running", status_detail="working")
    alerts_world.devin_org.inject(malformed="endless_cursor", path_contains="/sessions", times=UNTIL_CLEARED)
    service = alerts_world.service()
    report = await service.tick()
    assert report.poll is not None and report.poll.error is not None and "cursor" in report.poll.error
    assert report.poll.pages == 2 < MAX_PAGES  # the repeated cursor is noticed on the second page
    assert (await service.health_report())["last_poll_failed"] is True
    alerts_world.devin_org.clear_faults()
    alerts_world.clock.advance(60)
    assert (await service.tick()).poll.complete  # type: ignore[union-attr]


async def test_huge_titles_are_stored_bounded(alerts_world: Any) -> None:
    now = int(alerts_world.clock())
    huge = "t" * 300_000  # the incident's titles; tags: twice as many as kept, each ten times what is kept
    tags = ["g" * (10 * TEXT_MAX)] * (2 * TAGS_MAX)
    alerts_world.devin_org.add_many(
        20, status="suspended", status_detail="out_of_credits", title=huge, tags=tags, updated_at=now
    )
    await poller(alerts_world).poll(RULES)
    async with alerts_world.store.transaction() as conn:
        rows = await conn.scalar(select(func.count()).select_from(alerts_table))
        longest = await conn.scalar(select(func.max(func.length(alerts_table.c.session_json))))
    assert rows == 21 and 0 < longest <= SNAPSHOT_MAX_BYTES  # 20 members and their group


def test_sweep_reaches_15_minutes_back_but_costs_nothing_extra_for_an_idle_org() -> None:
    now = 1_000_000
    assert window_start(now - 10, now, sweep=True) == now - SWEEP_SECONDS
    assert window_start(now - 3600, now, sweep=True) == now - 3600 - OVERLAP_SECONDS
    assert window_start(now - 3600, now, sweep=False) == now - 3600 - OVERLAP_SECONDS
