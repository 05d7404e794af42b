"""The fast tier's world: listener dependencies on a MockTransport Devin and an `AsyncMock(spec=AsyncWebClient)` Slack.

No server, no port, no store: a handler is called directly, and the test reads what it sent through the
mocks' `await_args`. The Devin stand-in answers from a dict of session id → insights JSON and raises on any
route it does not know, so a test can never reach a real network by accident.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from unittest.mock import AsyncMock

import httpx
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import create_app
from bot.config import Settings
from bot.devin.client import DevinClient
from bot.devin.retry import RetryPolicy
from bot.listeners.deps import AppDeps
from bot.sandbox import SANDBOX_API_KEY, SANDBOX_BOT_TOKEN, SANDBOX_ORG_ID, SANDBOX_SIGNING_SECRET

API = "https://devin.test"
NO_RETRY = RetryPolicy(budget_seconds=0.5, max_attempts=1, backoff_initial=0.0, backoff_max=0.0)


@dataclass
class FakeDevin:
    """Routes GET …/sessions/{id} and …/sessions/{id}/insights to `sessions`; anything else fails the test."""

    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    status: int | None = None
    """Answer every request with this status instead (a Devin failure)."""
    requests: list[str] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests.append(f"{request.method} {path}")
        if self.status is not None:
            return httpx.Response(self.status, json={"detail": "injected"})
        prefix = f"/v3/organizations/{SANDBOX_ORG_ID}/sessions/"
        if request.method != "GET" or not path.startswith(prefix):
            raise AssertionError(f"unexpected Devin route {request.method} {path}")
        session_id, _, rest = path[len(prefix) :].partition("/")
        if rest not in ("", "insights"):
            raise AssertionError(f"unexpected Devin route {request.method} {path}")
        body = self.sessions.get(session_id)
        if body is None:
            return httpx.Response(404, json={"detail": "Session not found"})
        return httpx.Response(200, content=json.dumps(body))


@dataclass
class UnitWorld:
    deps: AppDeps
    devin: FakeDevin
    slack: Any
    """An `AsyncMock(spec=AsyncWebClient)`."""
    respond: AsyncMock
    ack: AsyncMock

    def responses(self) -> list[dict[str, Any]]:
        return [call.kwargs for call in self.respond.await_args_list]


def unit_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": SANDBOX_BOT_TOKEN,
        "slack_signing_secret": SANDBOX_SIGNING_SECRET,
        "devin_api_key": SANDBOX_API_KEY,
        "devin_org_id": SANDBOX_ORG_ID,
        "devin_api_url": API,
    }
    return Settings(**(values | overrides))


@pytest.fixture
def unit_settings_overrides() -> dict[str, Any]:
    """Override in a test module (or parametrize) to change the settings of `unit`."""
    return {}


@pytest.fixture
async def unit(unit_settings_overrides: dict[str, Any]) -> AsyncIterator[UnitWorld]:
    devin = FakeDevin()
    client = DevinClient.create(
        api_url=API,
        api_key=SANDBOX_API_KEY,
        org_id=SANDBOX_ORG_ID,
        retry=NO_RETRY,
        transport=httpx.MockTransport(devin.handler),
    )
    slack = AsyncMock(spec=AsyncWebClient)
    # Attributes Bolt reads when it is built (spec'd mocks have the methods, not instance attributes).
    slack.token, slack.base_url, slack.session = SANDBOX_BOT_TOKEN, "https://slack.test/api/", None
    settings = unit_settings(**unit_settings_overrides)
    # The real composition root, without the alert engine, on the fakes.
    deps = create_app(settings, devin=client, slack=slack, with_alerts=False).deps
    # Names on cards have their own tests (tests/test_people_*.py); here a card shows the Devin id.
    deps.people = None
    try:
        yield UnitWorld(deps=deps, devin=devin, slack=slack, respond=AsyncMock(), ack=AsyncMock())
    finally:
        await client.aclose()
