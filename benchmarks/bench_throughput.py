"""Benchmark: sustained slash commands per second before the p99 ack crosses one second.

Run: `uv run python benchmarks/bench_throughput.py [--rates 20,50,75,100,150,200,300,400,800] [--step-seconds 5]`.

Open loop: each step sends commands on a fixed schedule whatever the answers do, for `step_seconds`; acks are
timed from each request's send. Between steps the app's backlog of final answers drains (bounded), so a step
does not pay for the one before. Stepping stops after the first step whose p99 ack reaches the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from benchmarks.common import QUIET_ENV, Sent, SlackPoster, World, app_up, scratch_dir, session_link, world_up  # noqa: E402
from benchmarks.report import BenchResult, CpuMeter, Headline, cli_main, ms, percentile, placement, table  # noqa: E402
from bot.sandbox.devin_seed import SEED_WITH_ANALYSIS  # noqa: E402

ACK_LIMIT_SECONDS = 1.0
ANSWER_SLACK_SECONDS = 1.0
"""Answers keep pace when their p99 stays within Devin's latency plus this."""
DRAIN_TIMEOUT_SECONDS = 30.0
CONNECTIONS = 256
"""Client connections to the app; past this, requests queue in the generator (and that wait counts)."""
INSIGHTS_PATH = "/insights"


@dataclass(frozen=True)
class Options:
    rates: tuple[float, ...] = (20, 50, 75, 100, 150, 200, 300, 400, 800)
    step_seconds: float = 5.0
    devin_latency: float = 0.2

    @classmethod
    def quick(cls) -> Options:
        return cls(rates=(10, 20), step_seconds=0.5, devin_latency=0.02)


@dataclass(frozen=True)
class Step:
    offered: float
    commands: int
    sent_rate: float
    acked_rate: float
    ack_p50: float
    ack_p99: float
    failed: int
    answers: int
    answer_p50: float
    answer_p99: float
    cpu: dict[str, float]
    """CPU each process used while the step's commands were sent and acked, as fractions of one core."""
    app_cpu_per_command: float | None
    """The app's CPU seconds over the step divided by its commands (None when it shares this process)."""

    @property
    def sustained(self) -> bool:
        """Kept up: p99 ack under the limit, nothing failed, and at least 90% of the offered rate acked."""
        return self.ack_p99 < ACK_LIMIT_SECONDS and self.failed == 0 and self.acked_rate >= 0.9 * self.offered

    def answers_keep_pace(self, devin_latency: float) -> bool:
        return self.answers == self.commands and self.answer_p99 <= devin_latency + ANSWER_SLACK_SECONDS


async def run(options: Options, *, in_process: bool = False) -> BenchResult:
    steps: list[Step] = []
    async with scratch_dir() as workdir, world_up(in_process=in_process, workdir=workdir) as world:
        await world.latency(options.devin_latency, INSIGHTS_PATH)
        async with (
            app_up(world, workdir, in_process=in_process, env=QUIET_ENV) as app,
            SlackPoster(app.url, world.slack_url, connections=CONNECTIONS) as poster,
        ):
            warm_up = min(1.0, options.step_seconds)
            await _step(world, poster, app.pid, rate=5, seconds=warm_up)  # warm-up: auth.test, connections
            for rate in options.rates:
                steps.append(await _step(world, poster, app.pid, rate=rate, seconds=options.step_seconds))
                if steps[-1].ack_p99 >= ACK_LIMIT_SECONDS:
                    break
    return _result(options, steps, in_process)


async def _step(world: World, poster: SlackPoster, pid: int | None, *, rate: float, seconds: float) -> Step:
    text = session_link(SEED_WITH_ANALYSIS)
    count = max(1, round(rate * seconds))
    tasks: list[asyncio.Task[Sent]] = []
    meter = CpuMeter({"app": pid, "stand-ins": world.pid, "generator": os.getpid()})
    started = time.monotonic()
    while len(tasks) < count:
        due = min(count, int((time.monotonic() - started) * rate) + 1)
        tasks += [asyncio.create_task(poster.command(text)) for _ in range(due - len(tasks))]
        await asyncio.sleep(max(0.0, started + len(tasks) / rate - time.monotonic()))
    last_send = time.monotonic()
    sent = await asyncio.gather(*tasks)
    span = time.monotonic() - started
    cpu = meter.read()
    acked = [s for s in sent if s.ok]
    acks = [s.elapsed for s in acked]
    calls = await world.wait_calls("response_url", len(acked), since=started, timeout=DRAIN_TIMEOUT_SECONDS)
    by_hook = {s.hook: s.at for s in acked}
    answers = [c["at"] - by_hook[c["hook"]] for c in calls if c["hook"] in by_hook]
    return Step(
        offered=rate,
        commands=count,
        sent_rate=count / max(last_send - started, 1 / rate),
        acked_rate=len(acked) / span,
        ack_p50=percentile(acks, 50),
        ack_p99=percentile(acks, 99),
        failed=count - len(acked),
        answers=len(answers),
        answer_p50=percentile(answers, 50),
        answer_p99=percentile(answers, 99),
        cpu=cpu,
        app_cpu_per_command=cpu["app"] * span / count if "app" in cpu else None,
    )


def _result(options: Options, steps: list[Step], in_process: bool) -> BenchResult:
    headers = ["offered /s", "sent /s", "acked /s", "ack p50", "ack p99", "failed", "kept up", "CPU (1 core = 100%)"]
    headers += ["app CPU per command"]
    headers += ["answers", "answer p50", "answer p99"]
    rows = [
        (
            f"{s.offered:g}",
            f"{s.sent_rate:,.0f}",
            f"{s.acked_rate:,.0f}",
            ms(s.ack_p50),
            ms(s.ack_p99),
            s.failed,
            "yes" if s.sustained else "no",
            " · ".join(f"{name} {share:.0%}" for name, share in s.cpu.items()),
            "—" if s.app_cpu_per_command is None else ms(s.app_cpu_per_command),
            f"{s.answers} / {s.commands}",
            ms(s.answer_p50),
            ms(s.answer_p99),
        )
        for s in steps
    ]
    best = max((s for s in steps if s.sustained), key=lambda s: s.offered, default=None)
    paced = [s for s in steps if s.answers_keep_pace(options.devin_latency)]
    best_paced = max(paced, key=lambda s: s.offered, default=None)
    setup = (
        f"Steps of {options.step_seconds:g} s at increasing offered rates, open loop; Devin answers each lookup in "
        f"{options.devin_latency:g} s. *sent* is the rate the generator achieved, *acked* the rate of HTTP 200 "
        f"acks over the step; *kept up*: p99 ack < {ACK_LIMIT_SECONDS:g} s, nothing failed and ≥ 90% of the "
        "offered rate acked. *CPU* is each process's CPU time over the step's sending-and-acking time "
        "(100% = one core). *answers* are the cards that reached `response_url`, timed from each command's "
        f"send; the backlog may drain after the step (for up to {DRAIN_TIMEOUT_SECONDS:g} s) before the next "
        f"step starts. {placement(in_process)}"
    )
    first = steps[0] if steps else None
    per_command = first.app_cpu_per_command if first else None
    headlines = [
        Headline(
            f"highest rate kept up (p99 ack < {ACK_LIMIT_SECONDS:g} s)",
            f"{best.offered:g}/s (p99 ack {ms(best.ack_p99)})" if best else "none",
        ),
        Headline(
            f"highest rate with answers p99 ≤ Devin + {ANSWER_SLACK_SECONDS:g} s",
            f"{best_paced.offered:g}/s (answer p99 {ms(best_paced.answer_p99)})" if best_paced else "none",
        ),
    ]
    if first is not None and per_command is not None:
        headlines.append(Headline(f"app CPU per command at {first.offered:g}/s", ms(per_command)))
    data = {"options": asdict(options), "steps": [asdict(s) for s in steps]}
    return BenchResult("throughput", "Sustained slash commands", setup, table(headers, rows), headlines, data)


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--rates", type=lambda text: tuple(float(r) for r in text.split(",")), help="offered rates /s")
    cli.add_argument("--step-seconds", type=float, help="length of each step (default 5)")
    cli.add_argument("--devin-latency", type=float, help="seconds Devin takes per lookup (default 0.2)")
    return cli


def main(argv: Sequence[str] | None = None) -> BenchResult:
    return cli_main(parser(), argv, default=Options(), quick=Options.quick(), run=run)


if __name__ == "__main__":
    main()
