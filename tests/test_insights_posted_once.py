"""Team posts (digests, budget warnings) posted once when Slack's answer never came: over real HTTP against the
recording Slack, on SQLite and PostgreSQL. The alert side is tests/test_alerts_posted_once.py."""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.insights.budget import BudgetStatus
from bot.insights.delivery import TeamDeliverer, TeamDeliveryReport
from bot.insights.posted_once import TEAM_POST_EVENT
from bot.insights.records import PostKind, PostState, TeamPost
from bot.insights.source import InsightsSource
from bot.sandbox import SANDBOX_BOT_TOKEN, SANDBOX_CHANNEL_ID
from bot.sandbox.devin_seed import APP_URL
from bot.sandbox.slack_history import HISTORY_SCOPES
from bot.slack.history import UNCERTAIN_WAIT_SECONDS
from bot.store import team

POST = "chat.postMessage"


async def _no_wait(_: float) -> None:
    return None


async def _deliver(world: Any, client: AsyncWebClient | None = None) -> TeamDeliveryReport:
    source = InsightsSource(world.devin, alert_reasons=(), clock=world.clock)
    deliverer = TeamDeliverer(
        world.store, client or world.slack_client, source, holder_id="replica-a", clock=world.clock,
        app_url=APP_URL, interval=0.001, sleep=_no_wait,
    )  # fmt: skip
    return await deliverer.deliver_due()


def _impatient(world: Any) -> AsyncWebClient:
    """Gives up on Slack after 0.3 s (the app's client: 10 s); the stand-in answers after 1 s."""
    return AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=world.slack.api_url, timeout=0.3)


async def _record(world: Any, kind: PostKind) -> None:
    now = world.clock()
    if kind is PostKind.DIGEST:
        payload = json.dumps({"start": int(now) - 86_400, "end": int(now), "cadence": "daily", "when": "today"})
        key = str(int(now))
    else:
        status = BudgetStatus("2026-12", 60.0, 100.0, 50, 2.0, None, int(now) + 86_400, int(now), False)
        payload, key = status.to_json(), "2026-12"
    async with world.store.transaction() as conn:
        assert await team.record_post(conn, kind, SANDBOX_CHANNEL_ID, key, payload, now=now) is not None


async def _the_post(world: Any) -> TeamPost:
    async with world.store.transaction() as conn:
        (post,) = await team.list_posts(conn)
    return post


async def _answered_too_late(world: Any, kind: PostKind) -> TeamPost:
    """Record a post and deliver it while Slack posts at once but answers after the client gave up."""
    await _record(world, kind)
    world.slack.latency(POST, 1.0, after_acting=True)
    report = await _deliver(world, _impatient(world))
    post = await _the_post(world)
    assert report.retried == 1 and post.ts is None and post.post_started_at is not None
    assert len(world.posts()) == 1  # Slack did post it
    world.slack.clear_faults()
    return post


async def test_a_digest_answered_too_late_is_found_in_history_not_posted_again(alerts_world: Any) -> None:
    world = alerts_world
    world.slack.scopes.extend(HISTORY_SCOPES)
    uncertain = await _answered_too_late(world, PostKind.DIGEST)
    async with world.store.transaction() as conn:
        (due,) = await team.due_posts(conn, now=world.clock() + UNCERTAIN_WAIT_SECONDS)
        assert await team.due_posts(conn, now=world.clock() + UNCERTAIN_WAIT_SECONDS - 1) == []  # waits first
    assert due.id == uncertain.id
    world.clock.advance(UNCERTAIN_WAIT_SECONDS)
    report = await _deliver(world)
    post = await _the_post(world)
    (message,) = world.posts()
    assert (report.reconciled, report.posted) == (1, 0)
    assert post.ts == message["ts"] and post.state is PostState.SENT and post.post_started_at is None
    assert message["metadata"]["event_type"] == TEAM_POST_EVENT
    assert message["metadata"]["event_payload"]["team_post_id"] == post.id
    assert len(world.slack.calls_to("conversations.history")) == 1
    world.clock.advance(3600)
    assert (await _deliver(world)).posted == 0 and len(world.posts()) == 1


async def test_without_history_scopes_a_budget_warning_is_posted_again_and_says_so(
    alerts_world: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # The documented remaining window: without channels:history the app cannot know.
    world = alerts_world
    await _answered_too_late(world, PostKind.BUDGET)
    world.clock.advance(UNCERTAIN_WAIT_SECONDS)
    with caplog.at_level(logging.WARNING):
        report = await _deliver(world)
    post = await _the_post(world)
    assert (report.posted, report.reconciled) == (1, 0) and len(world.posts()) == 2
    assert post.ts == world.posts()[-1]["ts"] and post.post_started_at is None
    [line] = [r for r in caplog.records if r.getMessage() == "team.post.unverifiable"]
    assert line.__dict__["error"] == "missing_scope" and line.__dict__["post_id"] == post.id


async def test_a_refused_connection_is_certain_and_retried_without_a_history_read(alerts_world: Any) -> None:
    world = alerts_world
    world.slack.scopes.extend(HISTORY_SCOPES)
    await _record(world, PostKind.BUDGET)
    dead = AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url="http://127.0.0.1:9/api/", timeout=1)
    assert (await _deliver(world, dead)).retried == 1
    assert (await _the_post(world)).post_started_at is None
    world.clock.advance(UNCERTAIN_WAIT_SECONDS)
    assert (await _deliver(world)).posted == 1
    assert world.slack.calls_to("conversations.history") == [] and len(world.posts()) == 1


async def _warning_crossing_a_threshold(world: Any) -> TeamPost:
    """A budget warning posted, then revised (the next threshold): it owes an update and a thread reply."""
    await _record(world, PostKind.BUDGET)
    assert (await _deliver(world)).posted == 1
    post = await _the_post(world)
    status = BudgetStatus("2026-12", 80.0, 100.0, 50, 2.0, None, int(world.clock()) + 86_400, int(world.clock()), False)
    async with world.store.transaction() as conn:
        assert await team.revise_post(conn, post.id, status.to_json(), expected_version=1, now=world.clock())
    return post


async def test_a_budget_reply_answered_too_late_is_found_in_the_thread_not_posted_again(alerts_world: Any) -> None:
    world = alerts_world
    world.slack.scopes.extend(HISTORY_SCOPES)
    parent = await _warning_crossing_a_threshold(world)
    world.slack.latency(POST, 1.0, after_acting=True)
    report = await _deliver(world, _impatient(world))
    post = await _the_post(world)
    assert (report.retried, report.updated, report.replied) == (1, 1, 0)
    assert post.reply_started_at is not None and post.replied_version == 1
    (reply,) = world.slack.threads[parent.ts]  # Slack did post it
    world.slack.clear_faults()
    async with world.store.transaction() as conn:  # it waits until a late reply would be in the thread
        assert await team.due_posts(conn, now=world.clock() + UNCERTAIN_WAIT_SECONDS - 1) == []
    world.clock.advance(UNCERTAIN_WAIT_SECONDS)
    report = await _deliver(world)
    post = await _the_post(world)
    assert (report.reconciled, report.replied) == (1, 0) and world.slack.threads[parent.ts] == [reply]
    assert reply["metadata"]["event_payload"] == {**_post_payload(post), "part": "reply", "version": 2}
    assert post.replied_version == post.delivered_version == 2 and post.reply_started_at is None
    (lookup,) = world.slack.calls_to("conversations.replies")
    assert lookup.body["ts"] == parent.ts
    world.clock.advance(3600)
    assert (await _deliver(world)).replied == 0 and len(world.slack.threads[parent.ts]) == 1


def _post_payload(post: TeamPost) -> dict[str, Any]:
    return {"team_post_id": post.id, "kind": "budget", "channel": SANDBOX_CHANNEL_ID, "period": "2026-12"}


async def test_without_history_scopes_a_budget_reply_is_posted_again_and_says_so(
    alerts_world: Any, caplog: pytest.LogCaptureFixture
) -> None:
    world = alerts_world
    parent = await _warning_crossing_a_threshold(world)
    world.slack.latency(POST, 1.0, after_acting=True)
    assert (await _deliver(world, _impatient(world))).retried == 1
    world.slack.clear_faults()
    world.clock.advance(UNCERTAIN_WAIT_SECONDS)
    with caplog.at_level(logging.WARNING):
        assert (await _deliver(world)).replied == 1
    assert len(world.slack.threads[parent.ts]) == 2 and (await _the_post(world)).reply_started_at is None
    [line] = [r for r in caplog.records if r.getMessage() == "team.post.unverifiable"]
    assert line.__dict__["error"] == "missing_scope" and line.__dict__["part"] == "reply"


async def test_a_refused_budget_reply_clears_its_mark_and_is_retried_without_a_thread_read(
    alerts_world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = alerts_world
    world.slack.scopes.extend(HISTORY_SCOPES)
    parent = await _warning_crossing_a_threshold(world)
    dead = AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url="http://127.0.0.1:9/api/", timeout=1)
    post_message = AsyncWebClient.chat_postMessage

    async def refused(self: AsyncWebClient, **kwargs: Any) -> Any:  # only the reply's post is refused
        return await post_message(dead, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(AsyncWebClient, "chat_postMessage", refused)
        with pytest.raises(aiohttp.ClientConnectorError):  # the stand-in for the refusal is a real one
            await dead.chat_postMessage(channel=SANDBOX_CHANNEL_ID, text="x")
        report = await _deliver(world)
    post = await _the_post(world)
    assert (report.retried, report.updated, report.replied) == (1, 1, 0)
    assert post.reply_started_at is None and post.replied_version == 1
    assert parent.ts not in world.slack.threads
    world.clock.advance(60)
    assert (await _deliver(world)).replied == 1
    assert len(world.slack.threads[parent.ts]) == 1 and world.slack.calls_to("conversations.replies") == []
