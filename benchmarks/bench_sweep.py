"""What the 15-minute sweep costs: a plain poll against a sweep poll, by how many sessions changed recently.

Run: `uv run python benchmarks/bench_sweep.py [--recent 0,200,2000] [--org 5000]`

The org holds `--org` running sessions updated long ago plus `recent` sessions updated over the last
15 minutes (as an active org has), served over real HTTP on 127.0.0.1. After a first poll, a plain
poll (the overlap window, 2 minutes) and a sweep poll (every second poll: 15 minutes back, never
further than 15 minutes before now) are timed. Unchanged sessions cost a read, never a write. Times
are wall-clock seconds on this machine, simulator included.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from benchmarks.bench_poll import Rig  # noqa: E402
from bot.alerts.poller import SWEEP_SECONDS  # noqa: E402
from bot.sandbox.devin_org import DevinSimulator  # noqa: E402

DEFAULT_RECENT = (0, 200, 2_000)
DEFAULT_ORG = 5_000


async def measure(recent: int, org_size: int, db: Path) -> tuple[int, float, int, float]:
    clock_start = time.time()
    org = DevinSimulator(seed=False)
    org.add_many(org_size, status="running", status_detail="working", updated_at=int(clock_start) - 6 * 3600)
    for n in range(recent):
        org.add_session(
            status="running", status_detail="working", updated_at=int(clock_start) - n * SWEEP_SECONDS // max(1, recent)
        )
    await org.start()
    try:
        rig = await Rig.open(org, db, lookback_minutes=60)
        try:
            await rig.poll(org)  # first poll: stores what it sees
            plain = await rig.poll(org)  # poll 2 of this engine is a sweep, poll 3 a plain one
            sweep = await rig.poll(org)
            plain, sweep = (sweep, plain) if plain.requests > sweep.requests else (plain, sweep)
        finally:
            await rig.aclose()
    finally:
        await org.stop()
    return plain.requests, plain.seconds, sweep.requests, sweep.seconds


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--recent", default=",".join(map(str, DEFAULT_RECENT)))
    parser.add_argument("--org", type=int, default=DEFAULT_ORG)
    args = parser.parse_args()
    lines = [
        "| sessions changed in the last 15 min | plain poll | sweep poll (every 2nd) |",
        "|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        for recent in [int(part) for part in args.recent.split(",") if part]:
            p_req, p_s, s_req, s_s = await measure(recent, args.org, Path(tmp) / f"{recent}.db")
            lines.append(f"| {recent:,} | {p_req} req, {p_s * 1000:.0f} ms | {s_req} req, {s_s * 1000:.0f} ms |")
    print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())
