"""FlexpaneData (bot/entities/flexpane.py) on a fake Devin: the budget, the fallback to the plain session, and
a fetch that misses the budget still filling the cache for the next viewer."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from bot.devin.cache import SessionCache
from bot.devin.client import DevinClient
from bot.devin.errors import DevinNotFoundError, DevinServerError
from bot.entities.flexpane import FlexpaneData, deadline_after
from tests import blocks_samples as s


class FakeDevin:
    """`get_session_insights` waits for `release` (when set up to); `get_session` answers at once."""

    def __init__(self) -> None:
        self.release: asyncio.Event | None = None
        self.insights_error: Exception | None = None
        self.insights_calls = 0
        self.session_calls = 0

    async def get_session_insights(self, session_id: str) -> Any:
        self.insights_calls += 1
        if self.release is not None:
            await self.release.wait()
        if self.insights_error is not None:
            raise self.insights_error
        return s.insights(session_id=session_id)

    async def get_session(self, session_id: str) -> Any:
        self.session_calls += 1
        return s.session(session_id=session_id)


SID = "devin-3f9c2a7be14d4c0f9a61d2e8b7c45a90"


def _data(fake: FakeDevin) -> FlexpaneData:
    devin = cast(DevinClient, fake)
    return FlexpaneData(devin, SessionCache(devin), budget=0.2)


async def test_insights_in_time_are_returned_and_cached() -> None:
    fake = FakeDevin()
    data = _data(fake)
    first = await data.load(SID, deadline_after(0.2))
    second = await data.load(SID, deadline_after(0.2))
    assert first.session is not None and first.session.analysis is not None and not first.timed_out
    assert second.session == first.session and fake.insights_calls == 1


async def test_slow_insights_fall_back_to_the_session_and_then_fill_the_cache() -> None:
    fake = FakeDevin()
    fake.release = asyncio.Event()
    data = _data(fake)
    slow = await data.load(SID, deadline_after(0.05))
    assert slow.timed_out and slow.session is not None and not hasattr(slow.session, "analysis")
    fake.release.set()
    await asyncio.gather(*data._inflight.values())  # the fetch the viewer stopped waiting for
    warm = await data.load(SID, deadline_after(0.05))
    assert not warm.timed_out and warm.session is not None and warm.session.analysis is not None
    assert fake.insights_calls == 1
    await data.stop()


async def test_not_found_is_raised_and_remembered() -> None:
    fake = FakeDevin()
    fake.insights_error = DevinNotFoundError("missing", status=404)
    data = _data(fake)
    for _ in range(2):
        with pytest.raises(DevinNotFoundError):
            await data.load(SID, deadline_after(0.2))
    assert fake.insights_calls == 1


async def test_server_error_keeps_the_session_and_names_the_failure() -> None:
    fake = FakeDevin()
    fake.insights_error = DevinServerError("down", status=503)
    data = _data(fake)
    loaded = await data.load(SID, deadline_after(0.2))
    assert isinstance(loaded.failure, DevinServerError) and loaded.session is not None and not loaded.timed_out


async def test_stop_cancels_fetches_still_running() -> None:
    fake = FakeDevin()
    fake.release = asyncio.Event()
    data = _data(fake)
    await data.load(SID, deadline_after(0.01))
    tasks = list(data._inflight.values())
    await data.stop()
    assert tasks and all(task.cancelled() for task in tasks)
