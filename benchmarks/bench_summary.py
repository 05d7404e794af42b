"""Benchmark: `summary 30d` cost by org size (latency, Devin requests), and digests due together (1 vs 50 channels).

Run: `uv run python benchmarks/bench_summary.py [--sizes 100 2000 20000] [--channels 50]`.

The simulated org runs in a child process (this script with `--serve N [--spread]`), on loopback, with every
session created inside the window (the worst case for a 30-day summary) and carrying an analysis: once
*spread* evenly over the 30 days (as a real org's are; the concurrent slices of `bot/insights/listing.py`
share the work) and once as a *burst* one second apart (all in one slice: its pages are read one after
another). One run is what `/devin-insights summary 30d` does after its ack: fetch (the listing plus the
metrics and consumption parts, concurrently) and render the card. Each run uses a fresh source, so nothing
is cached.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from slack_sdk.web.async_client import AsyncWebClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from benchmarks.simulator_process import announce, start_server  # noqa: E402
from blocks.summary import summary_message  # noqa: E402
from bot.devin.client import DevinClient  # noqa: E402
from bot.devin.retry import BACKGROUND_RETRY  # noqa: E402
from bot.insights.engine import TeamEngine  # noqa: E402
from bot.insights.source import InsightsSource  # noqa: E402
from bot.sandbox import SANDBOX_API_KEY, SANDBOX_BOT_TOKEN, SANDBOX_ORG_ID  # noqa: E402
from bot.sandbox.devin_org import DevinSimulator, serve_forever  # noqa: E402
from bot.sandbox.devin_seed import analysis_feature  # noqa: E402
from bot.sandbox.slack_api import SlackStandIn  # noqa: E402
from bot.sandbox.slack_workspace import ChannelInfo  # noqa: E402
from bot.store import Store  # noqa: E402

DEFAULT_SIZES = (100, 2_000, 20_000)
DEFAULT_CHANNELS = 50
RUNS = 3
TARGET_REQUESTS_2000 = 30
TARGET_SECONDS_2000 = 5.0
WINDOW_SECONDS = 30 * 86_400


@dataclass(frozen=True)
class Run:
    seconds: float
    requests: int


def _client(url: str) -> DevinClient:
    return DevinClient.create(api_url=url, api_key=SANDBOX_API_KEY, org_id=SANDBOX_ORG_ID, retry=BACKGROUND_RETRY)


async def _requests(url: str, *, clear: bool = False) -> int:
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"}) as http:
        if clear:
            await http.delete("/_sandbox/requests")
            return 0
        return len((await http.get("/_sandbox/requests")).json()["items"])


async def summary_once(url: str) -> Run:
    client = _client(url)
    try:
        await _requests(url, clear=True)
        source = InsightsSource(client, alert_reasons=("out_of_credits",))
        started = time.perf_counter()
        figures = await source.last_days(30)
        summary_message(
            app_url="https://app.devin.ai", figures=figures, title="Devin: the last 30 days", shareable_days=30
        )
        seconds = time.perf_counter() - started
        return Run(seconds, await _requests(url))
    finally:
        await client.aclose()


async def channels_together(url: str, channels: int) -> Run:
    """`channels` digests due at the same minute, through the real TeamEngine: a SQLite store, the outbox,
    one tick recording and delivering them all to the recording Slack; they share one fetch from Devin."""
    client = _client(url)
    workdir = tempfile.mkdtemp(prefix="bench-digests-")
    now = [time.time()]
    try:
        async with SlackStandIn() as slack:
            ids = [f"C0BENCH{n:04d}" for n in range(channels)]
            for channel_id in ids:
                slack.workspace.channels[channel_id] = ChannelInfo(channel_id, channel_id.lower())
            store = await Store.open(f"sqlite:///{workdir}/bench.db")
            web = AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=slack.api_url)
            source = InsightsSource(client, alert_reasons=("out_of_credits",), clock=lambda: now[0])
            engine = TeamEngine(
                source, client, web, app_url="https://app.devin.ai", alert_channel=None, alert_reasons=(),
                store=store, clock=lambda: now[0], holder_id="bench",
            )  # fmt: skip
            due = datetime.fromtimestamp(now[0] + 120, UTC)
            for channel_id in ids:
                await engine.schedule_digest(
                    channel_id, cadence="daily", weekday=None, hour=due.hour, minute=due.minute, tz="UTC", user_id="U1"
                )
            await _requests(url, clear=True)
            now[0] += 180
            started = time.perf_counter()
            report = await engine.tick_digests()
            seconds = time.perf_counter() - started
            await store.aclose()
            if report.posted != channels:
                raise SystemExit(f"posted {report.posted} digests, expected {channels}")
            return Run(seconds, await _requests(url))
    finally:
        await client.aclose()
        shutil.rmtree(workdir, ignore_errors=True)


def serve(sessions: int, *, spread: bool) -> None:
    every = (WINDOW_SECONDS - 60) // sessions if spread else 1

    def ready(simulator: DevinSimulator) -> None:
        simulator.add_many(sessions, every=every, acus_consumed=2.5, analysis=analysis_feature(), status="exit")
        announce(simulator.url)

    try:
        asyncio.run(serve_forever(seed=False, ready=ready))
    except KeyboardInterrupt:
        pass


def measure(size: int, channels: int, *, spread: bool) -> tuple[Run, Run | None, Run | None]:
    child, url = start_server(__file__, size, *(["--spread"] if spread else []))
    try:
        asyncio.run(summary_once(url))  # warm-up
        runs = [asyncio.run(summary_once(url)) for _ in range(RUNS)]
        median = Run(statistics.median(r.seconds for r in runs), runs[-1].requests)
        one = many = None
        if not spread and (size == DEFAULT_SIZES[1] or size == min(DEFAULT_SIZES)):
            one = asyncio.run(channels_together(url, 1))
            many = asyncio.run(channels_together(url, channels))
        return median, one, many
    finally:
        child.terminate()
        child.wait(timeout=10)
        if child.stdout is not None:
            child.stdout.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--channels", type=int, default=DEFAULT_CHANNELS)
    parser.add_argument("--serve", type=int, metavar="N", help=argparse.SUPPRESS)
    parser.add_argument("--spread", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve is not None:
        serve(args.serve, spread=args.spread)
        return
    rows, digest_rows = [], []
    for size in args.sizes:
        spread, _, _ = measure(size, args.channels, spread=True)
        run, one, many = measure(size, args.channels, spread=False)
        rows.append(
            f"| {size:,} | {spread.requests} | {spread.seconds * 1000:,.0f} ms"
            f" | {run.requests} | {run.seconds * 1000:,.0f} ms |"
        )
        if one is not None and many is not None:
            digest_rows.append(f"| {size:,} | 1 | {one.requests} | {one.seconds * 1000:,.0f} ms |")
            digest_rows.append(f"| {size:,} | {args.channels} | {many.requests} | {many.seconds * 1000:,.0f} ms |")
    print(f"## Team summary cost by org size (Python {platform.python_version()}, median of {RUNS})\n")
    print(
        "| sessions in the 30 days | spread: Devin requests | spread: summary 30d (fetch + render)"
        " | burst: Devin requests | burst: summary 30d |"
    )
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nTarget: 2,000 sessions in ≤ {TARGET_REQUESTS_2000} requests and a few seconds.\n")
    print("| sessions | channels due together | Devin requests | one tick: record, fetch, render, post all |")
    print("|---|---|---|---|")
    print("\n".join(digest_rows))


if __name__ == "__main__":
    main()
