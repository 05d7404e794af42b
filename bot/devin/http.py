"""One logical request to the Devin API: retries within a budget, per-attempt timeouts, metrics, and every
failure mapped to a DevinError with the key scrubbed out; the one shared httpx client it goes through."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

import httpx
from httpx_aiohttp import AiohttpTransport

from bot import APP_NAME, __version__, metrics
from bot.devin.errors import (
    DevinConnectionError,
    DevinError,
    DevinInvalidResponseError,
    DevinStatusError,
    DevinTimeoutError,
)
from bot.devin.parsing import refused_or_dropped, without_lone_surrogates
from bot.devin.retry import RetryPolicy, Sleep, retrying

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=32)
"""Enough for about 100 concurrent lookups: the pool, not Devin, capped throughput at 32 (benchmarks)."""
USER_AGENT = f"{APP_NAME}/{__version__} (+slack-app; httpx/{httpx.__version__})"


def shared_http_client(api_url: str, api_key: str, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
    """The one httpx client every Devin call shares (timeouts, pool limits, auth, User-Agent)."""
    if transport is None:
        # aiohttp underneath: the same requests for about a third of httpcore's CPU per call, which
        # keeps the event loop free to ack Slack promptly under load (docs/benchmarks.md).
        transport = AiohttpTransport(limits=DEFAULT_LIMITS)
    return httpx.AsyncClient(
        base_url=api_url,
        headers={"Authorization": f"Bearer {api_key}", "User-Agent": USER_AGENT, "Accept": "application/json"},
        timeout=DEFAULT_TIMEOUT,
        limits=DEFAULT_LIMITS,
        transport=transport,
        follow_redirects=False,
    )


class DevinRequests:
    """Requests on the shared client under one retry policy; `DevinClient` builds its endpoints on it."""

    def __init__(self, http: httpx.AsyncClient, retry: RetryPolicy, sleep: Sleep = asyncio.sleep) -> None:
        self._http, self._retry, self._sleep = http, retry, sleep

    def with_retry(self, retry: RetryPolicy) -> DevinRequests:
        """The same connection pool with another retry policy."""
        return DevinRequests(self._http, retry, self._sleep)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        idempotent: bool = True,
        raw: bool = False,
    ) -> Any:
        """Send one logical request with retries; map every failure to a DevinError."""
        policy = self._retry
        started = time.monotonic()
        deadline = started + policy.budget_seconds
        endpoint = metrics.devin_endpoint(path)
        metrics.DEVIN_REQUESTS.labels(endpoint, method).inc()
        try:
            async for attempt in retrying(policy, idempotent=idempotent, sleep=self._sleep):
                with attempt:
                    return await self._send_once(method, path, params, deadline, raw=raw)
        except DevinError as error:
            metrics.DEVIN_REQUEST_ERRORS.labels(endpoint, method, type(error).__name__).inc()
            self._scrub(error)
            log.warning(
                "devin.request.failed",
                extra={"method": method, "path": path, "status": error.status, "error": type(error).__name__},
            )
            raise
        finally:
            metrics.DEVIN_REQUEST_SECONDS.labels(endpoint).observe(time.monotonic() - started)
        raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover

    def _scrub(self, error: DevinError) -> None:
        """Remove the key from an error in case a proxy or the API echoed it back in an error body."""
        key = self._http.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not key:
            return
        error.args = tuple(arg.replace(key, "[redacted]") if isinstance(arg, str) else arg for arg in error.args)
        if error.detail:
            error.detail = error.detail.replace(key, "[redacted]")

    async def _send_once(
        self, method: str, path: str, params: Mapping[str, Any] | None, deadline: float, *, raw: bool = False
    ) -> Any:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DevinTimeoutError(f"{method} {path}: retry budget used up", method=method, path=path)
        timeout = httpx.Timeout(
            min(DEFAULT_TIMEOUT.read or remaining, remaining),
            connect=min(DEFAULT_TIMEOUT.connect or remaining, remaining),
        )
        try:
            response = await self._http.request(method, path, params=params, timeout=timeout)
        except httpx.TimeoutException as exc:
            if refused_or_dropped(exc):
                raise DevinConnectionError(f"{method} {path}: connection failed", method=method, path=path) from exc
            raise DevinTimeoutError(f"{method} {path} timed out", method=method, path=path) from exc
        except httpx.TransportError as exc:
            # The exception's text names the host, never the headers, so it cannot carry the key.
            raise DevinConnectionError(f"{method} {path}: {type(exc).__name__}", method=method, path=path) from exc
        if response.is_error:
            raise DevinStatusError.from_response(response)
        if raw:
            return response.content
        try:
            return without_lone_surrogates(response.json())
        except ValueError as exc:
            raise DevinInvalidResponseError(
                f"{method} {path}: the answer is not JSON", method=method, path=path, status=response.status_code
            ) from exc
