"""`create_app`: the one composition root. It builds every long-lived object once and returns the app."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import APP_NAME, __version__
from bot.alerts.engine import AlertEngine
from bot.config import Settings, bolt_env_guard
from bot.devin.cache import SessionCache
from bot.devin.client import DevinClient
from bot.entities.flexpane import FlexpaneData
from bot.insights.delivery import CHANNEL_INTERVAL_SECONDS
from bot.insights.engine import TeamEngine
from bot.insights.source import InsightsSource
from bot.listeners import register_listeners
from bot.listeners.deps import AppDeps, InsightsTiming
from bot.people.component import People
from bot.slack.channels import SharedChannelDetector
from bot.slack.client import shared_session, slack_web_client
from bot.slack.dedupe import EventDeduper
from bot.slack.policy import AccessPolicy
from bot.store.errors import STORE_ERRORS
from bot.web import (
    HEALTH_PATH,
    METRICS_PATH,
    READY_PATH,
    REQUEST_BODY_MAX,
    SLACK_EVENTS_PATH,
    health_handler,
    metrics_handler,
    readiness_handler,
    slack_events_handler,
)

log = logging.getLogger(__name__)

LISTENER_GRACE_SECONDS = 8.0
"""At shutdown, how long answers already acked may still take before the clients they need are closed."""
READY_TIMEOUT_SECONDS = 2.0
"""How long `/readyz` waits for the database: well inside the usual 5-10 s probe timeouts."""


class Component(Protocol):
    """A long-lived part built in `create_app` that opens what it needs in `start()` and closes it in `stop()`."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class InsightsApp:
    """The running app: Bolt, what listeners use, and the components started and stopped with it."""

    bolt: AsyncApp
    deps: AppDeps
    components: list[Component] = field(default_factory=list)
    """Started in order after the shared Slack session opens; stopped in reverse."""
    started_at: float = field(default_factory=time.time)
    _ready: bool | None = field(default=None, init=False)
    _ready_check: asyncio.Future[dict[str, Any]] | None = field(default=None, init=False)

    @property
    def slack(self) -> AsyncWebClient:
        return self.deps.slack

    @property
    def alerts(self) -> AlertEngine | None:
        return self.deps.alerts

    async def start(self) -> None:
        """Open the shared Slack session inside the running loop, then start the components. If one cannot
        start, what did start is stopped again before the error goes on (no unclosed sessions at exit)."""
        if self.slack.session is None:
            # Bolt's per-request clients copy this session, and `response_url` replies use it too.
            self.slack.session = shared_session(self.slack.timeout)
        started: list[Component] = []
        try:
            for component in self.components:
                await component.start()
                started.append(component)
        except BaseException:
            for component in reversed(started):
                await component.stop()
            await self.deps.devin.aclose()
            await self._close_slack_session()
            raise

    async def stop(self) -> None:
        """Stop in reverse order of start; each step runs even if an earlier one failed."""
        if not await self.deps.inflight.wait_idle(LISTENER_GRACE_SECONDS):
            log.warning("app.shutdown.listeners_still_running", extra={"running": self.deps.inflight.running})
        if self._ready_check is not None:
            self._ready_check.cancel()
        steps: list[Callable[[], Any]] = [component.stop for component in reversed(self.components)]
        steps += [self.deps.devin.aclose, self._close_slack_session]
        for step in steps:
            try:
                await step()
            except Exception:  # noqa: BLE001 - shutdown must reach every resource; failures are logged
                log.exception("app.shutdown.step_failed")

    async def _close_slack_session(self) -> None:
        if self.slack.session is not None:
            await self.slack.session.close()
            self.slack.session = None

    async def health(self) -> dict[str, Any]:
        """Liveness (`/healthz`): answered from memory, so a slow or dead database never makes a platform
        restart an app that still serves commands. Nothing sensitive (no ids, tokens, URLs or error texts)."""
        report: dict[str, Any] = {"status": "ok", "app": APP_NAME, "version": __version__}
        report["uptime_seconds"] = int(time.time() - self.started_at)
        if self.alerts is not None:
            report["alerts"] = self.alerts.health_snapshot()
        return report

    async def update_metrics(self) -> None:
        """Refresh the gauges that are read, not counted (before each `/metrics` scrape)."""
        if self.alerts is not None:
            await self.alerts.update_metrics()
        if self.deps.scheduled is not None:
            await self.deps.scheduled.update_metrics()

    async def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Readiness (`/readyz`): can this replica reach its database now? Decided within READY_TIMEOUT_SECONDS."""
        report: dict[str, Any] = {"status": "ready", "app": APP_NAME, "version": __version__}
        if self.alerts is None:
            return True, report | {"database": "unused"}
        # One check in flight at a time, never awaited past the deadline: cancelling a query on a
        # blackholed connection waits on that connection too, and probes must not pile up connections.
        if self._ready_check is None or self._ready_check.done():
            self._ready_check = asyncio.ensure_future(self.alerts.health_report())
            self._ready_check.add_done_callback(_retrieve)  # a late failure is judged by the next probe
        check = self._ready_check
        done, _ = await asyncio.wait({check}, timeout=READY_TIMEOUT_SECONDS)
        error = None if done else "timeout"
        if done and (failure := check.exception()) is not None:
            if not isinstance(failure, STORE_ERRORS):
                raise failure
            error = type(failure).__name__
        self._log_readiness(error)
        if error is not None:
            return False, report | {"status": "not_ready", "database": "timeout" if not done else "unavailable"}
        return True, report | {"database": "ok", "alerts": check.result()}

    def _log_readiness(self, error: str | None) -> None:
        # Probes come every few seconds: log when readiness changes, not on every probe.
        ready = error is None
        if ready != self._ready:
            self._ready = ready
            if ready:
                log.info("app.ready")
            else:
                log.warning("app.not_ready", extra={"error": error})

    def web_application(self) -> web.Application:
        """The aiohttp application for HTTP mode: Slack's single request URL plus `/healthz` and `/metrics`."""
        application = web.Application(client_max_size=REQUEST_BODY_MAX)
        secret = self.deps.settings.slack_signing_secret
        application.router.add_post(
            SLACK_EVENTS_PATH, slack_events_handler(self.bolt, secret.get_secret_value() if secret else "")
        )
        application.router.add_get(HEALTH_PATH, health_handler(self.health))
        application.router.add_get(METRICS_PATH, metrics_handler(self.update_metrics))
        application.router.add_get(READY_PATH, readiness_handler(self.readiness))

        async def on_startup(_: web.Application) -> None:
            await self.start()

        async def on_cleanup(_: web.Application) -> None:
            await self.stop()

        application.on_startup.append(on_startup)
        application.on_cleanup.append(on_cleanup)
        return application


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def devin_client(settings: Settings) -> DevinClient:
    """The shared Devin client (interactive retry budget; the alert engine takes a longer one)."""
    settings.require("devin_api_key", "devin_org_id")
    assert settings.devin_api_key is not None and settings.devin_org_id is not None
    return DevinClient.create(
        api_url=settings.devin_api_url, api_key=settings.devin_api_key.get_secret_value(), org_id=settings.devin_org_id
    )


def _team_engine(
    settings: Settings,
    source: InsightsSource,
    devin: DevinClient,
    slack: AsyncWebClient,
    alerts: AlertEngine | None,
    clock: Callable[[], float],
    post_interval: float,
) -> TeamEngine:
    """Digests and budget warnings, in the alert engine's store (it starts first) so the app opens one."""
    shared = (lambda: alerts.store) if alerts is not None else None
    pacing = {"interval": post_interval}
    return TeamEngine.from_settings(settings, source, devin, slack, clock=clock, shared_store=shared, pacing=pacing)


def create_app(
    settings: Settings,
    *,
    devin: DevinClient | None = None,
    slack: AsyncWebClient | None = None,
    with_alerts: bool = True,
    insights_timing: InsightsTiming | None = None,
    clock: Callable[[], float] = time.time,
    post_interval: float = CHANNEL_INTERVAL_SECONDS,
) -> InsightsApp:
    """Build the app from settings; tests and the demo inject clients pointed at local stand-ins.

    `with_alerts=False` leaves out the alert engine and the team engine (digests, budget; so the store), for
    tests of the other surfaces. `post_interval`: seconds between posts to one channel (Slack allows about
    one a second; the demo paces faster, its stand-in has no such limit).
    """
    settings.require("slack_bot_token")
    if not settings.socket_mode:
        settings.require("slack_signing_secret")
    devin = devin or devin_client(settings)
    slack = slack or slack_web_client(settings)
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    with bolt_env_guard():
        # Tokens are passed explicitly; the guard hides SLACK_CLIENT_ID/SECRET so Bolt's implicit
        # OAuth switch and its other environment fallbacks never decide anything.
        bolt = AsyncApp(
            client=slack,
            signing_secret=signing_secret,
            name=APP_NAME,
            logger=logging.getLogger("slack_bolt"),
            request_verification_enabled=True,
        )
    sessions = SessionCache(devin)
    people = People.from_settings(settings, devin, slack, clock=clock)
    dms = people.engine_observer if settings.notify_creators else None
    alerts = (
        AlertEngine.from_settings(
            settings,
            devin,
            slack,
            clock=clock,
            extras=people.alert_extras,
            observer=dms,
            channel_rate=(1.0, post_interval),
        )
        if with_alerts
        else None
    )
    source = InsightsSource(devin, alert_reasons=settings.alert_reasons, clock=clock, creators=people.names)
    deps = AppDeps(
        settings=settings,
        devin=devin,
        slack=slack,
        sessions=sessions,
        access=AccessPolicy.from_settings(settings),
        events=EventDeduper(),
        channels=SharedChannelDetector(),
        flexpanes=FlexpaneData(devin, sessions),
        alerts=alerts,
        insights_timing=insights_timing or InsightsTiming(),
        team=source,
        people=people,
        scheduled=_team_engine(settings, source, devin, slack, alerts, clock, post_interval) if with_alerts else None,
    )
    register_listeners(bolt, deps)
    components: list[Component] = [deps.alerts] if deps.alerts is not None else []
    if deps.scheduled is not None:
        components.append(deps.scheduled)
    components.append(deps.flexpanes)
    return InsightsApp(bolt=bolt, deps=deps, components=components)
