"""Posted once, whatever fails around the post (section 3), in-process over real HTTP on both databases.

The process tests (real processes, kill -9, a database cut) are in test_alerts_posted_once_processes.py.
"""

from __future__ import annotations

import logging
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.alerts.delivery import Deliverer
from bot.alerts.poller import Poller
from bot.alerts.posting import UNCERTAIN_WAIT_SECONDS, UNCERTAIN_WAIT_TIMEOUTS
from bot.alerts.rules import ChannelRule
from bot.config import DEFAULT_ALERT_REASONS
from bot.devin.retry import BACKGROUND_RETRY
from bot.sandbox import SANDBOX_BOT_TOKEN, SANDBOX_CHANNEL_ID
from bot.sandbox.devin_seed import APP_URL
from bot.sandbox.slack_history import HISTORY_SCOPES
from bot.store import Store
from bot.store.schema import alerts as alerts_table

POST = "chat.postMessage"
RULES = [ChannelRule(SANDBOX_CHANNEL_ID, frozenset(DEFAULT_ALERT_REASONS))]
FAST = (100.0, 1.0)


def deliverer(world: Any, client: AsyncWebClient | None = None, *, store: Store | None = None, **kw: Any) -> Deliverer:
    kw.setdefault("holder_id", "replica-a")
    kw.setdefault("app_url", APP_URL)
    return Deliverer(store or world.store, client or world.slack_client, clock=world.clock, channel_rate=FAST, **kw)


async def poll(world: Any) -> None:
    devin = world.devin.with_retry(BACKGROUND_RETRY)
    assert (await Poller(world.store, devin, lookback_minutes=60, clock=world.clock).poll(RULES)).complete


def impatient_client(world: Any) -> AsyncWebClient:
    """Gives up on Slack after 0.3 s (the app's client: 10 s; the stand-in answers after 1 s here)."""
    return AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=world.slack.api_url, timeout=0.3)


def grant_history(world: Any) -> None:
    world.slack.scopes.extend(HISTORY_SCOPES)


def top_posts(world: Any) -> list[Any]:
    return [c for c in world.ok_calls(POST) if "thread_ts" not in c.body]


async def test_a_post_slack_answers_too_late_is_found_in_history_not_posted_again(alerts_world: Any) -> None:
    grant_history(alerts_world)
    sid = alerts_world.suspend()
    await poll(alerts_world)
    alerts_world.slack.latency(POST, 1.0, after_acting=True)  # accepted at once, answered after the timeout
    first = await deliverer(alerts_world, impatient_client(alerts_world)).deliver_due()
    [alert] = await alerts_world.alerts()
    assert first.retried == 1 and alert.ts is None and alert.post_started_at is not None
    assert alert.next_attempt_at >= alerts_world.clock() + UNCERTAIN_WAIT_SECONDS
    alerts_world.slack.clear_faults()
    alerts_world.clock.advance(UNCERTAIN_WAIT_SECONDS)
    second = await deliverer(alerts_world).deliver_due()
    [alert] = await alerts_world.alerts()
    assert (second.reconciled, second.posted) == (1, 0)
    assert len(alerts_world.posts()) == 1 and alert.ts == alerts_world.posts()[0]["ts"]
    assert alerts_world.posts()[0]["metadata"]["event_payload"]["session_id"] == sid

    # The recovery's thread reply, answered too late, is found the same way.
    alerts_world.clock.advance(60)
    alerts_world.devin_org.set_status(sid, "running", "working")
    await poll(alerts_world)
    alerts_world.slack.latency(POST, 1.0, after_acting=True)
    await deliverer(alerts_world, impatient_client(alerts_world)).deliver_due()
    alerts_world.slack.clear_faults()
    alerts_world.clock.advance(UNCERTAIN_WAIT_SECONDS)
    again = await deliverer(alerts_world).deliver_due()
    [alert] = await alerts_world.alerts()
    replies = alerts_world.slack.threads[alert.ts or ""]
    assert again.reconciled == 1 and len(replies) == 1 and alert.reply_ts == replies[0]["ts"]
    assert replies[0]["metadata"]["event_type"] == "devin_session_resolved"
    assert len(top_posts(alerts_world)) == 1


async def test_an_uncertain_post_waits_the_wait_its_slack_timeout_sets(alerts_world: Any) -> None:
    # The engine passes UNCERTAIN_WAIT_TIMEOUTS × SLACK_TIMEOUT_SECONDS; 40 s here is longer than any backoff.
    alerts_world.suspend()
    await poll(alerts_world)
    alerts_world.slack.latency(POST, 1.0, after_acting=True)
    wait = UNCERTAIN_WAIT_TIMEOUTS * 40
    await deliverer(alerts_world, impatient_client(alerts_world), uncertain_wait_seconds=wait).deliver_due()
    [alert] = await alerts_world.alerts()
    assert alert.ts is None and alert.next_attempt_at >= alerts_world.clock() + wait


async def test_without_history_scopes_an_uncertain_post_is_posted_again_and_says_so(
    alerts_world: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # The documented remaining window: without channels:history the app cannot know.
    alerts_world.suspend()
    await poll(alerts_world)
    alerts_world.slack.latency(POST, 1.0, after_acting=True)
    await deliverer(alerts_world, impatient_client(alerts_world)).deliver_due()
    alerts_world.slack.clear_faults()
    alerts_world.clock.advance(UNCERTAIN_WAIT_SECONDS)
    with caplog.at_level(logging.WARNING):
        report = await deliverer(alerts_world).deliver_due()
    assert report.posted == 1 and len(alerts_world.posts()) == 2
    assert any(r.getMessage() == "alerts.delivery.unverifiable" for r in caplog.records)


async def test_a_refused_connection_is_certain_and_retried_without_a_history_read(alerts_world: Any) -> None:
    grant_history(alerts_world)
    alerts_world.suspend()
    await poll(alerts_world)
    dead = AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url="http://127.0.0.1:9/api/", timeout=1)
    await deliverer(alerts_world, dead).deliver_due()
    [alert] = await alerts_world.alerts()
    assert alert.post_started_at is None and alert.next_attempt_at == alerts_world.clock() + 5
    alerts_world.clock.advance(5)
    assert (await deliverer(alerts_world).deliver_due()).posted == 1
    assert alerts_world.slack.calls_to("conversations.history") == []


class BlinkingStore(Store):
    """A Store whose transactions fail (like a failover) while `down` is set."""

    down = False

    def transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        if self.down:
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("failover in progress"))
        return super().transaction()


async def test_store_failing_for_3s_right_after_slack_accepted_keeps_the_ts(alerts_world: Any) -> None:
    alerts_world.suspend()
    await poll(alerts_world)
    store = BlinkingStore(alerts_world.store.engine)
    waited: list[float] = []

    async def sleep(seconds: float) -> None:  # the store comes back after 3 s of waiting
        waited.append(seconds)
        store.down = sum(waited) < 3.0

    def cut(_: Any) -> None:
        store.down = True

    alerts_world.slack.on_call(POST, cut)
    report = await deliverer(alerts_world, store=store, sleep=sleep).deliver_due()
    alerts_world.slack.on_call(POST, None)
    [alert] = await alerts_world.alerts()
    assert report.posted == 1 and alert.ts == alerts_world.posts()[0]["ts"] and sum(waited) >= 3.0
    alerts_world.clock.advance(3600)  # long after any claim
    assert (await deliverer(alerts_world).deliver_due()).posted == 0
    assert len(alerts_world.posts()) == 1


async def test_a_store_down_longer_than_the_retries_keeps_the_ts_in_memory(alerts_world: Any) -> None:
    alerts_world.suspend()
    await poll(alerts_world)
    store = BlinkingStore(alerts_world.store.engine)

    async def sleep(_: float) -> None:
        return None  # the store stays down through every retry

    def cut(_: Any) -> None:
        store.down = True

    alerts_world.slack.on_call(POST, cut)
    one = deliverer(alerts_world, store=store, sleep=sleep)
    assert (await one.deliver_due()).retried == 1
    alerts_world.slack.on_call(POST, None)
    store.down = False
    alerts_world.clock.advance(3600)  # the claim is long gone; the ts still comes from memory first
    second = await one.deliver_due()
    [alert] = await alerts_world.alerts()
    assert second.posted == 0 and alert.ts == alerts_world.posts()[0]["ts"] and len(alerts_world.posts()) == 1


async def test_retry_after_longer_than_the_claim_with_two_replicas_posts_once(alerts_world: Any) -> None:
    alerts_world.suspend()
    await poll(alerts_world)
    a = deliverer(alerts_world, holder_id="replica-a", claim_seconds=120)
    b = deliverer(alerts_world, holder_id="replica-b", claim_seconds=120)
    alerts_world.slack.fail(POST, retry_after=300)
    assert (await a.deliver_due()).retried == 1
    for _ in range(4):  # past the claim, before Retry-After: nobody asks Slack again
        alerts_world.clock.advance(60)
        await b.deliver_due()
        await a.deliver_due()
    assert len(alerts_world.slack.calls_to(POST)) == 1
    alerts_world.clock.advance(60)
    reports = [await b.deliver_due(), await a.deliver_due()]
    assert sum(r.posted for r in reports) == 1 and len(alerts_world.posts()) == 1


async def test_one_unrenderable_row_does_not_stop_the_others(alerts_world: Any) -> None:
    broken, fine = alerts_world.suspend(), alerts_world.suspend("error")
    await poll(alerts_world)
    async with alerts_world.store.transaction() as conn:  # as a snapshot an older version might have left
        await conn.execute(alerts_table.update().where(alerts_table.c.session_id == broken).values(session_json="{"))
    report = await deliverer(alerts_world).deliver_due()
    assert (report.posted, report.retried) == (1, 1)
    assert [fine.removeprefix("devin-") in str(p["blocks"]) for p in alerts_world.posts()] == [True]
