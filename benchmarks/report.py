"""Benchmark statistics and reports: percentiles, markdown tables, headline results, machine facts, CLI glue."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

Json = dict[str, Any]
OptionsT = TypeVar("OptionsT")

# --- statistics and reports ------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ms(seconds: float) -> str:
    return "—" if math.isnan(seconds) else f"{seconds * 1000:,.1f} ms"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass(frozen=True)
class Headline:
    """One number for the summary table, with its target when there is one."""

    metric: str
    value: str
    target: str = "—"
    met: bool | None = None


@dataclass
class BenchResult:
    """What a benchmark reports: a markdown section and the headline numbers for the summary."""

    key: str
    title: str
    setup: str
    table: str
    headlines: list[Headline]
    data: Json = field(default_factory=dict)

    def markdown(self, level: int = 2) -> str:
        marks = {True: "✅", False: "❌", None: ""}
        summary = table(
            ["headline", "result", "target", ""], [(h.metric, h.value, h.target, marks[h.met]) for h in self.headlines]
        )
        return f"{'#' * level} {self.title}\n\n{self.setup}\n\n{self.table}\n\n{summary}\n"


def emit(result: BenchResult, output: str | None) -> None:
    """Print the section; with `--output FILE` also write it (`.json` gets the raw data instead)."""
    print(result.markdown())
    if output:
        path = Path(output)
        if path.suffix == ".json":
            path.write_text(json.dumps({"key": result.key, "data": result.data}, indent=2) + "\n")
        else:
            path.write_text(result.markdown())


def with_overrides(base: OptionsT, args: argparse.Namespace) -> OptionsT:
    """`base` (a dataclass of sizes) with every option given on the command line."""
    given = {f.name: getattr(args, f.name) for f in fields(base) if getattr(args, f.name, None) is not None}  # type: ignore[arg-type]
    return replace(base, **given)  # type: ignore[type-var]


def placement(in_process: bool) -> str:
    if in_process:
        return "Everything ran on one event loop (`--in-process`): indicative only."
    return "The app under test, the stand-ins and the load generator ran in separate processes."


def cli_main(
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None,
    *,
    default: OptionsT,
    quick: OptionsT,
    run: Callable[..., Coroutine[Any, Any, BenchResult]],
) -> BenchResult:
    """Parse the script's options (sizes plus --quick, --in-process, --output), run it and print the section."""
    parser.add_argument("--quick", action="store_true", help="tiny sizes (the smoke test)")
    parser.add_argument("--in-process", action="store_true", help="stand-ins and app on this process's event loop")
    parser.add_argument("--output", metavar="FILE", help="also write the markdown section (or JSON for *.json)")
    args = parser.parse_args(argv)
    options = with_overrides(quick if args.quick else default, args)
    result = asyncio.run(run(options, in_process=args.in_process))
    emit(result, args.output)
    return result


def machine() -> Json:
    """CPU model, cores, RAM, Python, OS, load and date: the context every number needs."""
    cpu = "unknown"
    memory_kib = 0
    if Path("/proc/cpuinfo").exists():
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
        cpu = models[0] if models else platform.processor() or "unknown"
        memory_kib = _proc_kib(Path("/proc/meminfo"), "MemTotal")
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(memory_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "load_average": [round(value, 2) for value in load],
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _proc_kib(path: Path, key: str) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(f"{key} not in {path}")


def memory_mib(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MiB, from /proc/<pid>/status (Linux)."""
    status = Path(f"/proc/{pid}/status")
    return _proc_kib(status, "VmRSS") / 1024, _proc_kib(status, "VmHWM") / 1024


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used, from /proc/<pid>/stat (Linux)."""
    after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(after_name[11]) + int(after_name[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU used by named processes since the meter was made, as fractions of one core (1.0 = a whole core)."""

    def __init__(self, pids: Mapping[str, int | None]) -> None:
        names: dict[int, list[str]] = {}
        for name, pid in pids.items():
            if pid is not None:
                names.setdefault(pid, []).append(name)  # in-process runs share one pid
        self._names = {pid: " + ".join(group) for pid, group in names.items()}
        self._before = {pid: cpu_seconds(pid) for pid in self._names}
        self._started = time.monotonic()

    def read(self) -> dict[str, float]:
        wall = time.monotonic() - self._started
        return {name: (cpu_seconds(pid) - self._before[pid]) / wall for pid, name in self._names.items()}
