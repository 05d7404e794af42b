"""Benchmark: slash-command ack latency and time to the final answer, beside a bare Bolt app that only acks.

Run: `uv run python benchmarks/bench_command.py [--commands 200] [--devin-latency 1.0] [--in-flight 10]`.

Both apps run at once, each in its own process, and receive alternating commands at the same steady pace
(`in_flight / devin_latency` per second each, so about `in_flight` of ours wait on Devin at any time): load
from anything else on the machine hits both alike.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from benchmarks.common import (  # noqa: E402
    QUIET_ENV,
    AppHandle,
    Sent,
    SlackPoster,
    World,
    app_up,
    bare_up,
    scratch_dir,
    session_link,
    world_up,
)
from benchmarks.report import BenchResult, Headline, cli_main, ms, percentile, placement, table  # noqa: E402
from bot.sandbox.devin_seed import SEED_WITH_ANALYSIS  # noqa: E402

ACK_RATIO_TARGET = 1.2
ANSWER_OVERHEAD_TARGET = 0.1
"""The final answer may take Devin's latency plus this (seconds)."""
WARMUP_COMMANDS = 3
INSIGHTS_PATH = "/insights"
"""The lookup fetches `…/sessions/{id}/insights`; the alert poller's list requests are not slowed."""


@dataclass(frozen=True)
class Options:
    commands: int = 200
    devin_latency: float = 1.0
    in_flight: int = 10

    @classmethod
    def quick(cls) -> Options:
        return cls(commands=10, devin_latency=0.05, in_flight=5)

    @property
    def rate(self) -> float:
        """Commands per second sent to each app."""
        return self.in_flight / self.devin_latency


async def run(options: Options, *, in_process: bool = False) -> BenchResult:
    async with scratch_dir() as workdir, world_up(in_process=in_process, workdir=workdir) as world:
        await world.latency(options.devin_latency, INSIGHTS_PATH)
        async with (
            app_up(world, workdir, in_process=in_process, env=QUIET_ENV) as ours,
            bare_up(world, workdir, in_process=in_process) as bare,
        ):
            ours_sent, bare_sent, answers = await _measure(world, ours, bare, options)
    return _result(options, ours_sent, bare_sent, answers, in_process)


async def _measure(
    world: World, ours: AppHandle, bare: AppHandle, options: Options
) -> tuple[list[Sent], list[Sent], dict[str, float]]:
    text = session_link(SEED_WITH_ANALYSIS)
    connections = options.in_flight * 4
    async with (
        SlackPoster(ours.url, world.slack_url, connections=connections) as to_ours,
        SlackPoster(bare.url, world.slack_url, connections=connections) as to_bare,
    ):
        # Warm-up: Bolt's first request runs auth.test; connections and caches get made.
        for _ in range(WARMUP_COMMANDS):
            await to_bare.command(text)
            warm = await to_ours.command(text)
            await world.wait_calls("response_url", 1, since=warm.at, timeout=options.devin_latency + 30)
        started = time.monotonic()
        tasks: list[asyncio.Task[Sent]] = []
        interval = 1 / (2 * options.rate)
        for index in range(2 * options.commands):
            await asyncio.sleep(max(0.0, started + index * interval - time.monotonic()))
            poster = to_ours if index % 2 == 0 else to_bare
            tasks.append(asyncio.create_task(poster.command(text)))
        sent = await asyncio.gather(*tasks)
        ours_sent, bare_sent = list(sent[0::2]), list(sent[1::2])
        timeout = options.devin_latency * 3 + 30
        calls = await world.wait_calls("response_url", options.commands, since=started, timeout=timeout)
    by_hook = {s.hook: s.at for s in ours_sent}
    answers = {c["hook"]: c["at"] - by_hook[c["hook"]] for c in calls if c["hook"] in by_hook}
    return ours_sent, bare_sent, answers


def _result(
    options: Options, ours: list[Sent], bare: list[Sent], answers: dict[str, float], in_process: bool
) -> BenchResult:
    ours_acks = [s.elapsed for s in ours if s.ok]
    bare_acks = [s.elapsed for s in bare if s.ok]
    final = list(answers.values())
    ratio = percentile(ours_acks, 99) / percentile(bare_acks, 99)
    final_p99 = percentile(final, 99)
    rows = [
        ("ack p50", ms(percentile(bare_acks, 50)), ms(percentile(ours_acks, 50))),
        ("ack p99", ms(percentile(bare_acks, 99)), ms(percentile(ours_acks, 99))),
        ("ack max", ms(max(bare_acks, default=float("nan"))), ms(max(ours_acks, default=float("nan")))),
        ("acks over 20 ms (Bolt's second 10 ms tick or later)", _over(bare_acks, 0.02), _over(ours_acks, 0.02)),
        ("failed acks (not HTTP 200)", sum(not s.ok for s in bare), sum(not s.ok for s in ours)),
        ("final answer (response_url) p50", "—", ms(percentile(final, 50))),
        ("final answer p99", "—", ms(final_p99)),
        ("final answers received", "—", f"{len(final)} / {len(ours)}"),
    ]
    setup = (
        f"{options.commands} commands to each app, {options.rate:g}/s each, alternating; Devin answers the "
        f"insights lookup in {options.devin_latency:g} s (injected latency), so ~{options.in_flight} of our "
        "commands are in flight. Ack = HTTP answer to the signed command, measured by the load generator; "
        "final answer = the card's arrival at the Slack stand-in's `response_url`, from the moment the command "
        f"was sent. {placement(in_process)}"
    )
    budget = options.devin_latency + ANSWER_OVERHEAD_TARGET
    headlines = [
        Headline("ack p99, ours ÷ bare Bolt", f"{ratio:.2f}x", f"≤ {ACK_RATIO_TARGET}x", ratio <= ACK_RATIO_TARGET),
        Headline(
            f"final answer p99 (Devin {options.devin_latency:g} s)",
            ms(final_p99),
            f"≤ {budget * 1000:,.0f} ms",
            final_p99 <= budget and len(final) == len(ours),
        ),
    ]
    data = {
        "options": options.__dict__,
        "ours_ack_seconds": ours_acks,
        "bare_ack_seconds": bare_acks,
        "final_answer_seconds": final,
    }
    return BenchResult(
        "command", "Slash command: ack and final answer", setup, table(["", "bare Bolt", "ours"], rows), headlines, data
    )


def _over(values: list[float], limit: float) -> str:
    return f"{sum(value > limit for value in values) / max(len(values), 1):.0%}"


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--commands", type=int, help="commands per app (default 200)")
    cli.add_argument("--devin-latency", type=float, help="seconds Devin takes per lookup (default 1.0)")
    cli.add_argument("--in-flight", type=int, help="our commands waiting on Devin at once (default 10)")
    return cli


def main(argv: Sequence[str] | None = None) -> BenchResult:
    return cli_main(parser(), argv, default=Options(), quick=Options.quick(), run=run)


if __name__ == "__main__":
    main()
