"""The app as a real process (`python -m bot run --http`), for crash, restart and replica tests."""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.sandbox import SANDBOX_API_KEY, SANDBOX_BOT_TOKEN, SANDBOX_CHANNEL_ID, SANDBOX_ORG_ID, SANDBOX_SIGNING_SECRET
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.slack_api import SlackStandIn

READY_TIMEOUT_SECONDS = 30.0
READY_PROBE_INTERVAL = 0.1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_env(devin: DevinSimulator, slack: SlackStandIn, database_url: str, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "SLACK_BOT_TOKEN": SANDBOX_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SANDBOX_SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "DEVIN_API_KEY": SANDBOX_API_KEY,
        "DEVIN_ORG_ID": SANDBOX_ORG_ID,
        "DEVIN_API_URL": devin.url,
        "DATABASE_URL": database_url,
        "ALERT_CHANNEL": SANDBOX_CHANNEL_ID,
        "ALERT_POLL_SECONDS": "1",
        "LOG_LEVEL": "INFO",
    } | extra


@dataclass
class AppProcess:
    """One app process in HTTP mode on its own port; its log goes to a file for post-mortems."""

    env: dict[str, str]
    workdir: Path
    port: int = field(default_factory=free_port)
    process: asyncio.subprocess.Process | None = None
    fd_limit: int | None = None
    """RLIMIT_NOFILE for the process (both limits), as a small container would set it."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"app-{self.port}.log"

    async def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", str(self.port),
            env=self.env, cwd=self.workdir, stdout=log, stderr=log, preexec_fn=self._limits,
        )  # fmt: skip
        log.close()
        await self._wait_ready()

    def _limits(self) -> None:
        if self.fd_limit is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (self.fd_limit, self.fd_limit))

    async def _wait_ready(self) -> None:
        # Readiness of another process can only be observed by asking it; the probe loop is bounded.
        async with httpx.AsyncClient(base_url=self.url, timeout=1.0) as client:
            for _ in range(int(READY_TIMEOUT_SECONDS / READY_PROBE_INTERVAL)):
                assert self.process is not None and self.process.returncode is None, self.log_path.read_text()
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(READY_PROBE_INTERVAL)
        raise AssertionError(f"app on {self.port} not ready:\n{self.log_path.read_text()}")

    async def wait_for_log(self, needle: str, timeout: float = 15.0) -> None:
        """Wait until the process has logged `needle` (its log is the only window into a separate process)."""

        async def logged() -> bool:
            return needle in self.log_path.read_text(errors="replace")

        await wait_until(logged, timeout=timeout)

    async def health(self) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.url, timeout=2.0) as client:
            body: dict[str, Any] = (await client.get("/healthz")).json()
            return body

    async def kill(self) -> None:
        """SIGKILL: no cleanup, no chance to finish anything — a crash."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> int:
        """SIGTERM and wait: the graceful shutdown path."""
        if self.process is None or self.process.returncode is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout=15)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError(f"app did not stop on SIGTERM:\n{self.log_path.read_text()}") from None


async def wait_until(predicate: Any, *, timeout: float, interval: float = 0.1) -> float:
    """Poll an async predicate of another process's state until true; returns the seconds it took."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while loop.time() - started < timeout:
        if await predicate():
            return loop.time() - started
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
