"""Reading every session updated since a time: one request for a small org, concurrent slices for a large one,
each session once, lean validation that still skips one bad item rather than the page (over real HTTP)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.devin.client import DevinClient
from bot.devin.errors import DevinInvalidResponseError, DevinServerError
from bot.devin.models import SessionInsights
from bot.devin.retry import BACKGROUND_RETRY
from bot.insights.facts import SESSION
from bot.insights.listing import OVERLAP_SECONDS, PAGE_SIZE, PAGES_MAX, SLICES_MAX, sessions_since, slices
from bot.sandbox import SANDBOX_API_KEY, SANDBOX_ORG_ID
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.devin_seed import analysis_feature

NOW = 1_800_000_000
DAY = 86_400
INSIGHTS = "/sessions/insights"


@pytest.fixture
async def sim() -> AsyncIterator[DevinSimulator]:
    async with DevinSimulator(seed=False, clock=lambda: NOW) as simulator:
        yield simulator


@pytest.fixture
async def devin(sim: DevinSimulator) -> AsyncIterator[DevinClient]:
    client = DevinClient.create(api_url=sim.url, api_key=SANDBOX_API_KEY, org_id=SANDBOX_ORG_ID, retry=BACKGROUND_RETRY)
    yield client
    await client.aclose()


def spread(sim: DevinSimulator, n: int, days: int) -> None:
    """`n` sessions updated evenly over the last `days` days."""
    for index, session_id in enumerate(sim.add_many(n, status="exit", analysis=analysis_feature())):
        at = NOW - days * DAY + index * days * DAY // n
        sim.update_session(session_id, created_at=at, updated_at=at)


def expected(sim: DevinSimulator, since: int) -> list[str]:
    rows = sorted((r["updated_at"], r["session_id"]) for r in sim.sessions() if r["updated_at"] >= since)
    return [sid for _, sid in rows]


async def test_a_small_org_costs_one_request(sim: DevinSimulator, devin: DevinClient) -> None:
    spread(sim, 150, 30)
    found = await sessions_since(devin, NOW - 60 * DAY, now=lambda: NOW)
    assert [s.session_id for s in found] == expected(sim, NOW - 60 * DAY)
    assert len(sim.requests_to(INSIGHTS)) == 1


async def test_a_large_org_is_read_in_concurrent_slices_each_session_once(
    sim: DevinSimulator, devin: DevinClient
) -> None:
    spread(sim, 2_000, 30)
    since = NOW - 60 * DAY
    found = await sessions_since(devin, since, now=lambda: NOW)
    assert [s.session_id for s in found] == expected(sim, since)
    listing = sim.requests_to(INSIGHTS)
    parts = {dict(r.query).get("updated_after") for r in listing}
    assert len(parts) > 2  # the first page, then several slices
    assert len(listing) <= 1 + 2_000 // PAGE_SIZE + SLICES_MAX


async def test_sessions_outside_the_slices_still_count_once(sim: DevinSimulator, devin: DevinClient) -> None:
    """The last slice is open-ended (updated after "now", e.g. during the read) and boundaries overlap."""
    spread(sim, 900, 10)
    bounds = slices(NOW - 10 * DAY, NOW, 900)
    on_boundary = sim.add_many(3, status="exit")
    for session_id, (lo, _) in zip(on_boundary, bounds[1:], strict=False):
        sim.update_session(session_id, updated_at=lo, created_at=lo)
    late = sim.add_session(status="running", updated_at=NOW + 3_600)["session_id"]
    found = await sessions_since(devin, NOW - 10 * DAY, now=lambda: NOW)
    ids = [s.session_id for s in found]
    assert ids == expected(sim, NOW - 10 * DAY) and len(ids) == len(set(ids))
    assert late in ids and set(on_boundary) <= set(ids)


def test_slices_tile_the_range_with_an_overlap_and_end_open() -> None:
    bounds = slices(1_000, 101_000, None)
    assert len(bounds) == SLICES_MAX and bounds[0][0] == 1_000 and bounds[-1][1] is None
    for (_, hi), (lo, _) in zip(bounds, bounds[1:], strict=False):
        assert hi == lo + OVERLAP_SECONDS
    assert len(slices(1_000, 101_000, 2 * PAGE_SIZE)) == 1  # `total` says two pages: one listing
    assert len(slices(1_000, 1_003, None)) == 3  # never slices shorter than a second


async def test_one_bad_item_is_skipped_not_the_page(sim: DevinSimulator, devin: DevinClient) -> None:
    spread(sim, 5, 1)
    good, bad, surrogate = (r["session_id"] for r in sim.sessions()[:3])
    sim.update_session(bad, acus_consumed="lots", updated_at=NOW - 10)
    sim.update_session(surrogate, title="half \ud83d an emoji", updated_at=NOW - 5)
    found = {s.session_id: s for s in await sessions_since(devin, NOW - DAY, now=lambda: NOW)}
    assert bad not in found and good in found and len(found) == 4
    assert found[surrogate].title == "half \ufffd an emoji"


def test_lean_session_reads_nulls_as_defaults_like_the_full_model() -> None:
    raw = {
        "session_id": "devin-" + "a" * 32,
        "url": "https://app.devin.ai/sessions/" + "a" * 32,
        "status": None,
        "created_at": None,
        "acus_consumed": None,
        "pull_requests": None,
        "analysis": {"issues": None, "action_items": [{"action_item": None, "type": "knowledge"}]},
    }
    lean, full = SESSION.validate_python(raw), SessionInsights.model_validate(raw)
    assert (lean.status, lean.created_at, lean.acus_consumed, list(lean.pull_requests)) == (
        full.status,
        full.created_at,
        full.acus_consumed,
        full.pull_requests,
    )
    assert lean.analysis is not None and full.analysis is not None
    assert list(lean.analysis.issues) == [] == full.analysis.issues
    assert lean.analysis.action_items[0].action_item == "" == full.analysis.action_items[0].action_item


class FailingThird(DevinClient):
    """The third page request fails as Devin's errors do (after the first page, inside the slices)."""

    calls = 0

    async def session_insights_page_bytes(self, *args: Any, **kwargs: Any) -> bytes:
        type(self).calls += 1
        if type(self).calls == 3:
            raise DevinServerError("GET sessions/insights: 503", status=503)
        return await super().session_insights_page_bytes(*args, **kwargs)


async def test_a_failed_slice_fails_the_read_as_a_devin_error_and_stops_the_others(sim: DevinSimulator) -> None:
    spread(sim, 2_000, 30)
    base = DevinClient.create(api_url=sim.url, api_key=SANDBOX_API_KEY, org_id=SANDBOX_ORG_ID, retry=BACKGROUND_RETRY)
    failing = FailingThird(base._requests, SANDBOX_ORG_ID)
    try:
        with pytest.raises(DevinServerError):
            await sessions_since(failing, NOW - 60 * DAY, now=lambda: NOW)
        await asyncio.sleep(0)  # let the cancelled slices finish cancelling
        pending = [t for t in asyncio.all_tasks() if "_listing" in repr(t.get_coro())]
        assert pending == []
        assert len(sim.requests_to(INSIGHTS)) < 1 + 2_000 // PAGE_SIZE  # the other slices stopped early
    finally:
        await base.aclose()


async def test_a_devin_with_a_fresh_next_cursor_for_ever_fails_the_read_at_the_page_cap() -> None:
    requests: list[httpx.Request] = []

    def endless(request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith(INSIGHTS):
            raise AssertionError(f"unexpected Devin call {request.method} {request.url}")
        requests.append(request)
        page = {"items": [], "has_next_page": True, "end_cursor": f"c{len(requests)}", "total": 1}
        return httpx.Response(200, json=page)

    client = DevinClient.create(
        api_url="https://devin.test", api_key=SANDBOX_API_KEY, org_id=SANDBOX_ORG_ID,
        retry=BACKGROUND_RETRY, transport=httpx.MockTransport(endless),
    )  # fmt: skip
    try:
        with pytest.raises(DevinInvalidResponseError, match=f"more than {PAGES_MAX} pages"):
            await sessions_since(client, NOW - DAY, now=lambda: NOW)
    finally:
        await client.aclose()
    assert len(requests) == 1 + PAGES_MAX  # the first page, then one slice (total 1) up to the cap
