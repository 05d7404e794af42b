"""AlertEngine: the alert component `create_app` builds: it opens its store, schedules its tick, and stops.

Replicas. Every replica may call `tick()`. Only the holder of the poller lease polls Devin (one
request per idle poll for the whole deployment); every replica delivers, because delivery claims
each outbox row with a conditional update. Even if two replicas poll at once (a lease expiring
mid-poll), an episode yields one alert per channel: episode numbers follow from the shared
stored state and the (session, episode, channel) key is unique in the database.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Sequence
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts import health as health_queries
from bot.alerts.channel_settings import ChannelBook
from bot.alerts.delivery import CHANNEL_RATE, Deliverer, DeliveryReport, ExtrasSource
from bot.alerts.health import EngineObserver, TickReport, count_poll
from bot.alerts.poller import Poller, PollReport
from bot.alerts.posting import UNCERTAIN_WAIT_SECONDS, UNCERTAIN_WAIT_TIMEOUTS
from bot.alerts.records import AlertHealth, ChannelSettings
from bot.alerts.scheduler import EngineJobs, build_scheduler, stop_scheduler
from bot.config import Settings
from bot.devin.client import DevinClient
from bot.devin.retry import BACKGROUND_RETRY
from bot.store import STORE_ERRORS, Store
from bot.store.claims import CLAIM_SECONDS
from bot.store.errors import StoreOpenError

log = logging.getLogger(__name__)

DEFAULT_LEASE_TTL_SECONDS = 180.0
"""A crashed poller's lease passes to another replica after this long; keep it above the poll interval."""
STOP_TIMEOUT_SECONDS = 10.0
"""How long shutdown waits for a poll in progress; the outbox makes an interrupted tick safe anyway."""


def default_holder_id() -> str:
    """Unique per process: host, pid and a random suffix (pids repeat across containers)."""
    return f"{socket.gethostname()[:24]}:{os.getpid()}:{secrets.token_hex(4)}"


class AlertEngine:
    """Suspension alerts: poll Devin, record episodes, deliver to Slack.

    `start()` opens the store (unless one is handed in, which the caller then owns) and, with
    `poll_seconds`, schedules `tick()` on the running loop; `stop()` undoes both. Tests leave
    `poll_seconds` unset and drive `tick()` themselves.
    """

    def __init__(
        self,
        devin_client: DevinClient,
        slack_client: AsyncWebClient,
        *,
        default_channel: str | None,
        default_reasons: Sequence[str],
        lookback_minutes: int,
        app_url: str,
        store: Store | None = None,
        database_url: str | None = None,
        poll_seconds: int | None = None,
        clock: Callable[[], float] = time.time,
        holder_id: str | None = None,
        lease_ttl_seconds: float = DEFAULT_LEASE_TTL_SECONDS,
        channel_rate: tuple[float, float] = CHANNEL_RATE,
        extras: Callable[[Store], ExtrasSource] | None = None,
        work_objects: bool = True,
        observer: Callable[[Store], EngineObserver] | None = None,
        claim_seconds: float = CLAIM_SECONDS,
        uncertain_wait_seconds: float = UNCERTAIN_WAIT_SECONDS,
    ) -> None:
        if store is None and database_url is None:
            raise ValueError("give the engine a store or a database_url")
        self._given_store = store
        self._database_url = database_url
        self._poll_seconds = poll_seconds
        self._lookback_minutes = lookback_minutes
        self._app_url = app_url
        self._devin = devin_client.with_retry(BACKGROUND_RETRY)
        self._slack = slack_client
        self._clock = clock
        self.holder_id = holder_id or default_holder_id()
        self._lease_ttl = lease_ttl_seconds
        self._channel_rate = channel_rate
        self._extras = extras
        self._work_objects = work_objects
        """Alert messages carry the session as an incident entity (message metadata always goes out)."""
        self._observer_factory = observer
        self._observer: EngineObserver | None = None
        self._claim_seconds = claim_seconds
        self._uncertain_wait = uncertain_wait_seconds
        self._scheduler: AsyncIOScheduler | None = None
        self._jobs = EngineJobs(
            poll=self._scheduled_poll, deliver=self._scheduled_deliver, renew=self._keep_lease,
            on_poll_failed=lambda: self._health_seen.__setitem__("last_tick_failed", True),
        )  # fmt: skip
        self.channels = ChannelBook(
            lambda: self._store, default_channel=default_channel, default_reasons=default_reasons, clock=clock
        )
        """Channel settings (`/devin-insights alerts …`)."""
        self._parts: tuple[Store, Poller, Deliverer] | None = None
        self._health_seen: dict[str, Any] = {}
        """The report the last tick left behind, for `/healthz` (memory only: the database may be down)."""
        if store is not None:
            self._parts = self._assemble(store)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        devin: DevinClient,
        slack: AsyncWebClient,
        *,
        clock: Callable[[], float] = time.time,
        extras: Callable[[Store], ExtrasSource] | None = None,
        observer: Callable[[Store], EngineObserver] | None = None,
        channel_rate: tuple[float, float] = CHANNEL_RATE,
    ) -> AlertEngine:
        """The engine `devin-insights run` has: its own store, scheduled every ALERT_POLL_SECONDS."""
        return cls(
            devin,
            slack,
            database_url=settings.database_url,
            poll_seconds=settings.alert_poll_seconds,
            default_channel=settings.alert_channel,
            default_reasons=settings.alert_reasons,
            lookback_minutes=settings.alert_lookback_minutes,
            app_url=settings.devin_app_url,
            clock=clock,
            # One interval, renewed twice per interval while the holder lives: a replica that dies
            # is replaced within two intervals, and a live one never lapses.
            lease_ttl_seconds=float(settings.alert_poll_seconds),
            extras=extras,
            work_objects=settings.work_objects,
            observer=observer,
            claim_seconds=float(settings.alert_claim_seconds),
            channel_rate=channel_rate,
            uncertain_wait_seconds=UNCERTAIN_WAIT_TIMEOUTS * settings.slack_timeout_seconds,
        )

    def _assemble(self, store: Store) -> tuple[Store, Poller, Deliverer]:
        self._observer = self._observer_factory(store) if self._observer_factory is not None else None
        poller = Poller(
            store, self._devin, lookback_minutes=self._lookback_minutes, clock=self._clock, observer=self._observer
        )
        deliverer = Deliverer(
            store,
            self._slack,
            holder_id=self.holder_id,
            clock=self._clock,
            app_url=self._app_url,
            channel_rate=self._channel_rate,
            extras=self._extras(store) if self._extras is not None else None,
            work_objects=self._work_objects,
            claim_seconds=self._claim_seconds,
            uncertain_wait_seconds=self._uncertain_wait,
        )
        return store, poller, deliverer

    @property
    def store(self) -> Store | None:
        """The open store (None before `start()`): other components cache in it too."""
        return self._parts[0] if self._parts is not None else None

    @property
    def _store(self) -> Store:
        if self._parts is None:
            raise RuntimeError("the alert engine has not started")
        return self._parts[0]

    async def start(self) -> None:
        """Open (and migrate) the store if the engine owns it; schedule the tick on the running loop."""
        if self._parts is None:
            assert self._database_url is not None
            try:
                store = await Store.open(self._database_url)
            except STORE_ERRORS as error:
                raise StoreOpenError(self._database_url, error) from error
            self._parts = self._assemble(store)
        self._health_seen = await self.health_report()
        if self._poll_seconds is not None:
            self._scheduler = build_scheduler(
                self._jobs.poll,
                every_seconds=self._poll_seconds,
                deliver=self._jobs.deliver,
                keep_lease=self._jobs.keep_lease,
            )
            self._scheduler.start()
        log.info("alerts.started", extra={"poll_seconds": self._poll_seconds})

    async def stop(self) -> None:
        """Stop scheduling, let a running tick finish (bounded), hand the lease over, close an owned store."""
        if self._parts is not None:
            self._parts[2].stop_soon()  # a long drain ends after its current call, not after 200 posts
        await stop_scheduler(self._scheduler, self._jobs.wait_idle(STOP_TIMEOUT_SECONDS))
        if self._parts is None:
            return
        # Hand the lease over at once instead of letting it expire.
        await self._store.release_lease(self.holder_id)
        if self._given_store is None:
            await self._store.aclose()

    async def _scheduled_poll(self) -> None:
        started = time.perf_counter()
        poll = await self.poll()
        if poll is not None:
            count_poll(poll, time.perf_counter() - started)
            if poll.alerts_recorded or poll.changed:  # what it recorded is posted now, not a delivery round later
                self._jobs.deliver_soon(self._scheduler)
        self._health_seen = await self.health_report()

    def poll_soon(self) -> None:
        """Poll now rather than at the next interval (the demo, right after it changed the simulated org)."""
        self._jobs.poll_soon(self._scheduler)

    async def _scheduled_deliver(self) -> None:
        await self.deliver()
        if self._observer is not None:  # what the people component owes (DMs), on the same rhythm
            await self._observer.deliver_due()

    async def _keep_lease(self) -> None:
        if self._parts is not None:
            await self._store.renew_lease(self.holder_id, self._lease_ttl, self._clock())

    async def tick(self) -> TickReport:
        """One scheduler run: poll if this replica holds the lease, then deliver what is owed."""
        started = time.perf_counter()
        poll = await self.poll()
        if poll is not None:
            count_poll(poll, time.perf_counter() - started)
        delivery = await self.deliver()
        observed = await self._observer.deliver_due() if self._observer is not None else None
        self._health_seen = await self.health_report()
        return TickReport(leader=poll is not None, poll=poll, delivery=delivery, observer=observed)

    async def update_metrics(self) -> None:
        """Set the gauges read from the store (poll lag, last poll, outbox depth); `/metrics` calls it per scrape."""
        if self._parts is not None:
            health_queries.set_gauges(await self.health())

    async def poll(self) -> PollReport | None:
        """Take or renew the lease and, if held, poll Devin once; None when another replica polls."""
        await self.channels.clear_problems_once()
        if not await self._renew():
            return None
        assert self._parts is not None
        return await self._parts[1].poll(await self.channels.rules(), renew=self._renew)

    async def deliver(self) -> DeliveryReport:
        """Post and update what the outbox owes (any replica may do this)."""
        await self.channels.clear_problems_once()
        assert self._parts is not None
        return await self._parts[2].deliver_due()

    async def channel_settings(self, channel_id: str) -> ChannelSettings:
        """The channel's effective setting and any delivery problem there (see `ChannelBook`)."""
        return await self.channels.settings(channel_id)

    async def subscribe(self, channel_id: str, reasons: Sequence[str], by_user: str | None) -> ChannelSettings:
        """`alerts on [reason …]` (see `ChannelBook.subscribe`)."""
        return await self.channels.subscribe(channel_id, reasons, by_user)

    async def unsubscribe(self, channel_id: str, by_user: str | None) -> ChannelSettings:
        """`alerts off` (see `ChannelBook.unsubscribe`)."""
        return await self.channels.unsubscribe(channel_id, by_user)

    async def health(self) -> AlertHealth:
        """Poll progress, outbox backlog and the last poll error."""
        return await health_queries.read_health(self._store, now=self._clock())

    async def pending_alerts(self) -> int:
        """Alerts recorded but not yet posted (the `/healthz` and App Home backlog figure)."""
        return (await self.health()).pending_alerts

    def health_snapshot(self) -> dict[str, Any]:
        """`health_report()` as the last tick saw it, without touching the database (for `/healthz`)."""
        if self._parts is None:
            return {"running": False}
        return {"running": True, **self._health_seen}

    async def health_report(self) -> dict[str, Any]:
        """The poller's state read from the store now (`/readyz`, and each tick's snapshot): times and
        counts only, no error texts or ids."""
        if self._parts is None:
            return {"running": False}
        return health_queries.health_dict(await self.health(), now=self._clock(), holder_id=self.holder_id)

    async def _renew(self) -> bool:
        return await self._store.try_acquire_lease(self.holder_id, self._lease_ttl, self._clock())
