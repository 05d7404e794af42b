"""What `/metrics` costs: the Slack trace hooks per call, one metric update, and a scrape of the running app.

Run: `uv run python benchmarks/bench_metrics.py [--calls 400] [--scrapes 50]`

Everything is on 127.0.0.1: the recording Slack stand-in and the simulated Devin org from `bot/sandbox`, and the
real app in HTTP mode (alert engine and SQLite store included, in a temporary directory). "Slack call" is
`auth.test` over one aiohttp session, with and without the trace hooks `shared_session()` adds; the
difference is what counting every Slack call costs. "Scrape" is `GET /metrics` after a burst of slash
commands, so every series the app exports exists; it includes the store read that refreshes the gauges.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time

import aiohttp
import httpx
from aiohttp import web

from bot import metrics
from bot.app import create_app
from bot.sandbox import SANDBOX_BOT_TOKEN, SANDBOX_CHANNEL_ID, SANDBOX_SIGNING_SECRET
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.devin_seed import SEED_WITH_ANALYSIS
from bot.sandbox.serve import sandbox_settings
from bot.sandbox.slack_api import REGULAR_USER_ID, SlackStandIn
from bot.sandbox.slack_requests import SlackRequestSender, slash_command
from bot.slack.client import slack_call_metrics

COMMANDS = 20
UPDATES = 100_000


async def slack_call_seconds(api_url: str, calls: int, *, traced: bool) -> list[float]:
    trace = [slack_call_metrics()] if traced else []
    headers = {"Authorization": f"Bearer {SANDBOX_BOT_TOKEN}"}
    async with aiohttp.ClientSession(trace_configs=trace) as session:
        await session.post(api_url + "auth.test", headers=headers)  # warm the connection
        samples = []
        for _ in range(calls):
            started = time.perf_counter()
            async with session.post(api_url + "auth.test", headers=headers) as response:
                await response.read()
            samples.append(time.perf_counter() - started)
    return samples


def update_seconds() -> float:
    """One labelled counter increment plus one histogram observation (what one Devin request records)."""
    started = time.perf_counter()
    for _ in range(UPDATES):
        metrics.DEVIN_REQUESTS.labels("/v3/self", "GET").inc()
        metrics.DEVIN_REQUEST_SECONDS.labels("/v3/self").observe(0.01)
    return (time.perf_counter() - started) / UPDATES


async def scrape_samples(
    devin: DevinSimulator, slack: SlackStandIn, workdir: str, scrapes: int
) -> tuple[list[float], int]:
    settings = sandbox_settings(
        devin.url, slack.api_url, f"sqlite:///{workdir}/bench.db", alert_channel=SANDBOX_CHANNEL_ID
    )
    app = create_app(settings)
    runner = web.AppRunner(app.web_application(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with SlackRequestSender(url, SANDBOX_SIGNING_SECRET) as sender, httpx.AsyncClient() as client:
            for _ in range(COMMANDS):
                fields = slash_command(
                    SEED_WITH_ANALYSIS, response_url=slack.response_url(), user_id=REGULAR_USER_ID,
                    channel_id=SANDBOX_CHANNEL_ID,
                )  # fmt: skip
                await sender.command(fields)
            await slack.wait_for("response_url", count=COMMANDS, timeout=30)
            samples, size = [], 0
            for _ in range(scrapes):
                started = time.perf_counter()
                response = await client.get(f"{url}/metrics")
                samples.append(time.perf_counter() - started)
                size = len(response.content)
    finally:
        await runner.cleanup()
    return samples, size


def ms(samples: list[float], q: float) -> str:
    ordered = sorted(samples)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.2f} ms"


async def main(calls: int, scrapes: int) -> None:
    async with DevinSimulator() as devin, SlackStandIn() as slack:
        plain = await slack_call_seconds(slack.api_url, calls, traced=False)
        traced = await slack_call_seconds(slack.api_url, calls, traced=True)
        with tempfile.TemporaryDirectory() as workdir:
            scrape, size = await scrape_samples(devin, slack, workdir, scrapes)
    overhead_us = (statistics.median(traced) - statistics.median(plain)) * 1e6
    print(f"{calls} Slack calls each way; {scrapes} scrapes after {COMMANDS} slash commands; all on 127.0.0.1.")
    print()
    print("| measurement | median | p95 |")
    print("|---|---:|---:|")
    print(f"| Slack call without trace hooks | {ms(plain, 0.5)} | {ms(plain, 0.95)} |")
    print(f"| Slack call with trace hooks | {ms(traced, 0.5)} | {ms(traced, 0.95)} |")
    print(f"| trace hooks per call (difference of medians) | {overhead_us:.0f} µs | |")
    print(f"| one Devin request's metric updates (counter + histogram) | {update_seconds() * 1e6:.1f} µs | |")
    print(f"| `GET /metrics` (gauges refreshed from the store) | {ms(scrape, 0.5)} | {ms(scrape, 0.95)} |")
    print(f"| `/metrics` body | {size:,} bytes | |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--scrapes", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.scrapes))
