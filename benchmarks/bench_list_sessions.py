"""Benchmark: page through N simulated sessions with DevinClient.list_sessions and report speed and memory.

Run: `uv run python benchmarks/bench_list_sessions.py [--sessions 10000] [--page-size 200]`.

The simulated org runs in a child process (this same script with `--serve`), so the memory figures
are the client's alone: tracemalloc's peak while iterating, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import resource
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from benchmarks.simulator_process import announce, start_server  # noqa: E402
from bot.devin.client import DevinClient  # noqa: E402
from bot.devin.retry import BACKGROUND_RETRY  # noqa: E402
from bot.sandbox import SANDBOX_API_KEY, SANDBOX_ORG_ID  # noqa: E402
from bot.sandbox.devin_org import DevinSimulator, serve_forever  # noqa: E402

DEFAULT_SESSIONS = 10_000
DEFAULT_PAGE_SIZE = 200


@dataclass(frozen=True)
class Run:
    sessions: int
    pages: int
    seconds: float


async def list_all(url: str, page_size: int) -> Run:
    """One full pass over the org (every page but the last is full, so pages = ceil(sessions / page size))."""
    client = DevinClient.create(api_url=url, api_key=SANDBOX_API_KEY, org_id=SANDBOX_ORG_ID, retry=BACKGROUND_RETRY)
    try:
        started = time.perf_counter()
        count = 0
        async for _session in client.list_sessions(page_size=page_size):
            count += 1
        seconds = time.perf_counter() - started
    finally:
        await client.aclose()
    pages = -(-count // page_size)
    return Run(sessions=count, pages=pages, seconds=seconds)


def serve(sessions: int) -> None:
    def ready(simulator: DevinSimulator) -> None:
        simulator.add_many(sessions)
        announce(simulator.url)

    try:
        asyncio.run(serve_forever(seed=False, ready=ready))
    except KeyboardInterrupt:
        pass


def max_rss_mib() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if platform.system() == "Darwin" else rss / 1024  # bytes on macOS, KiB on Linux


def report(timed: Run, traced: Run, peak_bytes: int, page_size: int) -> str:
    rows = [
        ("sessions listed", f"{timed.sessions:,}"),
        (f"pages (first={page_size})", f"{timed.pages:,}"),
        ("wall time", f"{timed.seconds:.2f} s"),
        ("pages/s", f"{timed.pages / timed.seconds:,.1f}"),
        ("sessions/s", f"{timed.sessions / timed.seconds:,.0f}"),
        ("client peak traced memory (tracemalloc)", f"{peak_bytes / (1024 * 1024):.1f} MiB"),
        ("wall time with tracemalloc on", f"{traced.seconds:.2f} s"),
        ("client peak RSS (ru_maxrss)", f"{max_rss_mib():.1f} MiB"),
    ]
    lines = ["| metric | value |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=DEFAULT_SESSIONS)
    parser.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE)
    parser.add_argument("--serve", type=int, metavar="N", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    child, url = start_server(__file__, args.sessions)
    try:
        asyncio.run(list_all(url, args.page_size))  # warm-up: imports, connection pool, server caches
        timed = asyncio.run(list_all(url, args.page_size))
        tracemalloc.start()
        traced = asyncio.run(list_all(url, args.page_size))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        child.terminate()
        child.wait(timeout=10)
    if timed.sessions != args.sessions:
        raise SystemExit(f"listed {timed.sessions} sessions, expected {args.sessions}")
    print(
        f"## DevinClient.list_sessions over {args.sessions:,} simulated sessions (Python {platform.python_version()})"
    )
    print()
    print(report(timed, traced, peak, args.page_size))


if __name__ == "__main__":
    main()
