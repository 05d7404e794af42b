"""Assemble the runnable app: clients, the alert engine (store, service, scheduler) and their lifecycles."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.scheduler import build_scheduler
from bot.alerts.service import AlertService, ChannelSettings
from bot.app import InsightsApp, create_app, devin_client, slack_web_client
from bot.config import Settings
from bot.deps import InsightsTiming
from bot.devin.client import DevinClient
from bot.store import Store

log = logging.getLogger(__name__)

STOP_TIMEOUT_SECONDS = 10.0
"""How long shutdown waits for a poll in progress; the outbox makes an interrupted tick safe anyway."""


class AlertsRuntime:
    """The alert engine with its own lifecycle: the store opens and the scheduler starts on the app's loop."""

    def __init__(
        self,
        settings: Settings,
        devin: DevinClient,
        slack: AsyncWebClient,
        *,
        clock: Callable[[], float] = time.time,
        schedule: bool = True,
    ) -> None:
        self._settings, self._devin, self._slack, self._clock = settings, devin, slack, clock
        self._schedule = schedule
        self._store: Store | None = None
        self._service: AlertService | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self._tick_lock = asyncio.Lock()
        self._stopping = False

    @property
    def service(self) -> AlertService:
        if self._service is None:
            raise RuntimeError("the alert engine has not started")
        return self._service

    async def start(self) -> None:
        """Open (and migrate) the store, build the service, start the poll job on the running loop."""
        self._store = await Store.open(self._settings.database_url)
        self._service = AlertService(
            self._store,
            self._devin,
            self._slack,
            default_channel=self._settings.alert_channel,
            default_reasons=self._settings.alert_reasons,
            lookback_minutes=self._settings.alert_lookback_minutes,
            clock=self._clock,
            # One interval: a replica that stops renewing is replaced within two intervals.
            lease_ttl_seconds=float(self._settings.alert_poll_seconds),
        )
        if self._schedule:
            self._scheduler = build_scheduler(self._tick, every_seconds=self._settings.alert_poll_seconds)
            self._scheduler.start()
        log.info("alerts.started", extra={"poll_seconds": self._settings.alert_poll_seconds})

    async def _tick(self) -> None:
        # The lock lets stop() wait for a running tick instead of closing the store under it.
        if self._stopping:
            return
        async with self._tick_lock:
            await self.service.tick()

    async def stop(self) -> None:
        """Stop scheduling, let a running tick finish (bounded), then close the service and the store."""
        self._stopping = True
        try:
            # APScheduler's shutdown cancels a running job, so wait for it first.
            async with asyncio.timeout(STOP_TIMEOUT_SECONDS):
                await self._tick_lock.acquire()
        except TimeoutError:
            log.warning("alerts.stop.tick_still_running")
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        if self._service is not None:
            await self._service.aclose()
        if self._store is not None:
            await self._store.aclose()

    async def channel_settings(self, channel_id: str) -> ChannelSettings:
        return await self.service.channel_settings(channel_id)

    async def subscribe(self, channel_id: str, reasons: Sequence[str], by_user: str) -> ChannelSettings:
        return await self.service.subscribe(channel_id, reasons, by_user)

    async def unsubscribe(self, channel_id: str, by_user: str) -> ChannelSettings:
        return await self.service.unsubscribe(channel_id, by_user)

    async def pending_alerts(self) -> int:
        return (await self.service.health()).pending_alerts

    async def health(self) -> dict[str, Any]:
        """Liveness of the poller for `/healthz`: times and counts only, no error texts or ids."""
        if self._service is None:
            return {"running": False}
        health = await self._service.health()
        now = self._clock()
        return {
            "running": True,
            "last_poll_at": int(health.last_success_at) if health.last_success_at else None,
            "last_poll_age_seconds": int(now - health.last_success_at) if health.last_success_at else None,
            "watermark_lag_seconds": int(health.watermark_lag_seconds) if health.watermark_lag_seconds else None,
            "pending_alerts": health.pending_alerts,
            "pending_updates": health.pending_updates,
            "last_poll_failed": health.last_error is not None,
            "polling_here": health.lease_holder == self._service.holder_id,
        }


def build_app(
    settings: Settings,
    *,
    http_mode: bool,
    devin: DevinClient | None = None,
    slack: AsyncWebClient | None = None,
    insights_timing: InsightsTiming | None = None,
    clock: Callable[[], float] = time.time,
) -> InsightsApp:
    """The app `devin-insights run` (and the demo) serves, alert engine included."""
    devin = devin or devin_client(settings)
    slack = slack or slack_web_client(settings)
    alerts = AlertsRuntime(settings, devin, slack, clock=clock)
    app = create_app(settings, devin=devin, slack=slack, alerts=alerts, insights_timing=insights_timing)
    app.health_probe = alerts.health
    app.on_start.append(alerts.start)
    app.on_stop.append(alerts.stop)
    return app
