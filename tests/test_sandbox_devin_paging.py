"""The simulated org's list pages cost what the page holds: `updated_*` bounds narrow the scan, `total` is
counted once per listing (until a session changes), and the answers equal a full scan's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.sandbox import SANDBOX_API_KEY, SANDBOX_ORG_ID
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.devin_query import Record

INSIGHTS = f"/v3/organizations/{SANDBOX_ORG_ID}/sessions/insights"
NOW = 1_800_000_000


class Counting:
    """A predicate keeping sessions updated at or after `low`; it counts how many records it was asked about."""

    def __init__(self, low: int) -> None:
        self.low, self.calls = low, 0

    def __call__(self, record: Record) -> bool:
        self.calls += 1
        return int(record["updated_at"]) >= self.low


def org(n: int) -> DevinSimulator:
    simulator = DevinSimulator(seed=False, clock=lambda: NOW)
    simulator.add_many(n, status="exit")  # updated one second apart, ending at NOW
    return simulator


def test_page_scans_only_the_updated_slice_and_counts_total_once_per_listing() -> None:
    simulator = org(1_000)
    keep = Counting(NOW - 100)
    first = simulator.page(50, keep, None, low=NOW - 100, total_key="k")
    assert (len(first.items), first.total, first.has_next) == (50, 100, True)
    assert keep.calls <= 100 + 51  # the slice, counted once, and the page: never the other 900 sessions
    keep.calls = 0
    last = first.items[-1]
    second = simulator.page(50, keep, (int(last["updated_at"]), last["session_id"]), low=NOW - 100, total_key="k")
    assert (len(second.items), second.total, second.has_next) == (50, 100, False)
    assert keep.calls == 50  # the page only: the total came from the first page's count


def test_total_is_recounted_after_a_change() -> None:
    simulator = org(10)
    keep = Counting(NOW - 3)
    assert simulator.page(200, keep, None, low=NOW - 3, total_key="k").total == 3
    moved = simulator.sessions()[0]["session_id"]
    simulator.update_session(moved, updated_at=NOW)
    assert simulator.page(200, keep, None, low=NOW - 3, total_key="k").total == 4


def test_upper_bound_stops_the_scan() -> None:
    simulator = org(1_000)
    keep = Counting(0)
    page = simulator.page(200, keep, None, high=NOW - 990, total_key=None)
    assert [int(r["updated_at"]) for r in page.items] == list(range(NOW - 1_000, NOW - 990))
    assert keep.calls <= 2 * 10  # the ten in range, twice (page and total)


@pytest.fixture
async def sim() -> AsyncIterator[DevinSimulator]:
    simulator = org(450)
    async with simulator:
        yield simulator


async def listing(url: str, params: list[tuple[str, str]]) -> tuple[list[str], list[Any]]:
    ids, totals = [], []
    headers = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}
    async with httpx.AsyncClient(base_url=url, headers=headers) as http:
        cursor: list[tuple[str, str]] = []
        while True:
            body = (await http.get(INSIGHTS, params=[*params, ("first", "100"), *cursor])).raise_for_status().json()
            ids += [item["session_id"] for item in body["items"]]
            totals.append(body["total"])
            if not body["has_next_page"]:
                return ids, totals
            cursor = [("after", body["end_cursor"])]


@pytest.mark.parametrize(
    "params",
    [
        [("updated_after", str(NOW - 300))],
        [("updated_after", str(NOW - 300)), ("updated_before", str(NOW - 50))],
        [("updated_before", str(NOW - 200)), ("origins", "webapp")],
        [("updated_after", str(NOW - 300)), ("qs", "{}")],  # filters ignored, as the live API does
    ],
)
async def test_http_slices_equal_a_full_scan(sim: DevinSimulator, params: list[tuple[str, str]]) -> None:
    ids, totals = await listing(sim.url, params)
    query = dict(params)
    low = int(query.get("updated_after", 0)) if "qs" not in query else 0
    high = int(query.get("updated_before", NOW + 1)) if "qs" not in query else NOW + 1
    origin = query.get("origins") if "qs" not in query else None
    expected = [
        r["session_id"]
        for r in sorted(sim.sessions(), key=lambda r: (r["updated_at"], r["session_id"]))
        if low <= r["updated_at"] < high and (origin is None or r.get("origin") == origin)
    ]
    assert ids == expected
    assert set(totals) == {len(expected)}
