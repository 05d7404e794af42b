"""Run every benchmark and write `docs/benchmarks.md`: the machine, the method, one section each and a summary.

Run: `uv run python benchmarks/run_all.py` (about three minutes on a 2-core machine). `--quick` runs tiny
sizes and prints the document instead of writing it (unless `--output` is given).

The scripts of this directory that build on `common.py` are imported and run in turn (each starts and stops
its own processes); `bench_list_sessions.py` and `bench_poll.py` are run as subprocesses and their markdown
is captured, since their `main` reads `sys.argv` and prints.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from benchmarks import (  # noqa: E402
    bench_alert_latency,
    bench_command,
    bench_flexpane,
    bench_memory,
    bench_throughput,
    bench_unfurl,
)
from benchmarks.common import ROOT  # noqa: E402
from benchmarks.report import BenchResult, Headline, machine, table  # noqa: E402

DOC_PATH = ROOT / "docs" / "benchmarks.md"
EXTERNAL_TIMEOUT_SECONDS = 300
OURS: tuple[ModuleType, ...] = (
    bench_command,
    bench_unfurl,
    bench_flexpane,
    bench_alert_latency,
    bench_throughput,
    bench_memory,
)


@dataclass(frozen=True)
class External:
    """A benchmark run as a subprocess: its script, arguments (full and quick) and table cells to lift.

    `headlines` name cells of the script's markdown table: (first cell of the row, column index, metric name).
    A cell not found (the script changed its table) is left out of the summary rather than failing the run.
    """

    key: str
    title: str
    script: str
    args: tuple[str, ...] = ()
    quick_args: tuple[str, ...] = ()
    headlines: tuple[tuple[str, int, str], ...] = ()


EXTERNALS = (
    External(
        "list",
        "Listing sessions (`DevinClient.list_sessions`)",
        "bench_list_sessions.py",
        quick_args=("--sessions", "400"),
        headlines=(
            ("sessions/s", 1, "sessions listed per second"),
            ("client peak RSS (ru_maxrss)", 1, "client peak RSS"),
        ),
    ),
    External(
        "poll",
        "Alert poll cost by org size",
        "bench_poll.py",
        quick_args=("--sizes", "100", "--idle-polls", "2"),
        headlines=(
            ("20,000", 1, "first poll, 20,000 sessions (60 min lookback)"),
            ("20,000", 3, "idle poll requests, 20,000 sessions"),
            ("20,000", 4, "idle poll time, 20,000 sessions"),
        ),
    ),
    External(
        "summary",
        "Team summary cost by org size",
        "bench_summary.py",
        quick_args=("--sizes", "100", "--channels", "5"),
        headlines=(
            ("2,000", 1, "summary 30d Devin requests, 2,000 sessions (spread over the 30 days)"),
            ("2,000", 2, "summary 30d latency, 2,000 sessions (spread)"),
            ("20,000", 2, "summary 30d latency, 20,000 sessions (spread)"),
            ("20,000", 4, "summary 30d latency, 20,000 sessions (burst: one slice)"),
        ),
    ),
    External(
        "people",
        "People in a storm: lookups, mentions and DMs",
        "bench_people_storm.py",
        quick_args=("--sessions", "20", "--creators", "5"),
        headlines=(
            ("500", 2, "storm of 500 by 50 creators: Devin member lookups"),
            ("500", 3, "storm of 500 by 50 creators: users.lookupByEmail"),
            ("500", 9, "storm of 500 by 50 creators: time to drain"),
        ),
    ),
    External(
        "quiet",
        "A snoozed storm: recorded, not posted",
        "bench_quiet_storm.py",
        quick_args=("--sessions", "20"),
        headlines=(("500", 5, "snoozed storm of 500: poll"),),
    ),
    External(
        "home",
        "App Home: Your sessions",
        "bench_home.py",
        quick_args=("--cases", "5:50"),
        headlines=(("1,000", 3, "App Home for a viewer with 1,000 sessions: listings"),),
    ),
    External(
        "metrics",
        "What `/metrics` costs",
        "bench_metrics.py",
        quick_args=("--calls", "20", "--scrapes", "3"),
        headlines=(
            ("trace hooks per call (difference of medians)", 1, "Slack trace hooks per call"),
            ("`GET /metrics` (gauges refreshed from the store)", 1, "`/metrics` scrape"),
        ),
    ),
)


@dataclass
class Section:
    key: str
    title: str
    body: str
    headlines: list[Headline] = field(default_factory=list)
    seconds: float = 0.0
    failed: bool = False


def run_ours(module: ModuleType, *, quick: bool, in_process: bool) -> Section:
    options = module.Options.quick() if quick else module.Options()
    started = time.monotonic()
    try:
        result: BenchResult = asyncio.run(module.run(options, in_process=in_process))
    except Exception as error:  # noqa: BLE001 - one failed benchmark is reported in the document; the rest still run
        name = module.__name__.rsplit(".", 1)[-1]
        return Section(name, name, f"**Failed:** `{type(error).__name__}: {error}`", seconds=0.0, failed=True)
    body = result.markdown(level=2).split("\n", 2)[2].strip()  # the section without its own heading
    return Section(result.key, result.title, body, result.headlines, time.monotonic() - started)


def run_external(bench: External, *, quick: bool) -> Section:
    script = ROOT / "benchmarks" / bench.script
    if not script.exists():
        return Section(bench.key, bench.title, f"`{bench.script}` is not in this checkout.", failed=True)
    command = [sys.executable, str(script), *(bench.quick_args if quick else bench.args)]
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")} | {"PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=EXTERNAL_TIMEOUT_SECONDS, cwd=ROOT, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        return Section(bench.key, bench.title, f"Timed out after {EXTERNAL_TIMEOUT_SECONDS} s.", failed=True)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-8:])
        return Section(bench.key, bench.title, f"**Failed** (exit {done.returncode}):\n\n```\n{tail}\n```", failed=True)
    body = demote(done.stdout.strip())
    headlines = [Headline(metric, value) for metric, value in lifted(body, bench.headlines)]
    run_line = " ".join(["uv run python", f"benchmarks/{bench.script}", *command[2:]])
    return Section(bench.key, bench.title, f"Run as `{run_line}`.\n\n{body}", headlines, seconds)


def demote(markdown: str) -> str:
    """Headings one level down, so a script's own `##` sits under this document's section."""
    return "\n".join("#" + line if line.startswith("#") else line for line in markdown.splitlines())


def lifted(markdown: str, wanted: Sequence[tuple[str, int, str]]) -> list[tuple[str, str]]:
    """(metric, cell) for each wanted (row, column, metric) found in the markdown tables."""
    rows: dict[str, list[str]] = {}
    for line in markdown.splitlines():
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            rows.setdefault(cells[0], cells)
    return [(metric, rows[row][column]) for row, column, metric in wanted if column < len(rows.get(row, []))]


INTRO = """\
# Benchmarks

Generated by `uv run python benchmarks/run_all.py` on {date}; every number below comes from that one run
on the machine described here. Rerun it to compare; each script also runs alone (`uv run python
benchmarks/<name>.py --help`). Nothing leaves 127.0.0.1: Devin is the sandbox's simulated org and Slack the
recording stand-in, with latency injected into the simulated Devin API where a benchmark says so.

| CPU | cores | RAM | Python | OS | load average at start (1/5/15 min) |
|---|---|---|---|---|---|
| {cpu} | {cores} | {ram_gib} GiB | {python} | {os} | {load} |
"""

METHOD = """\
## How it is measured

- **Processes.** The app under test runs alone in its own process, started the way it is deployed:
  `python -m bot run --http` with its configuration in environment variables (the lines `devin-insights
  sandbox` prints, plus a SQLite store in a temporary directory). The simulated Devin org and the Slack
  stand-in run together in a second process; the load generator (signed requests over aiohttp) in a third.
  So the measured app never shares its event loop with the load or the stand-ins. The bare Bolt app of the
  command benchmark is a fourth process: an `AsyncApp` whose only listener acks, served by the same aiohttp
  adapter (`to_bolt_request` / `to_aiohttp_response`) with the same signing secret.
- **Clocks.** Acks are timed by the load generator around each HTTP request. "Arrival" times (a card at a
  `response_url`, a `chat.unfurl`, an alert's `chat.postMessage`) are the stand-in's `time.monotonic()`
  when it recorded the call; CLOCK_MONOTONIC is one clock for all processes on the machine, so "sent here,
  arrived there" is a plain difference.
- **Readiness.** Each run waits until the app answers `/healthz` and its alert poller has finished a first
  poll, then warms up (Bolt's first request runs `auth.test`) before measuring.
- **Percentiles** interpolate linearly between ranks; with 200 samples the p99 rests on the top two or three.
- **The machine is shared.** These runs happen on a 2-core machine where the app, the stand-ins and the load
  generator compete for two cores, and other work may be running (see the load average above), so expect
  run-to-run noise of several milliseconds on the ack numbers.
- **Bolt acks on a 10 ms tick.** slack-bolt's async listener runner checks every 10 ms whether the listener
  has called `ack()` (`asyncio.sleep(0.01)` in `slack_bolt/listener/asyncio_runner.py`), so any Bolt app's
  ack latency sits on a 10 ms grid above the HTTP cost: one missed tick moves an ack by 10 ms.
- **Where our acks lose time.** Each lookup costs the app CPU on its one event loop (the Devin request
  through httpx, Bolt's dispatch, building the card and posting it to `response_url`; see *app CPU per
  command* under "Sustained slash commands"). An ack that arrives while another command's card is being
  built waits for the loop, and with Bolt's tick a short wait can cost a whole extra 10 ms; the share of
  acks past the second tick ("acks over 20 ms") shows how often that happened. The same per-command CPU
  bounds throughput: at *c* ms per command one core serves at most 1000 / *c* commands per second, and the
  app shares the machine's two cores with the stand-ins and the load generator here. Two changes, made
  after the first run measured 1.39x the bare app's p99 ack and 75 commands/s, cut that CPU from about
  9.4 ms to about 6 ms per command: the Devin client sends through the `httpx-aiohttp` transport (httpcore
  cost 4.5–7 ms per request under load), and replies to `response_url` go over one shared aiohttp session
  instead of slack_sdk's new session per reply (2.3 ms → 0.7 ms).
"""


def render(sections: Sequence[Section], facts: dict[str, object], *, quick: bool) -> str:
    load = facts["load_average"]
    assert isinstance(load, list)
    intro = INTRO.format(**(facts | {"load": " / ".join(f"{value:g}" for value in load)}))
    if quick:
        intro += "\n**Quick run (`--quick`): tiny sizes, for checking the scripts, not for reading numbers.**\n"
    marks = {True: "✅ met", False: "❌ missed", None: ""}
    rows = [
        (section.title, headline.metric, headline.value, headline.target, marks[headline.met])
        for section in sections
        for headline in section.headlines
    ]
    rows += [(section.title, "—", "failed: see its section", "—", "") for section in sections if section.failed]
    summary = "## Summary\n\n" + table(["benchmark", "metric", "result", "target", ""], rows)
    timing = "; ".join(f"{s.key} {s.seconds:.0f} s" for s in sections if not s.failed)
    parts = [intro, summary + f"\n\nWall time per benchmark: {timing}.\n", METHOD]
    parts += [f"## {section.title}\n\n{section.body}\n" for section in sections]
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--quick", action="store_true", help="tiny sizes; prints the document unless --output")
    cli.add_argument("--in-process", action="store_true", help="our benchmarks on one event loop (indicative)")
    cli.add_argument("--output", type=Path, help="where to write the document (default docs/benchmarks.md)")
    cli.add_argument("--only", help="comma-separated: list, poll, command, unfurl, alert, throughput, memory")
    args = cli.parse_args(argv)
    wanted = set(args.only.split(",")) if args.only else None
    facts = machine()
    sections: list[Section] = []
    for bench in EXTERNALS:
        if wanted is None or bench.key in wanted:
            print(f"running {bench.script} …", file=sys.stderr, flush=True)
            sections.append(run_external(bench, quick=args.quick))
    for module in OURS:
        key = module.__name__.rsplit(".", 1)[-1]
        if wanted is None or any(name in key for name in wanted):
            print(f"running {key} …", file=sys.stderr, flush=True)
            sections.append(run_ours(module, quick=args.quick, in_process=args.in_process))
    document = render(sections, facts, quick=args.quick)
    output = args.output or (None if args.quick else DOC_PATH)
    if output is None:
        print(document)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(document)
        print(f"wrote {output}", file=sys.stderr)
    return 1 if any(section.failed for section in sections) else 0


if __name__ == "__main__":
    sys.exit(main())
