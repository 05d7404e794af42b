"""Run modes: HTTP (Slack posts to `/slack/events`) and Socket Mode (the app dials out), with graceful shutdown."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot import metrics
from bot.app import InsightsApp
from bot.web import (
    HEALTH_PATH,
    METRICS_PATH,
    READY_PATH,
    health_handler,
    metrics_handler,
    readiness_handler,
    request_kind,
)

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_SECONDS = 10.0


class TimedSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler, timing each envelope from arrival to ack (`metrics.SLACK_ACK_SECONDS`)."""

    async def handle(self, client: Any, req: Any) -> None:
        started = time.perf_counter()
        await super().handle(client, req)
        payload = req.payload if isinstance(req.payload, dict) else {}
        metrics.SLACK_ACK_SECONDS.labels(request_kind(payload)).observe(time.perf_counter() - started)


def run_http(app: InsightsApp, *, host: str, port: int) -> None:
    """Serve HTTP mode until SIGTERM/SIGINT; aiohttp then runs the cleanup hooks (scheduler, clients)."""
    log.info("app.starting", extra={"mode": "http", "port": port})
    web.run_app(
        app.web_application(),
        host=host,
        port=port,
        shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS,
        print=None,
        access_log=None,
    )


async def run_socket_mode(app: InsightsApp, *, app_token: str, health_port: int | None) -> None:
    """Connect over Socket Mode and run until SIGTERM/SIGINT; optionally serve `/healthz` and `/readyz`."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await app.start()
    handler = TimedSocketModeHandler(app.bolt, app_token=app_token)
    health_runner: web.AppRunner | None = None
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]  # untyped in slack_bolt
        log.info("app.starting", extra={"mode": "socket"})
        if health_port is not None:
            health_runner = await _serve_health(app, health_port)
        await stop.wait()
        log.info("app.stopping")
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        if health_runner is not None:
            await health_runner.cleanup()
        await app.stop()


async def _serve_health(app: InsightsApp, port: int) -> web.AppRunner:
    health = web.Application()
    health.router.add_get(HEALTH_PATH, health_handler(app.health))
    health.router.add_get(METRICS_PATH, metrics_handler(app.update_metrics))
    health.router.add_get(READY_PATH, readiness_handler(app.readiness))
    runner = web.AppRunner(health, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "0.0.0.0", port).start()
    return runner
