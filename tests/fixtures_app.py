"""The whole app in HTTP mode over real HTTP, against the simulated Devin org and the Slack stand-in."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from bot.app import InsightsApp, create_app
from bot.config import Settings
from bot.devin.client import DevinClient
from bot.devin.retry import RetryPolicy
from bot.listeners.deps import InsightsTiming
from bot.sandbox import (
    SANDBOX_API_KEY,
    SANDBOX_CHANNEL_ID,
    SANDBOX_ORG_ID,
    SANDBOX_SIGNING_SECRET,
)
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.serve import sandbox_settings
from bot.sandbox.slack_api import REGULAR_USER_ID, SlackStandIn
from bot.sandbox.slack_requests import SlackHttpResult, SlackRequestSender, block_action, slash_command
from bot.serving import HEADER_TIMEOUT_SECONDS, CappedSite, app_runner

FAST_INSIGHTS = InsightsTiming(
    poll_interval=0.05, still_working_after=30.0, give_up_after=5.0, summary_notice_after=30.0
)  # a loaded test machine must not turn one summary reply into two
TEST_RETRY = RetryPolicy(budget_seconds=3.0, max_attempts=3, backoff_initial=0.01, backoff_max=0.05)


@dataclass
class RunningApp:
    """Handles on every moving part of one end-to-end test."""

    devin: DevinSimulator
    slack: SlackStandIn
    app: InsightsApp
    url: str
    sender: SlackRequestSender
    settings: Settings
    site: CappedSite

    async def command(self, text: str, **fields: Any) -> tuple[SlackHttpResult, str]:
        """Send `/devin-insights <text>`; returns the HTTP result and the response_url it carried."""
        hook = self.slack.response_url()
        payload = slash_command(
            text,
            response_url=hook,
            user_id=fields.pop("user_id", REGULAR_USER_ID),
            channel_id=fields.pop("channel_id", SANDBOX_CHANNEL_ID),
            **fields,
        )
        return await self.sender.command(payload), hook

    async def click(self, action_id: str, value: str, **fields: Any) -> tuple[SlackHttpResult, str]:
        """Click a button; returns the HTTP result and the response_url the payload carried."""
        hook = self.slack.response_url()
        payload = block_action(
            action_id,
            value,
            user_id=fields.pop("user_id", REGULAR_USER_ID),
            channel_id=fields.pop("channel_id", SANDBOX_CHANNEL_ID),
            response_url=hook,
            **fields,
        )
        return await self.sender.action(payload), hook

    async def settle(self, timeout: float = 10.0) -> None:
        """Await every listener still running (events and actions are acked before their listener finishes)."""
        assert await self.app.deps.inflight.wait_idle(timeout), f"listener(s) still running after {timeout}s"

    async def responses(self, hook: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The bodies posted to one response_url, awaited (never slept for)."""
        name = hook.rsplit("/", 1)[-1]
        calls = await self.slack.wait_for(
            "response_url", count=count, timeout=timeout, predicate=lambda call: call.hook == name
        )
        return [call.body for call in calls]


@asynccontextmanager
async def running_app(
    tmp_path: Any,
    *,
    timing: InsightsTiming = FAST_INSIGHTS,
    retry: RetryPolicy = TEST_RETRY,
    devin_kwargs: dict[str, Any] | None = None,
    with_alerts: bool = False,
    clock: Callable[[], float] = time.time,
    max_connections: int | None = None,
    header_timeout: float = HEADER_TIMEOUT_SECONDS,
    **overrides: Any,
) -> AsyncIterator[RunningApp]:
    """The app on a free port; `with_alerts` adds the alert engine (store, scheduler) as `devin-insights run` has it."""
    devin = DevinSimulator(**(devin_kwargs or {"insights_delay": 0.2}))
    slack = SlackStandIn()
    await devin.start()
    await slack.start()
    database_url = overrides.pop("database_url", f"sqlite:///{tmp_path}/store.db")
    settings = sandbox_settings(devin.url, slack.api_url, database_url, **overrides)
    client = DevinClient.create(api_url=devin.url, api_key=SANDBOX_API_KEY, org_id=SANDBOX_ORG_ID, retry=retry)
    app = create_app(settings, devin=client, with_alerts=with_alerts, insights_timing=timing, clock=clock)
    runner = app_runner(app.web_application(), header_timeout=header_timeout)
    await runner.setup()
    site = CappedSite(runner, "127.0.0.1", 0, max_connections=max_connections)
    await site.start()
    port = site.bound_port()
    url = f"http://127.0.0.1:{port}"
    sender = SlackRequestSender(url, SANDBOX_SIGNING_SECRET)
    try:
        yield RunningApp(devin=devin, slack=slack, app=app, url=url, sender=sender, settings=settings, site=site)
    finally:
        await sender.aclose()
        await runner.cleanup()
        await slack.stop()
        await devin.stop()


@pytest.fixture
async def live(tmp_path: Any) -> AsyncIterator[RunningApp]:
    async with running_app(tmp_path) as running:
        yield running
