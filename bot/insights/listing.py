"""Every session updated since a time, read in concurrent slices of `updated_at` and validated lean.

The list is cursor-paged (reference §2.3): one listing can only follow its own cursor, page after page.
So a large org is read as several listings at once, each over its own slice of `updated_at` (server-side
filters `updated_after`/`updated_before`, §6.1), and merged. The first page of the whole range comes first:
when it is the only page (most orgs, most days) that is the whole cost; otherwise the slices follow, their
number sized from `total` when Devin sends it. Whether the bounds are inclusive is unverified (§2.2), so
each slice overlaps the next by a second and the merge keeps one copy of each session (the newest, should a
session change while it is read). The last slice has no upper bound, so a session updated during the read
still lands in one. The order of a listing is unverified too, so nothing here depends on it; the result is
sorted by `(updated_at, session_id)`.

Requests: one, or one plus the pages of the slices (each slice's last page may be partial, so at most one
more than `pages` per slice).
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import math
from collections.abc import Callable, Coroutine, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError

from bot.devin.client import DevinClient
from bot.devin.errors import DevinInvalidResponseError
from bot.devin.filters import SessionFilters
from bot.devin.parsing import rejected, without_lone_surrogates
from bot.insights.facts import SESSION, SummaryPage, SummarySession

log = logging.getLogger(__name__)

PAGE_SIZE = 200
SLICES_MAX = 8
"""Listings read at once for one fetch: enough to hide Devin's per-page latency, few enough to stay polite."""
PAGES_PER_SLICE = 2
"""With `total` known, about this many pages per slice (fewer slices for a smaller org)."""
OVERLAP_SECONDS = 1
PAGES_MAX = 500
"""Pages one slice may take (100,000 sessions): a Devin that always has a fresh next cursor fails the read
instead of growing it for ever (the alert poller's cap, `MAX_PAGES`, is the same)."""
PATH = "sessions/insights"


async def sessions_since(devin: DevinClient, since: int, *, now: Callable[[], float]) -> list[SummarySession]:
    """Every session updated at or after `since` (with its analysis), each once, by `(updated_at, session_id)`.

    Raises:
        DevinError: a page could not be read (the summary cannot be counted without every page).
    """
    first = await _page(devin, SessionFilters(updated_after=since), None)
    found = {s.session_id: s for s in first.items}
    if first.has_next_page and first.end_cursor:
        end = max(int(now()), since + 1)
        for part in await _all(_listing(devin, lo, hi) for lo, hi in slices(since, end, first.total)):
            for session in part:
                kept = found.get(session.session_id)
                if kept is None or session.updated_at >= kept.updated_at:
                    found[session.session_id] = session
    return sorted(found.values(), key=lambda s: (s.updated_at, s.session_id))


async def _all(listings: Iterable[Coroutine[Any, Any, list[SummarySession]]]) -> list[list[SummarySession]]:
    """Every listing's sessions; the first failure (a DevinError, as itself) cancels the others' requests."""
    tasks = [asyncio.ensure_future(listing) for listing in listings]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        raise


def slices(since: int, end: int, total: int | None) -> list[tuple[int, int | None]]:
    """`[lo, hi)` slices of `[since, end)` of equal length, the last open-ended; adjacent ones overlap a second."""
    wanted = SLICES_MAX if total is None else math.ceil(total / (PAGE_SIZE * PAGES_PER_SLICE))
    count = max(1, min(SLICES_MAX, wanted, end - since))
    step = (end - since) / count
    bounds = [since + round(step * i) for i in range(count)]
    return [(lo, bounds[i + 1] + OVERLAP_SECONDS if i + 1 < count else None) for i, lo in enumerate(bounds)]


async def _listing(devin: DevinClient, lo: int, hi: int | None) -> list[SummarySession]:
    filters = SessionFilters(updated_after=lo, updated_before=hi)
    sessions: list[SummarySession] = []
    after: str | None = None
    seen: set[str] = set()
    for _ in range(PAGES_MAX):
        page = await _page(devin, filters, after)
        sessions += page.items
        if not page.has_next_page or not page.end_cursor:
            return sessions
        if page.end_cursor in seen:  # `has_next_page` behind a cursor already followed would loop for ever
            log.warning("insights.page.cursor_repeated", extra={"path": PATH, "pages": len(seen) + 1})
            return sessions
        seen.add(page.end_cursor)
        after = page.end_cursor
    log.warning("insights.page.cap", extra={"path": PATH, "pages": PAGES_MAX})
    raise DevinInvalidResponseError(f"GET {PATH}: more than {PAGES_MAX} pages", method="GET", path=PATH)


async def _page(devin: DevinClient, filters: SessionFilters, after: str | None) -> SummaryPage:
    body = await devin.session_insights_page_bytes(filters, first=PAGE_SIZE, after=after)
    try:
        with _collector_paused():
            return SummaryPage.model_validate_json(body)
    except ValidationError:
        return _page_item_by_item(body)  # one bad item (or a lone surrogate) must not cost the page


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold Python's cyclic GC for one synchronous parse (nothing else runs meanwhile; no await inside).

    A page makes a few thousand objects that all live on (the fetch keeps them), and with the collector on
    it swept the growing heap again and again: at 20,000 sessions 1.8 s of the 2.2 s spent parsing (measured,
    benchmarks/bench_summary.py). Paused, it runs about once per page instead of every 700 allocations.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _page_item_by_item(body: bytes) -> SummaryPage:
    """The slow path: parse the page as the client does, then each item on its own, skipping the bad ones."""
    try:
        data = without_lone_surrogates(json.loads(body))
    except ValueError:
        raise DevinInvalidResponseError(f"GET {PATH}: the answer is not JSON", method="GET", path=PATH) from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise DevinInvalidResponseError(f"GET {PATH}: unexpected response shape (items)", method="GET", path=PATH)
    items: list[SummarySession] = []
    for item in data["items"]:
        try:
            items.append(SESSION.validate_python(item))
        except ValidationError as error:
            bad = rejected(item, error)
            log.warning(
                "devin.page.item_skipped", extra={"path": PATH, "session_id": bad.session_id, "fields": bad.fields}
            )
    try:
        return SummaryPage.model_validate({**data, "items": []}).model_copy(update={"items": items})
    except ValidationError:
        raise DevinInvalidResponseError(f"GET {PATH}: unexpected response shape", method="GET", path=PATH) from None
