"""TeamEngine: the component behind digests and budget warnings; it opens its store, schedules its jobs, stops.

Replicas. Every replica may run every job. A digest or budget post exists once per channel and period because
its (kind, channel, period) key is unique in the database and a schedule's due time advances with a
conditional UPDATE; delivery claims each row. The budget check also takes a lease, so only one replica asks
Devin per interval.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.engine import default_holder_id
from bot.alerts.rules import effective_channels
from bot.alerts.scheduler import stop_scheduler
from bot.config import Settings
from bot.devin.client import DevinClient
from bot.devin.retry import BACKGROUND_RETRY
from bot.insights import digests
from bot.insights.budget import BudgetStatus
from bot.insights.delivery import TeamDeliverer, TeamDeliveryReport, refresh_outbox_depth
from bot.insights.records import DigestSchedule, DigestState, PostKind
from bot.insights.source import InsightsSource
from bot.insights.usage import month_usage
from bot.slack.history import UNCERTAIN_WAIT_TIMEOUTS
from bot.store import Store, team
from bot.store import channels as channel_queries
from bot.store.errors import STORE_DOWN_ERRORS

log = logging.getLogger(__name__)

DIGEST_TICK_SECONDS = 60
BUDGET_LEASE = "insights.budget"
STOP_TIMEOUT_SECONDS = 10.0


class TeamEngine:
    """Digests and budget warnings. `start()` opens the store (unless one is given) and, with `schedule=True`,
    runs `tick_digests()` every minute and `check_budget()` every `budget_check_seconds`; tests drive them."""

    def __init__(
        self,
        source: InsightsSource,
        devin: DevinClient,
        slack: AsyncWebClient,
        *,
        app_url: str,
        alert_channel: str | None,
        alert_reasons: Sequence[str],
        budget: float | None = None,
        thresholds: Sequence[int] = (50, 80, 100),
        budget_check_seconds: int = 900,
        store: Store | None = None,
        database_url: str | None = None,
        shared_store: Callable[[], Store | None] | None = None,
        schedule: bool = False,
        clock: Callable[[], float] = time.time,
        holder_id: str | None = None,
        pacing: dict[str, Any] | None = None,
    ) -> None:
        if store is None and database_url is None and shared_store is None:
            raise ValueError("give the engine a store, a database_url or a shared store")
        self._shared_store = shared_store
        self._source, self._devin, self._slack = source, devin.with_retry(BACKGROUND_RETRY), slack
        self._app_url, self._alert_channel, self._alert_reasons = app_url, alert_channel, tuple(alert_reasons)
        self._budget, self._thresholds, self._budget_every = budget, tuple(sorted(thresholds)), budget_check_seconds
        self._given_store, self._database_url, self._schedule = store, database_url, schedule
        self._clock = clock
        self.holder_id = holder_id or default_holder_id()
        self._pacing = pacing or {}  # TeamDeliverer's `interval`, `sleep`, `uncertain_wait`
        self._store: Store | None = store
        self._scheduler: AsyncIOScheduler | None = None
        self._lock = asyncio.Lock()
        self._stopping = False
        self.last_budget: BudgetStatus | None = None
        """The latest budget check on this replica (App Home shows it)."""

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        source: InsightsSource,
        devin: DevinClient,
        slack: AsyncWebClient,
        *,
        clock: Callable[[], float],
        shared_store: Callable[[], Store | None] | None = None,
        pacing: dict[str, Any] | None = None,
    ) -> TeamEngine:
        """The engine `devin-insights run` has: the app's store (or its own), its jobs scheduled."""
        return cls(
            source,
            devin,
            slack,
            app_url=settings.devin_app_url,
            alert_channel=settings.alert_channel,
            alert_reasons=settings.alert_reasons,
            budget=settings.acu_budget,
            thresholds=settings.acu_budget_thresholds,
            budget_check_seconds=settings.budget_check_seconds,
            database_url=settings.database_url,
            shared_store=shared_store,
            schedule=True,
            clock=clock,
            pacing={"uncertain_wait": UNCERTAIN_WAIT_TIMEOUTS * settings.slack_timeout_seconds, **(pacing or {})},
        )

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the team engine has not started")
        return self._store

    @property
    def _deliverer(self) -> TeamDeliverer:
        return TeamDeliverer(
            self.store, self._slack, self._source, holder_id=self.holder_id, clock=self._clock, app_url=self._app_url,
            **self._pacing,
        )  # fmt: skip

    async def start(self) -> None:
        """Use the shared store (the alert engine's, opened before us) or open our own; schedule the jobs."""
        if self._store is None and self._shared_store is not None:
            self._store = self._given_store = self._shared_store()
        if self._store is None:
            assert self._database_url is not None
            self._store = await Store.open(self._database_url)
        if self._schedule:
            scheduler = AsyncIOScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
            now = datetime.now(UTC)
            scheduler.add_job(self._run, "interval", args=[self.tick_digests], seconds=DIGEST_TICK_SECONDS,
                              id="team.digests", next_run_time=now)  # fmt: skip
            if self._budget is not None:
                scheduler.add_job(self._run, "interval", args=[self.check_budget], seconds=self._budget_every,
                                  id="team.budget", next_run_time=now)  # fmt: skip
            scheduler.start()
            self._scheduler = scheduler
        log.info("team.started", extra={"budget": self._budget, "scheduled": self._schedule})

    async def stop(self) -> None:
        await stop_scheduler(self._scheduler, self._wait_idle())
        if self._store is not None and self._given_store is None:
            await self._store.release_lease(self.holder_id, name=BUDGET_LEASE)
            await self._store.aclose()
            self._store = None

    async def _wait_idle(self) -> None:
        self._stopping = True
        try:
            async with asyncio.timeout(STOP_TIMEOUT_SECONDS):
                await self._lock.acquire()
        except TimeoutError:
            log.warning("team.stop.job_still_running")

    async def _run(self, job: Callable[[], object]) -> None:
        if self._stopping:
            return
        async with self._lock:
            try:
                await job()  # type: ignore[misc]
            except STORE_DOWN_ERRORS as error:  # the next run tries again; one line, not a traceback a run
                log.warning("insights.job.store_failed", extra={"error": type(error).__name__})

    # --- digests ------------------------------------------------------------------------------------

    async def tick_digests(self) -> TeamDeliveryReport:
        """Record every digest that is due (once per channel and due time), then deliver what is owed."""
        await self.record_due_digests()
        return await self.deliver()

    async def record_due_digests(self) -> int:
        now = self._clock()
        async with self.store.transaction() as conn:
            schedules = await team.list_schedules(conn)
        recorded = 0
        for schedule in schedules:
            due = digests.latest_due(schedule, now)
            if due <= (schedule.last_due_at or schedule.created_at):
                continue
            start = schedule.last_due_at or due - digests.cadence_seconds(schedule.cadence)
            async with self.store.transaction() as conn:
                # Advance first: of two replicas, the second finds the due time moved and records nothing.
                if not await team.advance_schedule(
                    conn, schedule.channel_id, due_at=due, previous=schedule.last_due_at
                ):
                    continue
                payload = _digest_payload(schedule, start, due)
                if await team.record_post(conn, PostKind.DIGEST, schedule.channel_id, str(due), payload, now=now):
                    recorded += 1
        return recorded

    async def deliver(self) -> TeamDeliveryReport:
        return await self._deliverer.deliver_due()

    async def update_metrics(self) -> None:
        """`team_outbox_depth` from the store (`/metrics` calls it per scrape, as for the alert outbox)."""
        await refresh_outbox_depth(self.store)

    async def schedule_digest(
        self, channel_id: str, *, cadence: str, weekday: int | None, hour: int, minute: int, tz: str, user_id: str
    ) -> DigestState:
        """`digest daily|weekly …`: replace the channel's schedule; the first digest covers one cadence."""
        schedule = DigestSchedule(channel_id, cadence, weekday, hour, minute, tz, user_id, self._clock(), None)
        async with self.store.transaction() as conn:
            await team.put_schedule(conn, schedule)
            await channel_queries.clear_problem(conn, channel_id)  # a settings change: try the channel again
        log.info("team.digest.scheduled", extra={"channel": channel_id, "when": digests.describe(schedule)})
        return await self.digest_state(channel_id)

    @property
    def budget_set(self) -> bool:
        return self._budget is not None

    async def digest_channels(self) -> list[tuple[str, str]]:
        """Every channel with a digest, and when it is posted."""
        async with self.store.transaction() as conn:
            schedules = await team.list_schedules(conn)
        return [(s.channel_id, digests.describe(s)) for s in schedules]

    async def digest_off(self, channel_id: str) -> bool:
        async with self.store.transaction() as conn:
            removed = await team.delete_schedule(conn, channel_id)
        log.info("team.digest.off", extra={"channel": channel_id, "removed": removed})
        return removed

    async def digest_state(self, channel_id: str) -> DigestState:
        async with self.store.transaction() as conn:
            schedule = await team.get_schedule(conn, channel_id)
            posts = [p for p in await team.list_posts(conn, kind=PostKind.DIGEST) if p.channel_id == channel_id]
        next_due = None
        if schedule is not None:
            next_due = digests.latest_due(schedule, self._clock() + digests.cadence_seconds(schedule.cadence))
        return DigestState(schedule, next_due, posts[-1] if posts else None)

    async def digest_now(self, channel_id: str, user_id: str) -> TeamDeliveryReport:
        """`digest now`: the period since the channel's last digest (or one day), posted at once."""
        now = int(self._clock())
        async with self.store.transaction() as conn:
            schedule = await team.get_schedule(conn, channel_id)
        cadence = schedule.cadence if schedule else digests.DAILY
        start = (schedule.last_due_at if schedule else None) or now - digests.cadence_seconds(cadence)
        payload = json.dumps({"start": start, "end": now, "cadence": cadence, "when": "on request", "by": user_id})
        async with self._lock:  # not beside this replica's scheduled tick, which would claim the post and report it
            async with self.store.transaction() as conn:
                await team.record_post(conn, PostKind.DIGEST, channel_id, f"now:{now}", payload, now=now)
            return await self.deliver()

    # --- budget ---------------------------------------------------------------------------------------

    async def check_budget(self) -> BudgetStatus | None:
        """Compare this month's usage with the budget; record or revise the month's post in each alert channel."""
        if self._budget is None:
            return None
        now = self._clock()
        if not await self.store.try_acquire_lease(
            self.holder_id, float(self._budget_every) * 2, now, name=BUDGET_LEASE
        ):
            return None  # another replica checks this interval
        status = await month_usage(self._devin, self._budget, self._thresholds, now)
        self.last_budget = status
        if status.threshold:
            await self._record_budget(status, now)
        await self.deliver()
        return status

    async def _record_budget(self, status: BudgetStatus, now: float) -> None:
        async with self.store.transaction() as conn:
            subscriptions = await channel_queries.list_subscriptions(conn)
            for rule in effective_channels(self._alert_channel, self._alert_reasons, subscriptions):
                post = await team.get_post(conn, PostKind.BUDGET, rule.channel_id, status.month)
                if post is None:
                    await team.record_post(
                        conn, PostKind.BUDGET, rule.channel_id, status.month, status.to_json(), now=now
                    )
                elif status.threshold > BudgetStatus.from_json(post.payload).threshold:
                    await team.revise_post(conn, post.id, status.to_json(), expected_version=post.version, now=now)


def _digest_payload(schedule: DigestSchedule, start: int, end: int) -> str:
    return json.dumps(
        {
            "start": start,
            "end": end,
            "cadence": schedule.cadence,
            "when": digests.describe(schedule),
            "by": schedule.created_by,
        }
    )
