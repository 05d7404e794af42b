"""Pytest fixtures for the simulated Devin org (registered suite-wide by `pytest_plugins` in tests/conftest.py).

- `devin_clock`: a ManualClock the simulator reads (starts at the real time, moves only when told).
- `devin_sim`: a started, seeded DevinSimulator on 127.0.0.1:<ephemeral>, stopped after the test.
- `devin_sleep`: the RecordingSleep the client's retries use (no real waiting; `.waits` lists them).
- `devin_client`: a DevinClient with the sandbox key pointed at `devin_sim`, closed after the test.

`local_devin_client()` builds more clients like `devin_client` (another key, org or retry policy).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.devin.client import DevinClient
from bot.devin.http import DEFAULT_LIMITS
from bot.devin.retry import INTERACTIVE_RETRY, RetryPolicy, Sleep
from bot.sandbox import SANDBOX_API_KEY, SANDBOX_ORG_ID
from bot.sandbox.devin_org import DevinSimulator

INSIGHTS_DELAY = 30.0
"""Seconds (on `devin_clock`) that a generation takes in `devin_sim`; advance the clock to finish one."""


class ManualClock:
    """A clock for the simulator that moves only when a test says so (no sleeping, no flakiness)."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


class RecordingSleep:
    """Stands in for `asyncio.sleep` in the client: records each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def local_devin_client(
    url: str,
    *,
    api_key: str = SANDBOX_API_KEY,
    org_id: str = SANDBOX_ORG_ID,
    retry: RetryPolicy = INTERACTIVE_RETRY,
    sleep: Sleep | None = None,
) -> DevinClient:
    """`DevinClient.create` as a deployment calls it, minus the CA bundle load.

    The simulator speaks plain HTTP on 127.0.0.1, so TLS never comes into play; loading certifi's bundle
    would only add ~0.1 s to every test that builds a client.
    """
    transport = httpx.AsyncHTTPTransport(verify=False, limits=DEFAULT_LIMITS)
    return DevinClient.create(
        api_url=url, api_key=api_key, org_id=org_id, retry=retry, transport=transport, sleep=sleep or RecordingSleep()
    )


@pytest.fixture
def devin_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def devin_sim(devin_clock: ManualClock) -> AsyncIterator[DevinSimulator]:
    """The seeded sandbox org, served over real HTTP on an ephemeral port."""
    async with DevinSimulator(insights_delay=INSIGHTS_DELAY, clock=devin_clock) as simulator:
        yield simulator


@pytest.fixture
def devin_sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
async def devin_client(devin_sim: DevinSimulator, devin_sleep: RecordingSleep) -> AsyncIterator[DevinClient]:
    """The production client (headers, timeouts, retries as deployed; plain HTTP) against `devin_sim`."""
    client = local_devin_client(devin_sim.url, sleep=devin_sleep)
    try:
        yield client
    finally:
        await client.aclose()
