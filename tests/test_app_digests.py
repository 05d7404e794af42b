"""`/devin-insights digest …` end to end: signed commands over HTTP, the user's Slack time zone, channel posts."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.slack_api import REGULAR_USER_ID
from tests.blockkit_limits import assert_message_limits, assert_no_unescaped_control
from tests.fixtures_app import RunningApp, running_app


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def world(tmp_path: Any) -> AsyncIterator[tuple[RunningApp, Clock]]:
    clock = Clock(datetime(2026, 12, 1, 6, 0, tzinfo=UTC).timestamp())
    async with running_app(tmp_path, with_alerts=True, clock=clock) as running:
        yield running, clock


async def _say(live: RunningApp, text: str) -> dict[str, Any]:
    result, hook = await live.command(text)
    assert result.status == 200 and result.body == ""
    (reply,) = await live.responses(hook)
    assert_message_limits(reply)
    assert_no_unescaped_control(reply)
    return reply


def _text(message: dict[str, Any]) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


async def test_digest_scheduled_in_the_users_time_zone_then_posted_and_stopped(world: tuple[RunningApp, Clock]) -> None:
    live, clock = world
    live.slack.workspace.users[REGULAR_USER_ID].tz = "America/New_York"
    reply = await _say(live, "digest daily 09:00")
    assert "daily at 09:00 (America/New_York)" in _text(reply) and "Digest scheduled" in _text(reply)
    assert [c.body["user"] for c in live.slack.calls_to("users.info")] == [REGULAR_USER_ID]
    engine = live.app.deps.scheduled
    assert engine is not None and live.app.deps.alerts is not None
    assert engine.store is live.app.deps.alerts.store  # one store per app, the alert engine's
    clock.now = datetime(2026, 12, 1, 13, 59, tzinfo=UTC).timestamp()  # 08:59 in New York
    assert (await engine.tick_digests()).posted == 0
    clock.now = datetime(2026, 12, 1, 14, 0, 30, tzinfo=UTC).timestamp()
    assert (await engine.tick_digests()).posted == 1
    (post,) = live.slack.messages(SANDBOX_CHANNEL_ID)
    assert "Daily Devin digest" in post["text"] and f"Scheduled by <@{REGULAR_USER_ID}>" in _text(post)
    shown = await _say(live, "digest")
    assert "daily at 09:00 (America/New_York)" in _text(shown) and "Next one: 2026-12-02 14:00 UTC" in _text(shown)
    stopped = await _say(live, "digest off")
    assert "Stopped this channel's digest" in _text(stopped) and "gets no digest" in _text(stopped)
    clock.now += 2 * 86_400
    assert (await engine.tick_digests()).posted == 0


async def test_digest_now_posts_at_once(world: tuple[RunningApp, Clock]) -> None:
    live, _ = world
    reply = await _say(live, "digest now")
    assert "Posted a digest" in _text(reply)
    (post,) = live.slack.messages(SANDBOX_CHANNEL_ID)
    assert "Devin digest" in post["text"] and "sessions* created" in _text(post)
    # Creators by name, never a mention: the only ping is "Scheduled by" the person who asked.
    assert "· by Alice Liddell" in _text(post) and set(re.findall(r"<@(\w+)>", _text(post))) == {REGULAR_USER_ID}


async def test_digest_bad_command_gets_a_sentence(world: tuple[RunningApp, Clock]) -> None:
    live, _ = world
    reply = await _say(live, "digest daily 25:61")
    assert "is not a time of day" in _text(reply)
    assert live.slack.messages(SANDBOX_CHANNEL_ID) == []
