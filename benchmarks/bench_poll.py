"""Poll cost by org size: the first (baseline) poll and idle polls, against the simulated Devin org.

Run: `uv run python benchmarks/bench_poll.py [--sizes 100,2000,20000] [--idle-polls 5]`

Each org is filled with `add_many` (sessions updated one second apart, ending now, all running), served
over real HTTP on 127.0.0.1, and polled by `AlertEngine.poll()` with a SQLite store in a temporary
directory. "Baseline" is the first poll with the default 60-minute lookback (it sees the last hour of
changes, at most 3,600 of these sessions); "full history" is a first poll whose lookback covers the
whole org, the worst case. "Idle" polls follow with nothing changing: the target is one request each,
whatever the org's size. Times are wall-clock seconds on this machine, Devin simulator included.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.engine import AlertEngine
from bot.devin.client import DevinClient
from bot.sandbox import SANDBOX_API_KEY, SANDBOX_BOT_TOKEN, SANDBOX_ORG_ID
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.devin_seed import APP_URL
from bot.store import Store

DEFAULT_SIZES = (100, 2_000, 20_000)
DEFAULT_LOOKBACK_MINUTES = 60
UNUSED_SLACK_URL = "http://127.0.0.1:9/api/"
"""Nothing is suspended, so nothing is posted; the client is never called."""


@dataclass
class PollCost:
    requests: int
    seconds: float


@dataclass
class Row:
    sessions: int
    baseline: PollCost
    full: PollCost
    idle: list[PollCost]


@dataclass
class Rig:
    """One app instance's alert engine: store, Devin client and service, closed together."""

    store: Store
    devin: DevinClient
    service: AlertEngine

    @classmethod
    async def open(cls, org: DevinSimulator, db: Path, *, lookback_minutes: int) -> Rig:
        store = await Store.open(f"sqlite:///{db}")
        devin = DevinClient.create(
            api_url=org.url,
            api_key=SANDBOX_API_KEY,
            org_id=SANDBOX_ORG_ID,
            transport=httpx.AsyncHTTPTransport(verify=False),
        )
        slack = AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=UNUSED_SLACK_URL)
        service = AlertEngine(
            devin,
            slack,
            store=store,
            default_channel=None,
            default_reasons=(),
            lookback_minutes=lookback_minutes,
            app_url=APP_URL,
        )
        return cls(store, devin, service)

    async def poll(self, org: DevinSimulator) -> PollCost:
        """One poll, with the requests it sent and its wall-clock time."""
        org.clear_requests()
        started = time.perf_counter()
        report = await self.service.poll()
        elapsed = time.perf_counter() - started
        if report is None or not report.complete:
            raise RuntimeError(f"poll did not complete: {report}")
        return PollCost(len(org.requests), elapsed)

    async def aclose(self) -> None:
        await self.service.stop()
        await self.store.aclose()
        await self.devin.aclose()


async def measure(size: int, idle_polls: int, workdir: Path) -> Row:
    org = DevinSimulator(seed=False)
    org.add_many(size, status="running", status_detail="working")
    await org.start()
    try:
        rig = await Rig.open(org, workdir / "baseline.db", lookback_minutes=DEFAULT_LOOKBACK_MINUTES)
        try:
            baseline = await rig.poll(org)
            idle = [await rig.poll(org) for _ in range(idle_polls)]
        finally:
            await rig.aclose()
        whole = await Rig.open(org, workdir / "full.db", lookback_minutes=math.ceil(size / 60) + 10)
        try:
            full = await whole.poll(org)
        finally:
            await whole.aclose()
    finally:
        await org.stop()
    return Row(size, baseline, full, idle)


def table(rows: list[Row]) -> str:
    lines = [
        "| sessions | first poll (60 min lookback) | first poll (all history) | idle poll requests | idle poll time |",
        "|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        idle_requests = sorted({cost.requests for cost in row.idle})
        idle_time = statistics.median(cost.seconds for cost in row.idle)
        lines.append(
            f"| {row.sessions:,} | {row.baseline.requests} req, {row.baseline.seconds:.2f} s "
            f"| {row.full.requests} req, {row.full.seconds:.2f} s "
            f"| {'/'.join(map(str, idle_requests))} per poll | {idle_time * 1000:.0f} ms (median) |"
        )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="comma-separated org sizes")
    parser.add_argument("--idle-polls", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(part) for part in args.sizes.split(",") if part]
    with tempfile.TemporaryDirectory(prefix="bench-poll-") as tmp:
        rows = []
        for size in sizes:
            workdir = Path(tmp) / str(size)
            workdir.mkdir()
            rows.append(await measure(size, args.idle_polls, workdir))
    print(table(rows))


if __name__ == "__main__":
    asyncio.run(main())
