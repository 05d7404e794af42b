"""The APScheduler jobs of the alert engine on the app's event loop: poll, deliver, keep the lease.

Polling and delivery are separate jobs so neither blocks the other: a channel draining 200 alerts
at one a second no longer delays the next poll, and a slow poll no longer delays delivery. The
lease job renews the poller lease between polls (only if this replica holds it), so it never
lapses while its holder is alive however long one poll takes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.store import STORE_ERRORS

log = logging.getLogger(__name__)

ALERTS_JOB_ID = "alerts.tick"
"""Stable id of the poll job (replace_existing keys on it)."""
DELIVERY_JOB_ID = "alerts.deliver"
LEASE_JOB_ID = "alerts.lease"
MISFIRE_GRACE_MIN_SECONDS = 30
DELIVER_EVERY_SECONDS = 1.0
"""How often a replica looks for owed alerts (one indexed query when there are none)."""

Job = Callable[[], Awaitable[Any]]


def build_scheduler(
    job: Job,
    *,
    every_seconds: int,
    deliver: Job | None = None,
    deliver_every: float = DELIVER_EVERY_SECONDS,
    keep_lease: Job | None = None,
) -> AsyncIOScheduler:
    """A UTC scheduler with the poll job every `every_seconds` (first run at start), and optionally the
    delivery job every `deliver_every` seconds and the lease job twice per poll interval; not started.

    One run of each job at a time (`max_instances=1`); runs missed while the loop was busy collapse
    into one (`coalesce`), and a run late by up to one interval still happens (`misfire_grace_time`).
    Call `start()` inside the running loop (aiohttp `on_startup`) and `shutdown(wait=False)` on cleanup.
    """
    if every_seconds < 1:
        raise ValueError("every_seconds must be at least 1")
    scheduler = AsyncIOScheduler(
        timezone="UTC",
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": max(MISFIRE_GRACE_MIN_SECONDS, every_seconds),
        },
    )
    now = datetime.now(UTC)
    scheduler.add_job(
        job, "interval", seconds=every_seconds, id=ALERTS_JOB_ID, name="poll Devin for suspensions",
        replace_existing=True, next_run_time=now,
    )  # fmt: skip
    if deliver is not None:
        scheduler.add_job(
            deliver, "interval", seconds=deliver_every, id=DELIVERY_JOB_ID, name="deliver owed alerts",
            replace_existing=True, next_run_time=now,
        )  # fmt: skip
    if keep_lease is not None:
        scheduler.add_job(
            keep_lease, "interval", seconds=every_seconds / 2, id=LEASE_JOB_ID, name="renew the poller lease",
            replace_existing=True,
        )  # fmt: skip
    return scheduler


async def stop_scheduler(scheduler: AsyncIOScheduler | None, wait_idle: Awaitable[None]) -> None:
    """Stop `scheduler` without cancelling a run: pause it (no new runs), await `wait_idle` (the engine marks
    itself stopping and waits for its running job), let a run submitted just before the pause start (it finds
    the engine stopping and ends at once), then shut down. APScheduler's shutdown cancels a run that has not
    started and logs it as "Error running job" with a traceback."""
    if scheduler is not None:
        scheduler.pause()
    await wait_idle
    if scheduler is not None:
        await asyncio.sleep(0)
        scheduler.shutdown(wait=False)


def run_soon(scheduler: AsyncIOScheduler | None, job_id: str, running: asyncio.Lock) -> None:
    """Run a job now rather than at its next interval; not while it runs (APScheduler would skip the run with a
    warning; the next interval comes soon enough)."""
    if scheduler is not None and scheduler.running and not running.locked():
        scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))


class EngineJobs:
    """The engine's three jobs, each under a lock so `stop()` can wait for a running one.

    A store error in a job is one warning line, not an APScheduler traceback per run: the next
    run tries again. `on_poll_failed` lets the engine mark its health snapshot.
    """

    def __init__(self, *, poll: Job, deliver: Job, renew: Job, on_poll_failed: Callable[[], None]) -> None:
        self._poll, self._deliver, self._renew = poll, deliver, renew
        self._on_poll_failed = on_poll_failed
        self.tick_lock = asyncio.Lock()
        self.deliver_lock = asyncio.Lock()
        self.stopping = False
        # Set by poll_soon/deliver_soon while that job runs: it runs once more when it is done.
        self.poll_again = self.deliver_again = False

    async def wait_idle(self, timeout: float) -> None:
        """Stop new runs and wait (bounded) for running ones: APScheduler's shutdown would cancel them."""
        self.stopping = True
        try:
            async with asyncio.timeout(timeout):
                await self.tick_lock.acquire()
                await self.deliver_lock.acquire()
        except TimeoutError:
            log.warning("alerts.stop.tick_still_running")

    def poll_soon(self, scheduler: AsyncIOScheduler | None) -> None:
        """Poll now; a poll that is running polls once more when done (it may have asked Devin already)."""
        self.poll_again = self.tick_lock.locked()
        run_soon(scheduler, ALERTS_JOB_ID, self.tick_lock)

    def deliver_soon(self, scheduler: AsyncIOScheduler | None) -> None:
        """Deliver now; a delivery round that is running makes one more when done."""
        self.deliver_again = self.deliver_lock.locked()
        run_soon(scheduler, DELIVERY_JOB_ID, self.deliver_lock)

    async def poll(self) -> None:
        if self.stopping:
            return
        async with self.tick_lock:
            self.poll_again = True
            while self.poll_again and not self.stopping:
                self.poll_again = False
                try:
                    await self._poll()
                except STORE_ERRORS as error:
                    self._on_poll_failed()
                    log.warning("alerts.tick.store_failed", extra={"error": type(error).__name__})

    async def deliver(self) -> None:
        if self.stopping:
            return
        async with self.deliver_lock:
            self.deliver_again = True
            while self.deliver_again and not self.stopping:
                self.deliver_again = False
                try:
                    await self._deliver()
                except STORE_ERRORS as error:  # the store is down: the next round tries again
                    log.warning("alerts.delivery.store_down", extra={"error": type(error).__name__})

    async def keep_lease(self) -> None:
        # Under the poll lock: a running poll renews the lease itself, and stop() must not close the
        # store under a renewal.
        if self.stopping or self.tick_lock.locked():
            return
        async with self.tick_lock:
            try:
                await self._renew()
            except STORE_ERRORS as error:
                log.warning("alerts.lease.renew_failed", extra={"error": type(error).__name__})
