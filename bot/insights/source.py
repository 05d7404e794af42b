"""Fetching a window's data from Devin: pages, not sessions; independent parts concurrently; a short cache.

One fetch is one read of `GET …/sessions/insights` (every session updated since the previous window began:
that covers the sessions created in both windows and the ones needing attention now, with their analyses;
a large org in concurrent slices, see `listing`) plus, concurrently, `metrics/sessions` twice, `metrics/prs`
once and `consumption/daily` once. Requests therefore grow with pages (200 sessions each), never with
sessions.

Callers asking for the same window at the same time share one fetch (digests due together), and a
result is reused for `CACHE_SECONDS` (a repeated `summary`, the *Share* button).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.devin.client import DevinClient
from bot.devin.errors import DevinAuthError, DevinError
from bot.devin.metrics import PERMISSION_CONSUMPTION, PERMISSION_METRICS
from bot.insights.facts import SummarySession
from bot.insights.figures import Figures, Gap, OrgData, SessionLine, aggregate
from bot.insights.listing import sessions_since
from bot.insights.period import Window
from bot.people.records import Person

log = logging.getLogger(__name__)

CACHE_SECONDS = 60.0
"""How long figures are reused; short, so a summary is never more than a minute stale."""
CACHE_ENTRIES_MAX = 64
_PERMISSION_RE = re.compile(r"permission:?\s*([A-Za-z]+)")

T = TypeVar("T")
Creators = Callable[[Sequence[SessionLine]], Awaitable[Mapping[str, Person]]]
"""Who started the listed sessions, by session id (`People.names`): looked up once per fetch."""


@dataclass
class _Entry:
    at: float
    task: asyncio.Task[Figures]


class InsightsSource:
    """The org's figures per window, fetched from Devin at most once per window and minute.

    Args:
        devin: the shared client (its retry policy decides how long one request may take).
        alert_reasons: the `status_detail` values that count as needing attention.
        clock: Unix seconds; injected so tests and digests choose "now".
    """

    def __init__(
        self,
        devin: DevinClient,
        *,
        alert_reasons: Iterable[str],
        clock: Callable[[], float] = time.time,
        cache_seconds: float = CACHE_SECONDS,
        creators: Creators | None = None,
    ) -> None:
        self._devin = devin
        self._creators = creators
        self._reasons = tuple(alert_reasons)
        self._clock = clock
        self._ttl = cache_seconds
        self._cache: dict[tuple[int, int], _Entry] = {}
        self._recent: dict[int, Window] = {}

    @property
    def clock(self) -> Callable[[], float]:
        return self._clock

    async def last_days(self, days: int) -> Figures:
        """The `days` days ending now; reuses a fresh result for the same number of days."""
        window = self._recent.get(days)
        if window is None or not self._fresh(window):
            window = Window.last_days(days, self._clock())
            self._recent[days] = window
        return await self.window(window)

    async def window(self, window: Window) -> Figures:
        """The figures for an explicit window (digests); concurrent callers share one fetch.

        Raises:
            DevinError: the session list could not be read (the other parts degrade on their own).
        """
        key = (window.start, window.end)
        entry = self._cache.get(key)
        if entry is None or not self._fresh(window) or (entry.task.done() and entry.task.exception()):
            self._evict()
            entry = _Entry(self._clock(), asyncio.create_task(self._fetch(window)))
            self._cache[key] = entry
        return await asyncio.shield(entry.task)

    def _fresh(self, window: Window) -> bool:
        entry = self._cache.get((window.start, window.end))
        return entry is not None and self._clock() - entry.at < self._ttl

    def _evict(self) -> None:
        now = self._clock()
        for key in [k for k, e in self._cache.items() if now - e.at >= self._ttl and e.task.done()]:
            del self._cache[key]
        while len(self._cache) >= CACHE_ENTRIES_MAX:
            del self._cache[next(iter(self._cache))]

    async def _fetch(self, window: Window) -> Figures:
        previous = window.previous()
        billing = window.billing()
        started = time.monotonic()
        sessions, metrics, prs, consumption = await asyncio.gather(
            self._sessions(previous.start),
            _optional(
                "metrics",
                PERMISSION_METRICS,
                _both(
                    self._devin.get_session_metrics(window.start, window.end),
                    self._devin.get_session_metrics(previous.start, previous.end),
                ),
            ),
            _optional("metrics", PERMISSION_METRICS, self._devin.get_pr_metrics(window.start, window.end)),
            _optional(
                "consumption",
                PERMISSION_CONSUMPTION,
                self._devin.get_daily_consumption(billing.start - window.seconds, window.end),
            ),
        )
        gaps = tuple(dict.fromkeys(g for _, g in (metrics, prs, consumption) if g is not None))
        data = OrgData(sessions, metrics[0], prs[0], consumption[0], gaps)
        log.info(
            "insights.fetched",
            extra={
                "window_seconds": window.seconds,
                "sessions": len(sessions),
                "gaps": [g.part for g in gaps],
                "seconds": round(time.monotonic() - started, 3),
            },
        )
        figures = aggregate(data, window, alert_reasons=self._reasons)
        if self._creators is None:
            return figures
        return figures.with_creators(await self._creators(figures.listed))

    async def _sessions(self, since: int) -> list[SummarySession]:
        return await sessions_since(self._devin, since, now=self._clock)


async def _both(first: Awaitable[T], second: Awaitable[T]) -> tuple[T, T]:
    a, b = await asyncio.gather(first, second)
    return a, b


async def _optional(part: str, permission: str, call: Awaitable[T]) -> tuple[T | None, Gap | None]:
    """The part's answer, or None and the gap it leaves (a 403 names the permission Devin said is missing)."""
    try:
        return await call, None
    except DevinAuthError as error:
        named = _PERMISSION_RE.search(error.detail or "")
        log.info("insights.part.forbidden", extra={"part": part, "status": error.status})
        return None, Gap(part, named.group(1) if named else permission)
    except DevinError as error:
        log.warning("insights.part.failed", extra={"part": part, "error": type(error).__name__})
        return None, Gap(part)
