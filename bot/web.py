"""The HTTP surface: Slack's one request URL (signature verified before anything is parsed), liveness
(`/healthz`, from memory) and readiness (`/readyz`, a bounded database check)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot import metrics
from bot.slack.payloads import is_dispatchable

log = logging.getLogger(__name__)

SLACK_EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
READY_PATH = "/readyz"
REQUEST_BODY_MAX = 512 * 1024
"""Slack's largest payloads (block actions carrying a 50-block message) stay well under this."""
METRICS_REFRESH_SECONDS = 2.0
"""How long a scrape waits for the gauges read from the store."""
BODY_TIMEOUT_SECONDS = 10.0
"""From a complete request head to the whole body (the head's own deadline is in `bot.serving`)."""

Health = Callable[[], Awaitable[dict[str, Any]]]
Readiness = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]


def slack_events_handler(bolt: AsyncApp, signing_secret: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    """POST /slack/events: verify, refuse junk with 400, hand the rest to Bolt."""
    verifier = SignatureVerifier(signing_secret)

    async def slack_events(request: web.Request) -> web.Response:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(BODY_TIMEOUT_SECONDS):
                body = (await request.read()).decode("utf-8")
        except UnicodeDecodeError:
            return web.Response(status=400, text="malformed request")
        except TimeoutError:  # a body trickling in holds a connection; Slack sends its whole body at once
            log.info("slack.request.slow_body")
            return web.Response(status=408, text="request body too slow")
        # Verify before parsing: anyone can reach this URL, and junk must cost a 401, not a parser
        # traceback (Bolt parses the body and builds its context before its own signature check,
        # which still runs).
        if not has_valid_signature(verifier, body, request.headers):
            metrics.SLACK_REQUESTS_REJECTED.labels("signature").inc()
            log.warning("slack.request.rejected", extra=rejection_context(request.headers, request.remote))
            return web.Response(status=401, text="invalid request signature")
        try:
            bolt_request = AsyncBoltRequest(
                body=body,
                query=request.query_string,
                headers=request.headers,  # type: ignore[arg-type]
            )
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError) as error:
            log.info("slack.request.malformed", extra={"error": type(error).__name__})
            metrics.SLACK_REQUESTS_REJECTED.labels("malformed").inc()
            return web.Response(status=400, text="malformed request")
        if not is_dispatchable(bolt_request.body):
            log.info("slack.request.malformed", extra={"error": "shape"})
            metrics.SLACK_REQUESTS_REJECTED.labels("malformed").inc()
            return web.Response(status=400, text="malformed request")
        response = await bolt.async_dispatch(bolt_request)  # returns once the listener has acked
        metrics.SLACK_ACK_SECONDS.labels(request_kind(bolt_request.body)).observe(time.perf_counter() - started)
        return await to_aiohttp_response(response)

    return slack_events


def request_kind(body: Mapping[str, Any]) -> str:
    """`command`, or the payload's `type` (`block_actions`, `event_callback`…): the ack histogram's label."""
    return "command" if "command" in body else metrics.label(body.get("type") or "unknown")


def metrics_handler(refresh: Callable[[], Awaitable[None]]) -> Callable[[web.Request], Awaitable[web.Response]]:
    """GET /metrics: the Prometheus text format; `refresh` first updates the gauges read from the store.

    The refresh gets METRICS_REFRESH_SECONDS and runs one at a time: with the database slow or gone, a
    scrape still answers (those gauges keep their last values) and scrapes do not pile up queries.
    """
    pending: list[asyncio.Future[None]] = []

    async def metrics_endpoint(_: web.Request) -> web.Response:
        if not pending or pending[0].done():
            pending[:] = [asyncio.ensure_future(refresh())]
            pending[0].add_done_callback(_log_refresh_failure)
        await asyncio.wait(pending, timeout=METRICS_REFRESH_SECONDS)
        body, content_type = metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    return metrics_endpoint


def _log_refresh_failure(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and (error := future.exception()) is not None:
        log.warning("metrics.refresh_failed", extra={"error": type(error).__name__})


def health_handler(health: Health) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def healthz(_: web.Request) -> web.Response:
        return web.json_response(await health())

    return healthz


def readiness_handler(readiness: Readiness) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def readyz(_: web.Request) -> web.Response:
        ready, report = await readiness()
        return web.json_response(report, status=200 if ready else 503)

    return readyz


def rejection_context(headers: Mapping[str, str], remote: str | None) -> dict[str, Any]:
    """What helps tell a wrong SLACK_SIGNING_SECRET (fresh, signed requests fail) from a replay or a stranger
    (old or unsigned ones): never the signature, the secret or the body."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    age = int(time.time()) - int(timestamp) if timestamp.isdigit() else None
    return {
        "reason": "signature",
        "signed": bool(headers.get("X-Slack-Signature")),
        "age_seconds": age,
        "remote": remote,
    }


def has_valid_signature(verifier: SignatureVerifier, body: str, headers: Mapping[str, str]) -> bool:
    """slack_sdk's v0 signature check, made total: it raises on a non-numeric timestamp or a
    non-ASCII signature; here those are simply invalid."""
    try:
        return verifier.is_valid(
            body=body,
            timestamp=headers.get("X-Slack-Request-Timestamp", ""),
            signature=headers.get("X-Slack-Signature", ""),
        )
    except (ValueError, TypeError):
        return False
