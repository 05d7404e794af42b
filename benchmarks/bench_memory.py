"""Benchmark: resident memory of the app process, idle and after a load of commands and unfurls.

Run: `uv run python benchmarks/bench_memory.py [--sessions 2000] [--commands 2000] [--unfurls 200]`.

The app always runs in its own process (`python -m bot run --http`), since its memory is the point; RSS
and its peak (VmRSS, VmHWM) come from `/proc/<pid>/status`. The alert poller runs every `poll_seconds`
against an org of `sessions` sessions; its first poll (which stores every session of the last hour) is
done before "idle" is read.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from benchmarks.common import ROOT, SlackPoster, World, app_up, bare_up, scratch_dir, session_link, world_up  # noqa: E402
from benchmarks.report import BenchResult, Headline, cli_main, memory_mib, table  # noqa: E402
from bot.sandbox import SANDBOX_CHANNEL_ID  # noqa: E402
from bot.sandbox.slack_api import REGULAR_USER_ID  # noqa: E402
from bot.sandbox.slack_requests import link_shared_event, new_ts  # noqa: E402

BATCH = 100
"""Commands sent together before waiting for their answers: the app's backlog stays bounded."""
WARMUP_COMMANDS = 5
ANSWER_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Options:
    sessions: int = 2000
    commands: int = 2000
    unfurls: int = 200
    poll_seconds: int = 2
    baseline: bool = True

    @classmethod
    def quick(cls) -> Options:
        return cls(sessions=50, commands=20, unfurls=4, baseline=False)


@dataclass(frozen=True)
class Reading:
    label: str
    rss: float
    peak: float


async def run(options: Options, *, in_process: bool = False) -> BenchResult:
    """`in_process` only moves the stand-ins onto this loop; the app is measured in its own process."""
    readings: list[Reading] = []
    async with scratch_dir() as workdir, world_up(in_process=in_process, workdir=workdir) as world:
        ids = await world.add_sessions(options.sessions)
        env = {"ALERT_POLL_SECONDS": str(options.poll_seconds)}
        async with app_up(world, workdir, in_process=False, env=env) as app:
            assert app.pid is not None
            readings.append(Reading("after start (first poll done)", *memory_mib(app.pid)))
            async with SlackPoster(app.url, world.slack_url, connections=BATCH) as poster:
                await _commands(world, poster, ids[:WARMUP_COMMANDS])
                await _unfurls(world, poster, ids[:2])
                readings.append(Reading(f"idle: after {WARMUP_COMMANDS} commands and 2 unfurls", *memory_mib(app.pid)))
                started = time.monotonic()
                await _commands(world, poster, [sid for sid, _ in zip(cycle(ids), range(options.commands))])
                await _unfurls(world, poster, [sid for sid, _ in zip(cycle(reversed(ids)), range(options.unfurls))])
                load_seconds = time.monotonic() - started
            label = f"loaded: after {options.commands:,} commands and {options.unfurls:,} unfurls"
            readings.append(Reading(label, *memory_mib(app.pid)))
        if options.baseline:
            readings.append(await _bare_reading(world, workdir))
            readings.append(await _import_reading())
    return _result(options, readings, load_seconds)


async def _commands(world: World, poster: SlackPoster, session_ids: list[str]) -> None:
    """Look sessions up in batches, each batch's answers awaited before the next is sent."""
    for first in range(0, len(session_ids), BATCH):
        batch = session_ids[first : first + BATCH]
        started = time.monotonic()
        sent = await asyncio.gather(*(poster.command(session_link(sid)) for sid in batch))
        if not all(s.ok for s in sent):
            raise RuntimeError("the app failed to ack a command")
        calls = await world.wait_calls("response_url", len(batch), since=started, timeout=ANSWER_TIMEOUT_SECONDS)
        if len(calls) < len(batch):
            raise RuntimeError(f"{len(batch) - len(calls)} command(s) got no answer")


async def _unfurls(world: World, poster: SlackPoster, session_ids: list[str]) -> None:
    """One single-link `link_shared` event per session, in batches like the commands."""
    for first in range(0, len(session_ids), BATCH // 5):
        batch = session_ids[first : first + BATCH // 5]
        started = time.monotonic()
        events = [
            link_shared_event(
                [session_link(sid)], channel=SANDBOX_CHANNEL_ID, user=REGULAR_USER_ID, message_ts=new_ts()
            )
            for sid in batch
        ]
        await asyncio.gather(*(poster.event(event) for event in events))
        calls = await world.wait_calls("chat.unfurl", len(batch), since=started, timeout=ANSWER_TIMEOUT_SECONDS)
        if len(calls) < len(batch):
            raise RuntimeError(f"{len(batch) - len(calls)} unfurl(s) never arrived")


async def _bare_reading(world: World, workdir: Path) -> Reading:
    """The floor: a Bolt app that only acks, after a few commands."""
    async with (
        bare_up(world, workdir, in_process=False) as bare,
        SlackPoster(bare.url, world.slack_url, connections=BATCH) as poster,
    ):
        assert bare.pid is not None
        await asyncio.gather(*(poster.command("help") for _ in range(WARMUP_COMMANDS)))
        return Reading("bare Bolt app (ack only), after a few commands", *memory_mib(bare.pid))


async def _import_reading() -> Reading:
    """What importing the app costs before it does anything: a process that only imports `bot.app`."""
    script = (
        "import bot.app, bot.cli.run; from pathlib import Path; "
        "print(next(l.split()[1] for l in Path('/proc/self/status').read_text().splitlines() if l.startswith('VmRSS')))"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, stdout=asyncio.subprocess.PIPE, env={"PYTHONPATH": str(ROOT)}
    )
    output, _ = await process.communicate()
    rss = int(output) / 1024
    return Reading("a process that only imports the app (`bot.app`, `bot.cli.run`)", rss, rss)


def _result(options: Options, readings: list[Reading], load_seconds: float) -> BenchResult:
    rows = [(r.label, f"{r.rss:.1f} MiB", f"{r.peak:.1f} MiB") for r in readings]
    setup = (
        f"An org of {options.sessions:,} sessions, `ALERT_POLL_SECONDS={options.poll_seconds}`. The load: "
        f"{options.commands:,} lookups of distinct sessions in batches of {BATCH} (each batch's cards awaited), "
        f"then {options.unfurls:,} single-link unfurls of sessions not yet cached; it took {load_seconds:.1f} s. "
        "The app ran in its own process; the stand-ins and load generator ran elsewhere."
    )
    idle, loaded = readings[1], readings[2]
    headlines = [
        Headline("RSS idle", f"{idle.rss:.1f} MiB"),
        Headline("RSS loaded (peak)", f"{loaded.rss:.1f} MiB ({loaded.peak:.1f} MiB)"),
    ]
    if options.baseline:
        headlines.append(Headline("RSS of a bare Bolt app, for scale", f"{readings[-2].rss:.1f} MiB"))
        headlines.append(Headline("RSS after importing the app, nothing running", f"{readings[-1].rss:.1f} MiB"))
    data = {"options": options.__dict__, "readings": [r.__dict__ for r in readings], "load_seconds": load_seconds}
    return BenchResult(
        "memory",
        "Memory (RSS) of the app process",
        setup,
        table(["when", "VmRSS", "VmHWM (peak)"], rows),
        headlines,
        data,
    )


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--sessions", type=int, help="sessions in the simulated org (default 2000)")
    cli.add_argument("--commands", type=int, help="lookups in the load (default 2000)")
    cli.add_argument("--unfurls", type=int, help="unfurls in the load (default 200)")
    cli.add_argument("--poll-seconds", type=int, help="ALERT_POLL_SECONDS (default 2)")
    return cli


def main(argv: Sequence[str] | None = None) -> BenchResult:
    return cli_main(parser(), argv, default=Options(), quick=Options.quick(), run=run)


if __name__ == "__main__":
    main()
