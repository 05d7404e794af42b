"""Benchmark: time from a session's suspension (out of credits) to its alert arriving in Slack.

Run: `uv run python benchmarks/bench_alert_latency.py [--suspensions 10] [--poll-seconds 1]`.

Suspensions happen one at a time, each after the previous alert arrived plus a pause that varies by a fifth
of the poll interval, so they land at different points of the poll cycle and never group into a storm.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from benchmarks.common import World, app_up, scratch_dir, world_up  # noqa: E402
from benchmarks.report import BenchResult, Headline, cli_main, ms, percentile, placement, table  # noqa: E402
from bot.sandbox import SANDBOX_CHANNEL_ID  # noqa: E402

REASON = "out_of_credits"
PHASES = 5
"""Pauses between suspensions step through this many fractions of the poll interval."""
TICK_BUDGET_SECONDS = 0.5
"""Expected worst case: one full poll interval plus one poll-and-deliver tick."""


@dataclass(frozen=True)
class Options:
    suspensions: int = 10
    poll_seconds: int = 1

    @classmethod
    def quick(cls) -> Options:
        return cls(suspensions=2)


async def run(options: Options, *, in_process: bool = False) -> BenchResult:
    # Lookback 0: the seeded org's older suspensions stay out of it (their alerts would queue ahead of ours).
    env = {"ALERT_POLL_SECONDS": str(options.poll_seconds), "ALERT_LOOKBACK_MINUTES": "0"}
    async with scratch_dir() as workdir, world_up(in_process=in_process, workdir=workdir) as world:
        ids = await world.add_sessions(options.suspensions, {"status": "running", "status_detail": "working"})
        async with app_up(world, workdir, in_process=in_process, env=env):
            latencies = [await _suspend(world, session_id, options) for session_id in ids[:1]]
            for index, session_id in enumerate(ids[1:]):
                pause = options.poll_seconds * (1 + (index % PHASES) / PHASES)
                await asyncio.sleep(pause)  # pacing, not waiting for anything: moves the suspension's phase
                latencies.append(await _suspend(world, session_id, options))
    return _result(options, latencies, in_process)


async def _suspend(world: World, session_id: str, options: Options) -> float:
    """Suspend one session; seconds until the alert (a top-level message in the alert channel) arrives."""
    at = await world.set_status(session_id, "suspended", REASON)
    timeout = options.poll_seconds * 5 + 30
    where = {"channel": SANDBOX_CHANNEL_ID, "thread_ts": None}
    (alert,) = await world.wait_calls("chat.postMessage", 1, since=at, where=where, timeout=timeout)
    elapsed: float = alert["at"] - at
    return elapsed


def _result(options: Options, latencies: list[float], in_process: bool) -> BenchResult:
    rows = [
        ("p50", ms(percentile(latencies, 50))),
        ("p90", ms(percentile(latencies, 90))),
        ("max", ms(max(latencies))),
        ("min", ms(min(latencies))),
    ]
    setup = (
        f"`ALERT_POLL_SECONDS={options.poll_seconds}`; {options.suspensions} sessions moved to suspended / "
        f"`{REASON}` one at a time in the simulated org. Measured from the change in the org to the alert's "
        f"`chat.postMessage` arriving at the Slack stand-in. {placement(in_process)}"
    )
    budget = options.poll_seconds + TICK_BUDGET_SECONDS
    worst = max(latencies)
    headlines = [
        Headline("alert latency p50", ms(percentile(latencies, 50)), f"≈ {options.poll_seconds / 2:g} s + one tick"),
        Headline("alert latency max", ms(worst), f"≤ {budget:g} s (interval + one tick)", worst <= budget),
    ]
    data = {"options": options.__dict__, "latency_seconds": latencies}
    return BenchResult(
        "alerts", "Suspension alert latency", setup, table(["alert latency", "value"], rows), headlines, data
    )


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--suspensions", type=int, help="sessions suspended, one at a time (default 10)")
    cli.add_argument("--poll-seconds", type=int, help="ALERT_POLL_SECONDS for the app (default 1)")
    return cli


def main(argv: Sequence[str] | None = None) -> BenchResult:
    return cli_main(parser(), argv, default=Options(), quick=Options.quick(), run=run)


if __name__ == "__main__":
    main()
