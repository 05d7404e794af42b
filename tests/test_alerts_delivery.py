"""Outbox delivery to the Slack stand-in over real HTTP: posting, retries, permanent errors, updates, pacing."""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.alerts.delivery import Deliverer
from bot.alerts.poller import Poller
from bot.alerts.records import AlertKind, AlertState
from bot.alerts.rules import ChannelRule
from bot.devin.retry import BACKGROUND_RETRY
from bot.sandbox import SANDBOX_BOT_TOKEN, SANDBOX_CHANNEL_ID
from bot.sandbox.devin_seed import APP_URL
from bot.sandbox.slack_api import ARCHIVED_CHANNEL_ID, NOT_MEMBER_CHANNEL_ID, SHARED_CHANNEL_ID
from bot.slack.failures import BACKOFF_MAX_SECONDS, FailureKind, backoff_seconds, classify_api_error
from bot.store import channels as channel_queries
from bot.store import claims, outbox, pace

DEFAULTS = frozenset({"out_of_credits", "out_of_quota", "usage_limit_exceeded", "error"})
FAST = (100.0, 1.0)
POST = "chat.postMessage"
UPDATE = "chat.update"


def deliverer(world: Any, *, client: AsyncWebClient | None = None, rate: tuple[float, float] = FAST) -> Deliverer:
    return Deliverer(
        world.store,
        client or world.slack_client,
        holder_id="replica-a",
        clock=world.clock,
        app_url=APP_URL,
        channel_rate=rate,
    )


async def poll(world: Any, *channels: str) -> None:
    rules = [ChannelRule(c, DEFAULTS) for c in channels or (SANDBOX_CHANNEL_ID,)]
    devin = world.devin.with_retry(BACKGROUND_RETRY)
    report = await Poller(world.store, devin, lookback_minutes=60, clock=world.clock).poll(rules)
    assert report.complete


async def suspend_and_poll(world: Any, n: int = 1, *channels: str, reason: str = "out_of_credits") -> list[str]:
    ids = [world.suspend(reason) for _ in range(n)]
    await poll(world, *channels)
    return ids


async def test_delivery_posts_a_pending_alert_and_keeps_its_ts(alerts_world: Any) -> None:
    [sid] = await suspend_and_poll(alerts_world)
    report = await deliverer(alerts_world).deliver_due()
    [message] = alerts_world.posts()
    [alert] = await alerts_world.alerts()
    assert report.posted == 1 and (alert.state, alert.ts, alert.delivered_version) == (
        AlertState.SENT,
        message["ts"],
        1,
    )
    assert sid.removeprefix("devin-") in str(message["blocks"]) and message["text"]
    [call] = alerts_world.slack.calls_to(POST)
    assert call.body["unfurl_links"] in (False, "false", "0", 0)
    assert (await deliverer(alerts_world).deliver_due()).posted == 0  # nothing owed any more


async def test_delivery_429_waits_for_retry_after_and_posts_once(alerts_world: Any) -> None:
    await suspend_and_poll(alerts_world)
    alerts_world.slack.fail(POST, retry_after=7, times=2)
    first = await deliverer(alerts_world).deliver_due()
    [alert] = await alerts_world.alerts()
    assert first.retried == 1 and alert.state is AlertState.PENDING and alert.attempts == 1
    assert alert.next_attempt_at == alerts_world.clock() + 7 and alert.last_error == "ratelimited"
    await deliverer(alerts_world).deliver_due()  # too early: Slack is not asked again
    assert len(alerts_world.slack.calls_to(POST)) == 1
    alerts_world.clock.advance(7)
    await deliverer(alerts_world).deliver_due()
    [alert] = await alerts_world.alerts()
    assert alert.next_attempt_at == alerts_world.clock() + 10  # backoff (10 s) outweighs Retry-After now
    alerts_world.clock.advance(10)
    await deliverer(alerts_world).deliver_due()
    assert len(alerts_world.posts()) == 1 and len(alerts_world.slack.calls_to(POST)) == 3
    [alert] = await alerts_world.alerts()
    assert (alert.state, alert.attempts, alert.last_error) == (AlertState.SENT, 0, None)


async def test_delivery_server_errors_back_off_exponentially(alerts_world: Any) -> None:
    await suspend_and_poll(alerts_world)
    alerts_world.slack.fail(POST, status=500, times=3)
    waits = []
    for _ in range(3):
        await deliverer(alerts_world).deliver_due()
        [alert] = await alerts_world.alerts()
        waits.append(alert.next_attempt_at - alerts_world.clock())
        alerts_world.clock.advance(waits[-1])
    await deliverer(alerts_world).deliver_due()
    assert waits == [5.0, 10.0, 20.0] and len(alerts_world.posts()) == 1


async def test_delivery_timeout_is_transient(alerts_world: Any) -> None:
    await suspend_and_poll(alerts_world)
    client = AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=alerts_world.slack.api_url, timeout=0.1)
    alerts_world.slack.latency(POST, 0.3)
    report = await deliverer(alerts_world, client=client).deliver_due()
    [alert] = await alerts_world.alerts()
    assert report.retried == 1 and (alert.state, alert.last_error, alert.ts) == (
        AlertState.PENDING,
        "TimeoutError",
        None,
    )


async def test_delivery_connection_error_is_transient(alerts_world: Any) -> None:
    await suspend_and_poll(alerts_world)
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=f"http://127.0.0.1:{port}/api/", retry_handlers=[])
    report = await deliverer(alerts_world, client=client).deliver_due()
    [alert] = await alerts_world.alerts()
    assert report.retried == 1 and alert.state is AlertState.PENDING and alert.attempts == 1
    alerts_world.clock.advance(5)
    await deliverer(alerts_world).deliver_due()
    assert len(alerts_world.posts()) == 1


async def test_delivery_not_in_channel_is_recorded_logged_once_and_waits(
    alerts_world: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.alerts")
    await suspend_and_poll(alerts_world, 2, NOT_MEMBER_CHANNEL_ID)
    first = await deliverer(alerts_world).deliver_due()
    for _ in range(3):
        alerts_world.clock.advance(600)
        await deliverer(alerts_world).deliver_due()
    assert first.blocked == 1 and len(alerts_world.slack.calls_to(POST)) == 1  # the second alert never tried
    logged = [r for r in caplog.records if r.getMessage() == "alerts.delivery.failed_permanently"]
    assert len(logged) == 1 and "invite" in logged[0].fix and logged[0].channel == NOT_MEMBER_CHANNEL_ID
    async with alerts_world.store.transaction() as conn:
        problem = await channel_queries.get_problem(conn, NOT_MEMBER_CHANNEL_ID)
        assert problem is not None and problem.error == "not_in_channel"
        rows = await outbox.list_alerts(conn)
        assert [r.last_error for r in rows] == ["not_in_channel", None]
        alerts_world.slack.channels[NOT_MEMBER_CHANNEL_ID].is_member = True  # someone invited the app
        await channel_queries.clear_problem(conn, NOT_MEMBER_CHANNEL_ID)
    await deliverer(alerts_world).deliver_due()
    assert len(alerts_world.posts(NOT_MEMBER_CHANNEL_ID)) == 2


@pytest.mark.parametrize(
    ("channel", "token", "error"),
    [
        (ARCHIVED_CHANNEL_ID, SANDBOX_BOT_TOKEN, "is_archived"),
        ("C0NOSUCHCHAN", SANDBOX_BOT_TOKEN, "channel_not_found"),
        (SANDBOX_CHANNEL_ID, "xoxb-wrong-token", "invalid_auth"),
    ],
)
async def test_delivery_permanent_errors_block_the_channel(
    alerts_world: Any, channel: str, token: str, error: str
) -> None:
    await suspend_and_poll(alerts_world, 1, channel)
    client = AsyncWebClient(token=token, base_url=alerts_world.slack.api_url)
    report = await deliverer(alerts_world, client=client).deliver_due()
    async with alerts_world.store.transaction() as conn:
        problem = await channel_queries.get_problem(conn, channel)
    assert report.blocked == 1 and problem is not None and problem.error == error and problem.fix


async def test_delivery_recovery_updates_the_same_message_and_replies_in_its_thread(alerts_world: Any) -> None:
    [sid] = await suspend_and_poll(alerts_world)
    await deliverer(alerts_world).deliver_due()
    [posted] = alerts_world.posts()
    alerts_world.clock.advance(900)
    alerts_world.devin_org.set_status(sid, "running", "working")
    await poll(alerts_world)
    report = await deliverer(alerts_world).deliver_due()
    [update] = alerts_world.slack.calls_to(UPDATE)
    [reply] = alerts_world.slack.threads[posted["ts"]]
    assert (report.updated, report.replied) == (1, 1)
    assert update.body["ts"] == posted["ts"] and update.body["channel"] == SANDBOX_CHANNEL_ID
    assert "15 min" in reply["text"]
    [alert] = await alerts_world.alerts()
    assert (alert.state, alert.reply_ts, alert.needs_update) == (AlertState.RESOLVED, reply["ts"], False)
    assert await deliverer(alerts_world).deliver_due() == type(report)()  # nothing further owed


async def test_delivery_failed_update_is_retried_without_a_second_reply(alerts_world: Any) -> None:
    [sid] = await suspend_and_poll(alerts_world)
    await deliverer(alerts_world).deliver_due()
    alerts_world.clock.advance(60)
    alerts_world.devin_org.set_status(sid, "exit", None)
    await poll(alerts_world)
    alerts_world.slack.fail(UPDATE, status=503)
    assert (await deliverer(alerts_world).deliver_due()).retried == 1
    alerts_world.clock.advance(5)
    alerts_world.slack.fail(POST, status=500)  # the reply fails once too
    await deliverer(alerts_world).deliver_due()
    alerts_world.clock.advance(10)
    await deliverer(alerts_world).deliver_due()
    replies = [c for c in alerts_world.ok_calls(POST) if c.body.get("thread_ts")]
    assert len(replies) == 1 and len(alerts_world.ok_calls(UPDATE)) >= 1
    [alert] = await alerts_world.alerts()
    assert alert.state is AlertState.RESOLVED


async def test_delivery_deleted_message_skips_the_update_but_still_replies(alerts_world: Any) -> None:
    [sid] = await suspend_and_poll(alerts_world)
    await deliverer(alerts_world).deliver_due()
    alerts_world.devin_org.set_status(sid, "running", "working")
    await poll(alerts_world)
    alerts_world.slack.fail(UPDATE, error="message_not_found")
    report = await deliverer(alerts_world).deliver_due()
    [alert] = await alerts_world.alerts()
    assert (report.replied, alert.state) == (1, AlertState.RESOLVED)


async def test_delivery_group_lists_overflow_in_its_thread_and_tracks_recovery(alerts_world: Any) -> None:
    ids = await suspend_and_poll(alerts_world, 20)
    await deliverer(alerts_world).deliver_due()
    [parent] = alerts_world.posts()
    [thread] = alerts_world.slack.threads[parent["ts"]]
    assert "20" in parent["text"] and "5" in thread["text"]
    alerts_world.clock.advance(120)
    for sid in ids[:12]:
        alerts_world.devin_org.set_status(sid, "running", "working")
    await poll(alerts_world)
    await deliverer(alerts_world).deliver_due()
    assert "12 of 20 recovered" in alerts_world.posts()[0]["text"]
    for sid in ids[12:]:
        alerts_world.devin_org.set_status(sid, "running", "working")
    await poll(alerts_world)
    await deliverer(alerts_world).deliver_due()
    [group] = [a for a in await alerts_world.alerts() if a.kind is AlertKind.GROUP]
    assert group.state is AlertState.RESOLVED and "all recovered" in alerts_world.posts()[0]["text"]
    assert len(alerts_world.posts()) == 1 and len(alerts_world.slack.threads[parent["ts"]]) == 1


async def test_delivery_never_sleeps_a_retry_after_inside_its_claim(alerts_world: Any) -> None:
    # The app's client carries slack_sdk's 429 handler (it would sleep Retry-After inside the call,
    # i.e. inside the claim); delivery drops it, releases the row and lets the whole channel wait.
    await suspend_and_poll(alerts_world)
    client = AsyncWebClient(
        token=SANDBOX_BOT_TOKEN,
        base_url=alerts_world.slack.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    alerts_world.slack.fail(POST, retry_after=600)
    report = await deliverer(alerts_world, client=client).deliver_due()
    [alert] = await alerts_world.alerts()
    assert report.retried == 1 and len(alerts_world.slack.calls_to(POST)) == 1
    assert alert.claim_token is None and alert.next_attempt_at == alerts_world.clock() + 600
    async with alerts_world.store.transaction() as conn:
        assert await pace.next_at(conn, SANDBOX_CHANNEL_ID) == alerts_world.clock() + 600
    alerts_world.clock.advance(600)
    assert (await deliverer(alerts_world, client=client).deliver_due()).posted == 1


async def test_delivery_paces_each_channel_and_runs_channels_in_parallel(alerts_world: Any) -> None:
    await suspend_and_poll(alerts_world, 3, SANDBOX_CHANNEL_ID, SHARED_CHANNEL_ID)
    await deliverer(alerts_world, rate=(1.0, 0.3)).deliver_due()
    calls = alerts_world.slack.calls_to(POST)
    by_channel = {
        c: [call.at for call in calls if call.body["channel"] == c] for c in (SANDBOX_CHANNEL_ID, SHARED_CHANNEL_ID)
    }
    for times in by_channel.values():
        assert len(times) == 3
        assert all(later - earlier >= 0.2 for earlier, later in zip(times, times[1:], strict=False))
    # Channels do not wait for each other: the second channel starts before the first one finishes.
    assert min(by_channel[SHARED_CHANNEL_ID]) < max(by_channel[SANDBOX_CHANNEL_ID])


async def test_delivery_skips_a_row_another_process_has_claimed(alerts_world: Any) -> None:
    await suspend_and_poll(alerts_world)
    [alert] = await alerts_world.alerts()
    async with alerts_world.store.transaction() as conn:
        assert await claims.claim(conn, alert.id, "replica-b:tok", now=alerts_world.clock()) is not None
    assert (await deliverer(alerts_world).deliver_due()).posted == 0
    alerts_world.clock.advance(claims.CLAIM_SECONDS)  # replica b died holding it
    assert (await deliverer(alerts_world).deliver_due()).posted == 1


def _api_error(status: int, data: dict[str, Any], headers: dict[str, str] | None = None) -> SlackApiError:
    response = AsyncSlackResponse(
        client=None,
        http_verb="POST",
        api_url="http://127.0.0.1/api/chat.postMessage",
        req_args={},
        data=data,
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError("failed", response)


@pytest.mark.parametrize(
    ("status", "data", "headers", "kind", "retry_after"),
    [
        (429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"}, FailureKind.TRANSIENT, 30.0),
        (429, {"ok": False, "error": "ratelimited"}, {}, FailureKind.TRANSIENT, 1.0),
        (503, {}, {}, FailureKind.TRANSIENT, None),
        (200, {"ok": False, "error": "fatal_error"}, {}, FailureKind.TRANSIENT, None),
        (200, {"ok": False, "error": "not_in_channel"}, {}, FailureKind.CHANNEL, None),
        (200, {"ok": False, "error": "account_inactive"}, {}, FailureKind.CHANNEL, None),
        (200, {"ok": False, "error": "missing_scope"}, {}, FailureKind.CHANNEL, None),
        (200, {"ok": False, "error": "restricted_action"}, {}, FailureKind.CHANNEL, None),
        (200, {"ok": False, "error": "cant_update_message"}, {}, FailureKind.UPDATE_IMPOSSIBLE, None),
        (200, {"ok": False, "error": "some_new_error"}, {}, FailureKind.TRANSIENT, None),
    ],
)
def test_classify_api_error(
    status: int, data: dict[str, Any], headers: dict[str, str], kind: FailureKind, retry_after: float | None
) -> None:
    failure = classify_api_error(_api_error(status, data, headers))
    assert (failure.kind, failure.retry_after) == (kind, retry_after)
    assert bool(failure.fix) == (kind is FailureKind.CHANNEL)


def test_backoff_seconds_doubles_and_caps() -> None:
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [5.0, 10.0, 20.0, 40.0]
    assert backoff_seconds(50) == BACKOFF_MAX_SECONDS
