"""The simulated Devin org in a child process, so its CPU never competes with what a benchmark measures.

Only the standard library here: bench_list_sessions measures the client's memory, and importing this must
not load Bolt or aiohttp's server into the measuring process.
"""

from __future__ import annotations

import subprocess
import sys

READY_PREFIX = "SIMULATOR_URL="
"""The child prints this and its URL on one line once it serves."""


def start_server(script: str, sessions: int, *extra: str) -> tuple[subprocess.Popen[str], str]:
    """Run `script --serve <sessions> [extra…]` and wait for its URL; the caller terminates the child."""
    child = subprocess.Popen(
        [sys.executable, script, "--serve", str(sessions), *extra], stdout=subprocess.PIPE, text=True, bufsize=1
    )
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    if not line.startswith(READY_PREFIX):
        child.kill()
        raise SystemExit(f"the simulator did not start: {line!r}")
    return child, line.removeprefix(READY_PREFIX)


def announce(url: str) -> None:
    """Called in the child once the simulator serves."""
    print(READY_PREFIX + url, flush=True)
