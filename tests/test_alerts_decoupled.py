"""Polling, delivery and replicas that don't trip over each other (section 4), over real HTTP, on both databases."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bot.alerts.delivery import Deliverer
from bot.alerts.poller import Poller
from bot.alerts.records import AlertKind, NewAlert
from bot.alerts.rules import ChannelRule
from bot.config import DEFAULT_ALERT_REASONS
from bot.devin.retry import BACKGROUND_RETRY
from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_seed import APP_URL
from bot.store import outbox
from tests.app_process import wait_until

POST = "chat.postMessage"
RULES = [ChannelRule(SANDBOX_CHANNEL_ID, frozenset(DEFAULT_ALERT_REASONS))]
SNAPSHOT = '{"session_id": "%s", "url": "https://app.devin.ai/sessions/%s", "title": "Drain %d"}'


async def poll(world: Any) -> None:
    devin = world.devin.with_retry(BACKGROUND_RETRY)
    assert (await Poller(world.store, devin, lookback_minutes=60, clock=world.clock).poll(RULES)).complete


def deliverer(world: Any, holder: str = "replica-a", **kw: Any) -> Deliverer:
    kw.setdefault("clock", world.clock)
    kw.setdefault("channel_rate", (100.0, 1.0))
    return Deliverer(world.store, world.slack_client, holder_id=holder, app_url=APP_URL, **kw)


async def record_pending(world: Any, count: int, *, now: float) -> None:
    """`count` single alerts owed in one channel, as a long outage or a big org leaves them."""
    async with world.store.transaction() as conn:
        for n in range(count):
            hex_id = f"{n:032x}"
            new = NewAlert(f"devin-{hex_id}", 1, SANDBOX_CHANNEL_ID, "error", int(now) - count + n, SNAPSHOT % (
                f"devin-{hex_id}", hex_id, n))  # fmt: skip
            await outbox.record_alert(conn, new, now=now)


def top_posts(world: Any) -> list[Any]:
    return [c for c in world.ok_calls(POST) if "thread_ts" not in c.body]


async def test_a_storm_spanning_polls_is_one_message(alerts_world: Any) -> None:
    for burst in range(3):  # 3 × 40 sessions over three polls, delivered in between
        alerts_world.devin_org.add_many(40, status="suspended", status_detail="out_of_credits")
        await poll(alerts_world)
        await deliverer(alerts_world).deliver_due()
        alerts_world.clock.advance(30)
        assert len(top_posts(alerts_world)) == 1, f"burst {burst}"
    rows = await alerts_world.alerts()
    assert [r.kind for r in rows].count(AlertKind.GROUP) == 1 and AlertKind.SINGLE not in {r.kind for r in rows}
    assert [r.kind for r in rows].count(AlertKind.MEMBER) == 120
    [message] = alerts_world.posts()
    assert "120" in message["text"] or "120" in str(message["blocks"])  # updated in place as it grew


async def test_a_storm_starting_small_gathers_the_singles_still_waiting(alerts_world: Any) -> None:
    alerts_world.devin_org.add_many(3, status="suspended", status_detail="error")
    await poll(alerts_world)  # three singles, not posted yet (Slack is slow, say)
    alerts_world.clock.advance(30)
    alerts_world.devin_org.add_many(5, status="suspended", status_detail="error")
    await poll(alerts_world)
    await deliverer(alerts_world).deliver_due()
    rows = await alerts_world.alerts()
    assert [r.kind for r in rows].count(AlertKind.GROUP) == 1 and [r.kind for r in rows].count(AlertKind.MEMBER) == 8
    assert len(top_posts(alerts_world)) == 1


async def test_a_storm_over_is_a_new_storm_later(alerts_world: Any) -> None:
    alerts_world.devin_org.add_many(5, status="suspended", status_detail="error")
    await poll(alerts_world)
    alerts_world.clock.advance(3600)  # long after the window
    alerts_world.devin_org.add_many(5, status="suspended", status_detail="error")
    await poll(alerts_world)
    assert [r.kind for r in await alerts_world.alerts()].count(AlertKind.GROUP) == 2


async def test_after_an_outage_the_channel_drains_in_suspension_order(alerts_world: Any) -> None:
    now = int(alerts_world.clock())
    newest = alerts_world.suspend(updated_at=now - 10)
    await poll(alerts_world)  # recorded first...
    older = [alerts_world.suspend("error", updated_at=now - 100 + n) for n in range(3)]
    await poll(alerts_world)  # ...then three suspensions Devin stamped earlier (inside the overlap)
    alerts_world.slack.fail(POST, status=500, times=10_000)
    for step in (5, 10, 20, 40, 80, 160):  # Slack down for five minutes; every row's channel backs off together
        await deliverer(alerts_world).deliver_due()
        alerts_world.clock.advance(step)
    alerts_world.slack.clear_faults()
    alerts_world.clock.advance(300)
    await deliverer(alerts_world).deliver_due()
    order = [
        next(s for s in [*older, newest] if s.removeprefix("devin-") in str(c.body["blocks"]))
        for c in top_posts(alerts_world)
    ]
    assert order == [*older, newest]


async def test_two_replicas_keep_one_channel_at_one_post_a_second(alerts_world: Any) -> None:
    await record_pending(alerts_world, 6, now=time.time())
    replicas = [deliverer(alerts_world, h, clock=time.time, channel_rate=(1.0, 1.0)) for h in ("a", "b")]
    reports = await asyncio.gather(*(r.deliver_due() for r in replicas))
    assert sum(r.posted for r in reports) == 6 and all(r.posted for r in reports)  # both took part
    times = sorted(c.at for c in top_posts(alerts_world))
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert len(times) == 6 and min(gaps) >= 0.75, gaps  # never two in one second
    assert (len(times) - 1) / (times[-1] - times[0]) <= 1.05


async def test_polling_continues_while_200_alerts_drain(alerts_world: Any) -> None:
    await record_pending(alerts_world, 200, now=time.time())
    service = alerts_world.service(poll_seconds=1, clock=time.time, channel_rate=(1.0, 1.0), lease_ttl_seconds=2.0)
    await service.start()
    try:
        await wait_until(lambda: _true(len(top_posts(alerts_world)) >= 1), timeout=10)
        polls = len(alerts_world.devin_org.requests)
        await wait_until(lambda: _true(len(alerts_world.devin_org.requests) >= polls + 3), timeout=10)
        assert len(top_posts(alerts_world)) < 50  # the drain is far from over, polling went on anyway
        assert (await service.health_report())["polling_here"] is True
    finally:
        await service.stop()
    assert (await service.pending_alerts()) > 100  # stop() did not wait for the whole drain


async def test_polling_here_is_true_on_exactly_one_replica(alerts_world: Any) -> None:
    other_store = await alerts_world.open_store()
    # A TTL of two intervals, renewed every half interval: a loaded machine may delay a job, not expire a lease.
    engines = [
        alerts_world.service(poll_seconds=1, clock=time.time, lease_ttl_seconds=2.0, holder_id="replica-a"),
        alerts_world.service(
            store=other_store, poll_seconds=1, clock=time.time, lease_ttl_seconds=2.0, holder_id="replica-b"
        ),
    ]
    samples: list[list[bool]] = []

    async def sampled() -> bool:
        samples.append([(await e.health_report())["polling_here"] for e in engines])
        return len(samples) >= 20

    for engine in engines:
        await engine.start()
    try:
        await wait_until(lambda: _true(len(alerts_world.devin_org.requests) >= 1), timeout=10)
        await wait_until(sampled, timeout=30, interval=0.15)  # about three poll intervals
    finally:
        for engine in engines:
            await engine.stop()
        await other_store.aclose()
    assert all(s.count(True) == 1 for s in samples), samples


async def _true(value: bool) -> bool:
    return value
