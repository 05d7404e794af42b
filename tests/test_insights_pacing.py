"""Digest and budget delivery paced like alerts: one Slack post per channel per slot, booked in the store and
shared by every replica (two deliverers, two stores, one database: SQLite and PostgreSQL); a channel told to
rest is left for later; and the team outbox's counters and depth gauge on `/metrics`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.insights.budget import BudgetStatus
from bot.insights.delivery import SLOT_WAIT_MAX_SECONDS, TeamDeliverer, refresh_outbox_depth
from bot.insights.records import PostKind
from bot.insights.source import InsightsSource
from bot.sandbox import SANDBOX_BOT_TOKEN, SANDBOX_CHANNEL_ID
from bot.sandbox.devin_seed import APP_URL
from bot.sandbox.slack_api import PRIVATE_CHANNEL_ID
from bot.store import Store, pace, team
from tests.fixtures_app import RunningApp, running_app

START = 1_800_000_000.0


class Waits:
    """A sleep that records how long it was asked to wait and returns at once (the clock is the test's)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(round(seconds, 6))


def _deliverer(world: Any, store: Store, holder: str, waits: Waits) -> TeamDeliverer:
    source = InsightsSource(world.devin, alert_reasons=(), clock=world.clock)
    return TeamDeliverer(
        store, world.slack_client, source, holder_id=holder, clock=world.clock, app_url=APP_URL, sleep=waits
    )


async def _budget_posts(world: Any, months: list[str], channel: str = SANDBOX_CHANNEL_ID) -> None:
    status = BudgetStatus("2026-12", 60.0, 100.0, 50, 2.0, None, int(START) + 86_400, int(START), False)
    async with world.store.transaction() as conn:
        for month in months:
            await team.record_post(conn, PostKind.BUDGET, channel, month, status.to_json(), now=world.clock())


async def test_two_deliverers_share_the_channels_slots_through_the_store(alerts_world: Any) -> None:
    world = alerts_world
    world.clock.now = START
    await _budget_posts(world, ["2026-01", "2026-02", "2026-03", "2026-04"])
    await _budget_posts(world, ["2026-01"], channel=PRIVATE_CHANNEL_ID)
    other = await world.open_store()
    try:
        waits_a, waits_b = Waits(), Waits()
        a, b = _deliverer(world, world.store, "replica-a", waits_a), _deliverer(world, other, "replica-b", waits_b)
        reports = await asyncio.gather(a.deliver_due(), b.deliver_due())
        assert sum(r.posted for r in reports) == 5  # each post once, whichever replica claimed it
        # One channel, four posts at the same instant: slots now, +1 s, +2 s, +3 s, wherever they were booked.
        assert sorted(waits_a.seconds + waits_b.seconds) == [1.0, 2.0, 3.0]
        async with world.store.transaction() as conn:
            assert await pace.next_at(conn, SANDBOX_CHANNEL_ID) == START + 4
            assert await pace.next_at(conn, PRIVATE_CHANNEL_ID) == START + 1  # another channel never waited
        # A later post on the other replica's store starts after the slots the first one booked.
        await _budget_posts(world, ["2026-05"])
        waits_b.seconds.clear()
        assert (await b.deliver_due()).posted == 1
        assert waits_b.seconds == [4.0]
    finally:
        await other.aclose()
    assert len(world.posts(SANDBOX_CHANNEL_ID)) == 5


async def test_a_channel_told_to_rest_is_left_unclaimed_for_a_later_round(alerts_world: Any) -> None:
    world = alerts_world
    world.clock.now = START
    await _budget_posts(world, ["2026-01"])
    async with world.store.transaction() as conn:
        await pace.push_back(conn, SANDBOX_CHANNEL_ID, until=START + SLOT_WAIT_MAX_SECONDS + 30)
    waits = Waits()
    deliverer = _deliverer(world, world.store, "replica-a", waits)
    assert (await deliverer.deliver_due()).posted == 0
    async with world.store.transaction() as conn:
        (post,) = await team.list_posts(conn)
    assert post.ts is None and post.attempts == 0 and world.posts(SANDBOX_CHANNEL_ID) == []
    world.clock.advance(31)
    assert (await deliverer.deliver_due()).posted == 1
    assert waits.seconds == [4.0]  # a slot at most SLOT_WAIT_MAX_SECONDS away is waited for, inside the claim


async def test_a_429_pushes_the_channel_back_for_everyone(alerts_world: Any) -> None:
    world = alerts_world
    world.clock.now = START
    await _budget_posts(world, ["2026-01"])
    world.slack.fail("chat.postMessage", status=429, retry_after=30)
    deliverer = _deliverer(world, world.store, "replica-a", Waits())
    assert (await deliverer.deliver_due()).retried == 1
    async with world.store.transaction() as conn:
        assert await pace.next_at(conn, SANDBOX_CHANNEL_ID) == START + 30  # alerts in the channel wait too


async def test_a_429_is_never_slept_inside_the_claim_by_slack_sdks_handler(alerts_world: Any) -> None:
    # The app's client carries slack_sdk's 429 handler, which would sleep Retry-After inside the call (and the
    # claim); the deliverer drops it: one call, the row released, the channel told to rest.
    world = alerts_world
    world.clock.now = START
    await _budget_posts(world, ["2026-01"])
    client = AsyncWebClient(
        token=SANDBOX_BOT_TOKEN,
        base_url=world.slack.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    world.slack.fail("chat.postMessage", status=429, retry_after=600)
    source = InsightsSource(world.devin, alert_reasons=(), clock=world.clock)
    deliverer = TeamDeliverer(
        world.store, client, source, holder_id="a", clock=world.clock, app_url=APP_URL, sleep=Waits()
    )
    assert (await deliverer.deliver_due()).retried == 1
    assert len(world.slack.calls_to("chat.postMessage")) == 1
    async with world.store.transaction() as conn:
        assert await pace.next_at(conn, SANDBOX_CHANNEL_ID) == START + 600
        (post,) = await team.list_posts(conn)
    assert post.ts is None and post.attempts == 1


def _sample(name: str, **labels: str) -> float:
    value = metrics.REGISTRY.get_sample_value(f"{metrics.PREFIX}_{name}", labels)
    return value or 0.0


async def test_team_counters_and_outbox_depth(alerts_world: Any) -> None:
    world = alerts_world
    world.clock.now = START
    await _budget_posts(world, ["2026-01", "2026-02"])
    await _budget_posts(world, ["2026-01"], channel="C0NOSUCHCHAN")
    await refresh_outbox_depth(world.store)
    assert _sample("team_outbox_depth", kind="budget") == 3 and _sample("team_outbox_depth", kind="digest") == 0
    posted = _sample("team_post_deliveries_total", kind="budget", action="posted")
    failed = _sample("team_post_failures_total", kind="budget")
    world.slack.fail("chat.postMessage", status=503)
    retried = _sample("team_post_retries_total", kind="budget")
    await _deliverer(world, world.store, "replica-a", Waits()).deliver_due()
    assert _sample("team_post_retries_total", kind="budget") - retried == 1
    world.clock.advance(600)
    await _deliverer(world, world.store, "replica-a", Waits()).deliver_due()
    assert _sample("team_post_deliveries_total", kind="budget", action="posted") - posted == 2
    assert _sample("team_post_failures_total", kind="budget") - failed == 1  # channel_not_found
    await refresh_outbox_depth(world.store)
    assert _sample("team_outbox_depth", kind="budget") == 0


async def _scrape(live: RunningApp) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{live.url}/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


async def test_digest_now_shows_on_metrics_over_http(tmp_path: Path) -> None:
    async with running_app(tmp_path, with_alerts=True) as live:
        posted = (f"{metrics.PREFIX}_team_post_deliveries_total", frozenset({("kind", "digest"), ("action", "posted")}))
        depth = (f"{metrics.PREFIX}_team_outbox_depth", frozenset({("kind", "digest")}))
        before = await _scrape(live)
        result, hook = await live.command("digest now")
        assert result.status == 200
        await live.responses(hook)
        after = await _scrape(live)
        assert after[posted] - before.get(posted, 0.0) == 1
        assert after[depth] == 0  # refreshed from the store for the scrape: nothing owed
