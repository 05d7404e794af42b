"""A snoozed storm: what a storm of N suspensions costs when its reason is snoozed in the channel, and when not.

Run: `uv run python benchmarks/bench_quiet_storm.py [--sessions 500]`

The simulated Devin org holds N sessions, all suspended `out_of_credits` at once; the alert engine (SQLite in a
temporary directory, no people component) polls once and runs one delivery round, first with the reason not
snoozed, then with it snoozed for an hour in the channel. Counted: alert rows recorded, suspensions recorded as
suppressed, channel posts; timed: the poll and the delivery round (real per-channel pacing). Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from bot.alerts.engine import AlertEngine  # noqa: E402
from bot.config import DEFAULT_ALERT_REASONS  # noqa: E402
from bot.devin.client import DevinClient  # noqa: E402
from bot.sandbox import SANDBOX_API_KEY, SANDBOX_BOT_TOKEN, SANDBOX_CHANNEL_ID, SANDBOX_ORG_ID  # noqa: E402
from bot.sandbox.devin_org import DevinSimulator  # noqa: E402
from bot.sandbox.devin_seed import APP_URL  # noqa: E402
from bot.sandbox.slack_api import SlackStandIn  # noqa: E402
from bot.store import Store, quiet  # noqa: E402

REASON = "out_of_credits"


async def storm(sessions: int, *, snoozed: bool) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        async with DevinSimulator(seed=False) as devin_org, SlackStandIn() as slack_standin:
            for _ in range(sessions):
                devin_org.add_session(status="suspended", status_detail=REASON)
            devin = DevinClient.create(api_url=devin_org.url, api_key=SANDBOX_API_KEY, org_id=SANDBOX_ORG_ID)
            slack = AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=slack_standin.api_url)
            store = await Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
            if snoozed:
                async with store.transaction() as conn:
                    now = time.time()
                    await quiet.put_quiet(
                        conn, SANDBOX_CHANNEL_ID, REASON, until=now + 3600, by_user="U0BENCH", now=now
                    )
            engine = AlertEngine(
                devin, slack, store=store, app_url=APP_URL, default_channel=SANDBOX_CHANNEL_ID,
                default_reasons=DEFAULT_ALERT_REASONS, lookback_minutes=60,
            )  # fmt: skip
            try:
                started = time.perf_counter()
                poll = await engine.poll()
                polled = time.perf_counter() - started
                started = time.perf_counter()
                await engine.deliver()
                delivered = time.perf_counter() - started
                settings = await engine.channel_settings(SANDBOX_CHANNEL_ID)
            finally:
                await engine.stop()
                await store.aclose()
                await devin.aclose()
            posts = [c for c in slack_standin.calls_to("chat.postMessage") if c.ok]
            recorded = poll.alerts_recorded if poll is not None else 0
            state = "snoozed" if snoozed else "not snoozed"
            return (
                f"| {sessions:,} | {state} | {recorded:,} | {settings.suppressed:,} | {len(posts)} "
                f"| {polled:.2f} s | {delivered:.2f} s |"
            )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sessions", default="500", help="comma-separated storm sizes")
    args = parser.parse_args()
    lines = [
        "| suspensions | reason in the channel | alert rows | recorded as suppressed | channel posts | poll "
        "| delivery round |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for n in args.sessions.split(","):
        for snoozed in (False, True):
            lines.append(await storm(int(n), snoozed=snoozed))
    print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())
