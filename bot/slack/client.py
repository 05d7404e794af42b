"""The Slack Web API client and the one aiohttp session every Slack call shares; timeouts and retries named once.

The timeout of one call is a setting (`SLACK_TIMEOUT_SECONDS`): the client carries it, and the shared
session and `response_url` replies take it from the client."""

from __future__ import annotations

import json
from types import SimpleNamespace

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.config import Settings

SLACK_CONNECT_TIMEOUT_SECONDS = 5.0
"""Opening a connection to Slack; never longer than the whole call (`SLACK_TIMEOUT_SECONDS`)."""
SLACK_RETRY_COUNT = 2
"""Retries for 429s, 5xx and connection resets on each Web API call (slack_sdk's own handlers)."""


def slack_web_client(settings: Settings) -> AsyncWebClient:
    """The Web API client every listener and the alert delivery share."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=settings.slack_timeout_seconds,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=SLACK_RETRY_COUNT),
            AsyncRateLimitErrorRetryHandler(max_retry_count=SLACK_RETRY_COUNT),
            AsyncServerErrorRetryHandler(max_retry_count=SLACK_RETRY_COUNT),
        ],
    )


def without_retries(slack: AsyncWebClient) -> AsyncWebClient:
    """The same client (token, base URL, timeout, shared session) without slack_sdk's retry handlers: for the
    outboxes (alerts, team posts, DMs), which claim a row, post once, and decide about every retry themselves.

    The handlers' retries happen inside one call: a 429 handler sleeps `Retry-After` inside the delivery
    claim (another replica then takes the row over and both post), and a connection-error retry
    re-sends a post Slack may already have accepted.
    """
    return AsyncWebClient(
        token=slack.token,
        base_url=slack.base_url,
        timeout=slack.timeout,
        ssl=slack.ssl,
        proxy=slack.proxy,
        session=slack.session,
        headers=dict(slack.headers),
        retry_handlers=[],
    )


HOOK_METHOD = "response_url"
API_PATH_MARK = "/api/"


def shared_session(timeout_seconds: float) -> aiohttp.ClientSession:
    """The session for every Slack call: slack_sdk otherwise opens (and closes) one per call, which costs
    milliseconds of CPU on the loop that also acks Slack (see docs/benchmarks.md). Create it inside the loop.

    Every call on it is counted (`metrics.SLACK_CALLS`/`SLACK_CALL_ERRORS`): Bolt builds a fresh
    `AsyncWebClient` per request, but they all share this session, so its trace hooks see every call.
    `timeout_seconds` is the client's (slack_sdk applies its own timeout only to sessions it opens itself)."""
    connect = min(SLACK_CONNECT_TIMEOUT_SECONDS, timeout_seconds)
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout_seconds, connect=connect),
        trace_configs=[slack_call_metrics()],
    )


def slack_call_metrics() -> aiohttp.TraceConfig:
    """Trace hooks that count Slack calls by method and failures by Slack's error code."""
    trace = aiohttp.TraceConfig()

    async def on_end(_: aiohttp.ClientSession, __: SimpleNamespace, params: aiohttp.TraceRequestEndParams) -> None:
        method = slack_method(params.url.path)
        metrics.SLACK_CALLS.labels(method).inc()
        error = await _error_of(params.response, hook=method == HOOK_METHOD)
        if error is not None:
            metrics.SLACK_CALL_ERRORS.labels(method, metrics.label(error)).inc()

    async def on_exception(
        _: aiohttp.ClientSession, __: SimpleNamespace, params: aiohttp.TraceRequestExceptionParams
    ) -> None:
        method = slack_method(params.url.path)
        metrics.SLACK_CALLS.labels(method).inc()
        metrics.SLACK_CALL_ERRORS.labels(method, type(params.exception).__name__).inc()

    trace.on_request_end.append(on_end)
    trace.on_request_exception.append(on_exception)
    return trace


def slack_method(path: str) -> str:
    """`chat.postMessage` for a Web API path; `response_url` for anything else (hooks)."""
    head, mark, method = path.rpartition(API_PATH_MARK)
    return metrics.label(method) if mark else HOOK_METHOD


async def _error_of(response: aiohttp.ClientResponse, *, hook: bool) -> str | None:
    """Slack's error for one answer. Reading the body here is free: aiohttp keeps it for slack_sdk's own read."""
    if hook:
        if response.status == 200:
            return None
        text = (await response.text()).strip()  # Slack's hooks answer `used_url`, `expired_url`…
        return text if metrics.label(text) != metrics.OTHER else f"http_{response.status}"
    if response.status != 200:
        return f"http_{response.status}"
    try:
        body = json.loads(await response.read())
    except (ValueError, aiohttp.ClientError):
        return "unreadable_answer"
    if isinstance(body, dict) and body.get("ok") is False:
        return str(body.get("error") or "unknown")
    return None
