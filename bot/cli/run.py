"""Run modes: HTTP (Slack posts to `/slack/events`) and Socket Mode (the app dials out), with graceful shutdown."""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
import socket
import time
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot import metrics
from bot.app import InsightsApp
from bot.serving import AcceptErrorLog, CappedSite, app_runner
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
HEALTH_CONNECTIONS_MAX = 64
"""Socket Mode's health port serves probes and scrapes only."""


class TimedSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler, timing each envelope from arrival to ack (`metrics.SLACK_ACK_SECONDS`)."""

    async def handle(self, client: Any, req: Any) -> None:
        started = time.perf_counter()
        await super().handle(client, req)
        payload = req.payload if isinstance(req.payload, dict) else {}
        metrics.SLACK_ACK_SECONDS.labels(request_kind(payload)).observe(time.perf_counter() - started)


class ListenError(Exception):
    """The port cannot be listened on (in use, or not allowed); the message is one line for the operator."""


def listen_error(host: str, port: int, error: OSError) -> ListenError:
    reason = "the port is already in use" if error.errno == errno.EADDRINUSE else error.strerror or str(error)
    return ListenError(f"cannot listen on {host}:{port}: {reason} (set PORT or pass --port to use another)")


def ensure_port_free(host: str, port: int) -> None:
    """Try the port before anything starts, so a port in use is one clear line, not a traceback after the store
    and scheduler started. (The site binds again for real; losing that race still ends in `ListenError`.)"""
    if port == 0:
        return
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        raise listen_error(host, port, error) from None


def run_http(app: InsightsApp, *, host: str, port: int) -> None:
    """Serve HTTP mode until SIGTERM/SIGINT, then run the cleanup hooks (scheduler, clients)."""
    asyncio.run(serve_http(app, host=host, port=port))


async def serve_http(app: InsightsApp, *, host: str, port: int, stop: asyncio.Event | None = None) -> None:
    """HTTP mode on `host:port` with the limits of `bot.serving`, until `stop` is set or a signal arrives.

    A component that cannot start (the store, say) raises out of here after what did start is stopped.
    """
    ensure_port_free(host, port)
    stop = stop or _stop_on_signals()
    AcceptErrorLog(asyncio.get_running_loop()).install()
    runner = app_runner(app.web_application(), shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS)
    await runner.setup()  # on_startup: app.start()
    try:
        site = CappedSite(runner, host, port)
        try:
            await site.start()
        except OSError as error:
            raise listen_error(host, port, error) from None
        log.info(
            "app.listening",
            extra={"mode": "http", "host": host, "port": site.bound_port(), "max_connections": site.max_connections},
        )
        await stop.wait()
        log.info("app.stopping", extra={"mode": "http"})
    finally:
        await runner.cleanup()  # on_cleanup: app.stop()
    log.info("app.stopped", extra={"mode": "http"})


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def run_socket_mode(app: InsightsApp, *, app_token: str, health_port: int | None) -> None:
    """Connect over Socket Mode and run until SIGTERM/SIGINT; optionally serve `/healthz` and `/readyz`."""
    if health_port is not None:
        ensure_port_free("0.0.0.0", health_port)
    stop = _stop_on_signals()
    await app.start()
    handler = TimedSocketModeHandler(app.bolt, app_token=app_token)
    health_runner: web.AppRunner | None = None
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]  # untyped in slack_bolt
        log.info("app.connected", extra={"mode": "socket"})
        if health_port is not None:
            health_runner = await _serve_health(app, health_port)
            log.info("app.listening", extra={"mode": "socket", "port": health_port})
        await stop.wait()
        log.info("app.stopping", extra={"mode": "socket"})
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        if health_runner is not None:
            await health_runner.cleanup()
        await app.stop()
    log.info("app.stopped", extra={"mode": "socket"})


async def _serve_health(app: InsightsApp, port: int) -> web.AppRunner:
    health = web.Application()
    health.router.add_get(HEALTH_PATH, health_handler(app.health))
    health.router.add_get(METRICS_PATH, metrics_handler(app.update_metrics))
    health.router.add_get(READY_PATH, readiness_handler(app.readiness))
    runner = app_runner(health)
    await runner.setup()
    try:
        await CappedSite(runner, "0.0.0.0", port, max_connections=HEALTH_CONNECTIONS_MAX).start()
    except OSError as error:
        await runner.cleanup()
        raise listen_error("0.0.0.0", port, error) from None
    return runner
