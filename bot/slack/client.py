"""The Slack Web API client and the one aiohttp session every Slack call shares; timeouts and retries named once."""

from __future__ import annotations

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings

SLACK_TIMEOUT_SECONDS = 10
"""One Web API call or `response_url` reply, end to end."""
SLACK_CONNECT_TIMEOUT_SECONDS = 5.0
SLACK_RETRY_COUNT = 2
"""Retries for 429s, 5xx and connection resets on each Web API call (slack_sdk's own handlers)."""


def slack_web_client(settings: Settings) -> AsyncWebClient:
    """The Web API client every listener and the alert delivery share."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT_SECONDS,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=SLACK_RETRY_COUNT),
            AsyncRateLimitErrorRetryHandler(max_retry_count=SLACK_RETRY_COUNT),
            AsyncServerErrorRetryHandler(max_retry_count=SLACK_RETRY_COUNT),
        ],
    )


def shared_session() -> aiohttp.ClientSession:
    """The session for every Slack call: slack_sdk otherwise opens (and closes) one per call, which costs
    milliseconds of CPU on the loop that also acks Slack (see docs/benchmarks.md). Create it inside the loop."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=SLACK_TIMEOUT_SECONDS, connect=SLACK_CONNECT_TIMEOUT_SECONDS)
    )
