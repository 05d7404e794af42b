"""Benchmark: slash-command ack latency and time to the final answer, beside a bare Bolt app that only acks.

Run: `uv run python benchmarks/bench_command.py [--commands 200] [--devin-latency 1.0] [--concurrency 10]
[--profile FILE]`.

Both apps run at once, each in its own process. `concurrency` simulated users each send a command every
`devin_latency` seconds, staggered, to both apps at the same moment, so about `concurrency` of our lookups
wait on Devin at any time while new commands are acked; load from anything else on the machine hits both
alike. `--profile` runs our app under cProfile and reports where its event loop's time went.
"""

from __future__ import annotations

import argparse
import asyncio
import pstats
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
    concurrency: int = 10
    profile: str = ""
    """A file for our app's cProfile stats (empty: no profiling)."""

    @classmethod
    def quick(cls) -> Options:
        return cls(commands=10, devin_latency=0.05, concurrency=5)

    @property
    def waves(self) -> int:
        return max(1, self.commands // self.concurrency)


async def run(options: Options, *, in_process: bool = False) -> BenchResult:
    profile = Path(options.profile).resolve() if options.profile and not in_process else None
    async with scratch_dir() as workdir, world_up(in_process=in_process, workdir=workdir) as world:
        await world.latency(options.devin_latency, INSIGHTS_PATH)
        async with (
            app_up(world, workdir, in_process=in_process, env=QUIET_ENV, profile=profile) as ours,
            bare_up(world, workdir, in_process=in_process) as bare,
        ):
            ours_sent, bare_sent, answers = await _measure(world, ours, bare, options)
    result = _result(options, ours_sent, bare_sent, answers, in_process)
    if profile is not None and profile.exists():
        result.data["profile"] = loop_time_by_package(profile)
        result.table += "\n\n" + _profile_table(result.data["profile"])
    return result


async def _measure(
    world: World, ours: AppHandle, bare: AppHandle, options: Options
) -> tuple[list[Sent], list[Sent], dict[str, float]]:
    text = session_link(SEED_WITH_ANALYSIS)
    connections = options.concurrency * 4
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
        ours_tasks: list[asyncio.Task[Sent]] = []
        bare_tasks: list[asyncio.Task[Sent]] = []
        for index in range(options.waves * options.concurrency):
            # `concurrency` users, staggered: one command every devin_latency / concurrency seconds, each to
            # both apps at the same moment (who goes first alternates), so ~`concurrency` lookups are in flight.
            await asyncio.sleep(
                max(0.0, started + index * options.devin_latency / options.concurrency - time.monotonic())
            )
            pair = [(to_ours, ours_tasks), (to_bare, bare_tasks)]
            for poster, tasks in pair if index % 2 == 0 else reversed(pair):
                tasks.append(asyncio.create_task(poster.command(text)))
        ours_sent, bare_sent = list(await asyncio.gather(*ours_tasks)), list(await asyncio.gather(*bare_tasks))
        timeout = options.devin_latency * 3 + 30
        calls = await world.wait_calls("response_url", len(ours_sent), since=started, timeout=timeout)
    by_hook = {s.hook: s.at for s in ours_sent}
    answers = {c["hook"]: c["at"] - by_hook[c["hook"]] for c in calls if c["hook"] in by_hook}
    return ours_sent, bare_sent, answers


def _result(
    options: Options, ours: list[Sent], bare: list[Sent], answers: dict[str, float], in_process: bool
) -> BenchResult:
    ours_acks = [s.elapsed for s in ours if s.ok]
    bare_acks = [s.elapsed for s in bare if s.ok]
    final = list(answers.values())
    ratios = {q: percentile(ours_acks, q) / percentile(bare_acks, q) for q in (50, 95, 99)}
    final_p99 = percentile(final, 99)
    rows: list[tuple[object, ...]] = [
        (f"ack p{q}", ms(percentile(bare_acks, q)), ms(percentile(ours_acks, q)), f"{ratios[q]:.2f}x")
        for q in (50, 95, 99)
    ]
    rows += [
        ("ack max", ms(max(bare_acks, default=float("nan"))), ms(max(ours_acks, default=float("nan"))), "—"),
        ("acks over 20 ms (Bolt's second 10 ms tick or later)", _over(bare_acks, 0.02), _over(ours_acks, 0.02), "—"),
        ("failed acks (not HTTP 200)", sum(not s.ok for s in bare), sum(not s.ok for s in ours), "—"),
        ("final answer (response_url) p50", "—", ms(percentile(final, 50)), "—"),
        ("final answer p99", "—", ms(final_p99), "—"),
        ("final answers received", "—", f"{len(final)} / {len(ours)}", "—"),
    ]
    setup = (
        f"{len(ours)} commands to each app from {options.concurrency} staggered users (one command every "
        f"{options.devin_latency / options.concurrency * 1000:g} ms, sent to both apps at the same moment); Devin "
        f"answers the insights lookup in {options.devin_latency:g} s (injected latency), so "
        f"~{options.concurrency} of our lookups are in flight while new commands are acked. "
        "Ack = HTTP answer to the signed command, measured by the load "
        "generator; final answer = the card's arrival at the Slack stand-in's `response_url`, from the moment "
        f"the command was sent. {placement(in_process)}"
    )
    budget = options.devin_latency + ANSWER_OVERHEAD_TARGET
    ratio = ratios[95]
    headlines = [
        Headline("ack p95, ours ÷ bare Bolt", f"{ratio:.2f}x", f"≤ {ACK_RATIO_TARGET}x", ratio <= ACK_RATIO_TARGET),
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
        "ack_ratios": {f"p{q}": value for q, value in ratios.items()},
    }
    return BenchResult(
        "command",
        "Slash command: ack and final answer",
        setup,
        table(["", "bare Bolt", "ours", "ours ÷ bare"], rows),
        headlines,
        data,
    )


PACKAGES = (
    ("bot/", "the app (bot/)"),
    ("blocks/", "Block Kit builders (blocks/)"),
    ("slack_bolt", "slack_bolt"),
    ("slack_sdk", "slack_sdk"),
    ("aiohttp", "aiohttp (server and client)"),
    ("httpx", "httpx / httpcore (Devin client)"),
    ("httpcore", "httpx / httpcore (Devin client)"),
    ("pydantic", "pydantic"),
    ("prometheus_client", "prometheus_client"),
    ("logging", "logging"),
    ("sqlalchemy", "SQLAlchemy / aiosqlite"),
    ("aiosqlite", "SQLAlchemy / aiosqlite"),
    ("selectors", "waiting for I/O (epoll)"),
    ("asyncio", "asyncio (loop, streams, tasks)"),
)


def loop_time_by_package(path: Path) -> dict[str, float]:
    """Own time (cProfile `tottime`) per package, as fractions of the whole; builtins go to their caller's group
    only when named (`select` is the idle wait), the rest to "builtins and C"."""
    stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    totals: dict[str, float] = {}
    for (filename, _, name), (_, _, own, _, _) in stats.items():
        group = "builtins and C"
        if "select" in name and filename == "~":
            group = "waiting for I/O (epoll)"
        else:
            group = next((label for needle, label in PACKAGES if needle in filename), group)
            if group == "builtins and C" and filename not in ("~", ""):
                group = "other Python"
        totals[group] = totals.get(group, 0.0) + own
    whole = sum(totals.values()) or 1.0
    return {group: own / whole for group, own in sorted(totals.items(), key=lambda item: -item[1])}


def _profile_table(shares: dict[str, float]) -> str:
    busy = {group: share for group, share in shares.items() if group != "waiting for I/O (epoll)"}
    busy_total = sum(busy.values()) or 1.0
    rows = [(group, f"{share:.1%}", f"{share / busy_total:.1%}") for group, share in busy.items()]
    rows.append(("waiting for I/O (epoll)", f"{shares.get('waiting for I/O (epoll)', 0.0):.1%}", "—"))
    return "Where our app's time went (cProfile own time over the whole run):\n\n" + table(
        ["", "of all time", "of busy time"], rows
    )


def _over(values: list[float], limit: float) -> str:
    return f"{sum(value > limit for value in values) / max(len(values), 1):.0%}"


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--commands", type=int, help="commands per app (default 200)")
    cli.add_argument("--devin-latency", type=float, help="seconds Devin takes per lookup (default 1.0)")
    cli.add_argument("--concurrency", type=int, help="simultaneous commands per wave and app (default 10)")
    cli.add_argument("--profile", help="write our app's cProfile stats to this file and summarise them")
    return cli


def main(argv: Sequence[str] | None = None) -> BenchResult:
    return cli_main(parser(), argv, default=Options(), quick=Options.quick(), run=run)


if __name__ == "__main__":
    main()
