"""`summary 30d` over 2,000 sessions, end to end over real HTTP: at most 30 Devin requests (counted, not timed)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.insights.period import DAY
from tests.fixtures_app import RunningApp, running_app

SESSIONS = 2_000
REQUESTS_MAX = 30


@pytest.fixture
async def large(tmp_path: Any) -> AsyncIterator[tuple[RunningApp, float]]:
    now = float(int(time.time()))
    async with running_app(tmp_path, clock=lambda: now) as live:
        ids = live.devin.add_many(SESSIONS, acus_consumed=1.25, status="exit")
        for index, session_id in enumerate(ids):  # spread over the 30 days, as a real org's are
            at = int(now) - 30 * DAY + 60 + index * (30 * DAY - 120) // SESSIONS
            live.devin.update_session(session_id, created_at=at, updated_at=at)
        yield live, now


async def test_summary_of_2000_sessions_costs_at_most_30_devin_requests(large: tuple[RunningApp, float]) -> None:
    live, now = large
    live.devin.clear_requests()
    result, hook = await live.command("summary 30d")
    assert result.status == 200
    replies = await live.responses(hook)
    card = replies[-1]
    created = [s for s in live.devin.sessions() if now - 30 * DAY <= s["created_at"] < now]
    match = re.search(r"\*([\d,]+) sessions\* created", json.dumps(card["blocks"]))
    assert match is not None and int(match.group(1).replace(",", "")) == len(created) >= SESSIONS
    assert len(live.devin.requests) <= REQUESTS_MAX, [r.path for r in live.devin.requests]
    assert len(live.devin.requests_to("/sessions/insights")) > 1  # really paged: more than one page's worth
