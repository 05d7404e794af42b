"""Pytest fixtures for the recording Slack stand-in; enable with `pytest_plugins = ["tests.fixtures_slack"]`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SANDBOX_BOT_TOKEN
from bot.sandbox.slack_api import SlackStandIn


@pytest.fixture
async def slack_standin() -> AsyncIterator[SlackStandIn]:
    """A started stand-in on an ephemeral 127.0.0.1 port, stopped after the test."""
    standin = SlackStandIn()
    await standin.start()
    try:
        yield standin
    finally:
        await standin.stop()


@pytest.fixture
def slack_web_client(slack_standin: SlackStandIn) -> AsyncWebClient:
    """An AsyncWebClient with the sandbox bot token pointed at the stand-in (one aiohttp session per call)."""
    return AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=slack_standin.api_url)
