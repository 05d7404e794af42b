"""Shared benchmark plumbing: stand-ins and apps in child processes, a signed load generator, stats and reports.

Layout of a run (the default): the simulated Devin org and the Slack stand-in run in one child process
(`python benchmarks/common.py world`), the app under test in another (`python -m bot run --http`, the real
HTTP mode, configured only through environment variables), and the load generator in the calling process.
`--in-process` puts all of them on one event loop instead: quick to start (the smoke test uses it), but the
numbers are then distorted by the shared loop.

Clocks: the stand-ins stamp each recorded Slack call with `time.monotonic()` (CLOCK_MONOTONIC, one clock for
every process on the machine), so "sent here → arrived there" differences are valid across processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run from a checkout without installing

# Only what the bare Bolt app needs is imported here: `common.py bare` is the memory baseline, so the
# app (`bot.app`) and the stand-ins (`bot.sandbox.*`) are imported where they are used.
import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request  # noqa: E402
from slack_bolt.async_app import AsyncAck, AsyncApp  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402

from bot.ids import SLASH_COMMAND  # noqa: E402
from bot.sandbox import SANDBOX_BOT_TOKEN, SANDBOX_CHANNEL_ID, SANDBOX_SIGNING_SECRET  # noqa: E402

if TYPE_CHECKING:
    from bot.sandbox.devin_org import DevinSimulator
    from bot.sandbox.slack_api import SlackCall, SlackStandIn

Json = dict[str, Any]
OptionsT = TypeVar("OptionsT")
START_TIMEOUT_SECONDS = 120.0
"""Generous: on a busy 2-core machine importing the app alone can take over ten seconds."""
STOP_TIMEOUT_SECONDS = 15.0
REQUEST_TIMEOUT_SECONDS = 30.0
HEALTH_POLL_SECONDS = 0.1
WAIT_SCAN_SECONDS = 0.005
DEVIN_APP_URL = "https://app.devin.ai"
SLACK_EVENTS_PATH = "/slack/events"
"""The app's one request URL (`bot.app.SLACK_EVENTS_PATH`), which the bare app serves too."""

QUIET_ENV = {"ALERT_LOOKBACK_MINUTES": "0"}
"""Seeded suspensions must not raise alerts (and their delivery work) in the middle of a measurement."""


def session_link(session_id: str) -> str:
    return f"{DEVIN_APP_URL}/sessions/{session_id.removeprefix('devin-')}"


# --- the stand-ins ("world"): the same operations in-process or over HTTP ---------------------------


class World(Protocol):
    """What a benchmark does to the stand-ins: shape the Devin org and read what reached Slack."""

    devin_url: str
    slack_url: str
    pid: int
    """The process the stand-ins run in."""

    async def latency(self, seconds: float, path_contains: str) -> None: ...

    async def add_sessions(self, n: int, fields: Json | None = None) -> list[str]: ...

    async def set_status(self, session_id: str, status: str, detail: str | None) -> float: ...

    async def wait_calls(
        self, method: str, count: int, *, since: float = 0.0, where: Json | None = None, timeout: float = 30.0
    ) -> list[Json]: ...


def call_summary(call: SlackCall) -> Json:
    """The parts of a recorded Slack call a benchmark needs (bodies with full cards stay in the stand-in)."""
    body = call.body
    unfurls = body.get("unfurls")
    return {
        "method": call.method,
        "at": call.at,
        "hook": call.hook,
        "ok": call.ok,
        "channel": body.get("channel"),
        "ts": body.get("ts"),
        "thread_ts": body.get("thread_ts"),
        "unfurls": len(unfurls) if isinstance(unfurls, dict) else 0,
    }


class LocalWorld:
    """The stand-ins on this event loop."""

    def __init__(self, devin: DevinSimulator, slack: SlackStandIn) -> None:
        self.devin, self.slack = devin, slack
        self.devin_url, self.slack_url = devin.url, slack.url
        self.pid = os.getpid()

    async def latency(self, seconds: float, path_contains: str) -> None:
        from bot.sandbox.devin_org import UNTIL_CLEARED

        self.devin.clear_faults()
        if seconds > 0:
            self.devin.inject(latency=seconds, path_contains=path_contains, times=UNTIL_CLEARED)

    async def add_sessions(self, n: int, fields: Json | None = None) -> list[str]:
        return self.devin.add_many(n, **(fields or {}))

    async def set_status(self, session_id: str, status: str, detail: str | None) -> float:
        self.devin.set_status(session_id, status, detail)
        return time.monotonic()

    async def wait_calls(
        self, method: str, count: int, *, since: float = 0.0, where: Json | None = None, timeout: float = 30.0
    ) -> list[Json]:
        """Calls to `method` recorded at or after `since` whose body has the `where` values (None: absent).

        It scans only calls recorded since its last look, every few milliseconds: `SlackStandIn.wait_for`
        rescans every call on each new one, which costs seconds of the stand-in's CPU after thousands of
        commands. The stand-in's own timestamps are used, so the scan interval never enters a measurement.
        On timeout the calls found so far are returned: an overloaded app that drops answers is a result.
        """
        conditions = dict(where or {})
        deadline = time.monotonic() + timeout
        found: list[SlackCall] = []
        seen = 0
        while True:
            recorded = self.slack.calls
            for call in recorded[seen:]:
                if call.method == method and call.at >= since:
                    if all(call.body.get(k) == v for k, v in conditions.items()):
                        found.append(call)
            seen = len(recorded)
            if len(found) >= count or time.monotonic() >= deadline:
                return [call_summary(call) for call in found]
            await asyncio.sleep(WAIT_SCAN_SECONDS)


class RemoteWorld:
    """The stand-ins in a child process, driven through `probe_application` routes."""

    def __init__(self, urls: Json, http: aiohttp.ClientSession) -> None:
        self.devin_url, self.slack_url, self._probe = urls["devin_url"], urls["slack_url"], urls["url"]
        self.pid: int = urls["pid"]
        self._http = http

    async def _post(self, route: str, body: Json, timeout: float = REQUEST_TIMEOUT_SECONDS) -> Any:
        async with self._http.post(self._probe + route, json=body, timeout=aiohttp.ClientTimeout(timeout)) as reply:
            reply.raise_for_status()
            return await reply.json()

    async def latency(self, seconds: float, path_contains: str) -> None:
        await self._post("/latency", {"seconds": seconds, "path_contains": path_contains})

    async def add_sessions(self, n: int, fields: Json | None = None) -> list[str]:
        ids: list[str] = await self._post("/sessions", {"n": n, "fields": fields or {}})
        return ids

    async def set_status(self, session_id: str, status: str, detail: str | None) -> float:
        at: float = await self._post("/status", {"session_id": session_id, "status": status, "detail": detail})
        return at

    async def wait_calls(
        self, method: str, count: int, *, since: float = 0.0, where: Json | None = None, timeout: float = 30.0
    ) -> list[Json]:
        body = {"method": method, "count": count, "since": since, "where": where or {}, "timeout": timeout}
        calls: list[Json] = await self._post("/wait", body, timeout=timeout + REQUEST_TIMEOUT_SECONDS)
        return calls


def probe_application(world: LocalWorld) -> web.Application:
    """HTTP routes over a LocalWorld, for the load generator in another process."""

    async def latency(request: web.Request) -> web.Response:
        body = await request.json()
        await world.latency(float(body["seconds"]), str(body["path_contains"]))
        return web.json_response(None)

    async def sessions(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response(await world.add_sessions(int(body["n"]), body["fields"]))

    async def status(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response(await world.set_status(body["session_id"], body["status"], body["detail"]))

    async def wait(request: web.Request) -> web.Response:
        b = await request.json()
        calls = await world.wait_calls(
            b["method"], b["count"], since=b["since"], where=b["where"], timeout=b["timeout"]
        )
        return web.json_response(calls)

    app = web.Application()
    for route, handler in (("/latency", latency), ("/sessions", sessions), ("/status", status), ("/wait", wait)):
        app.router.add_post(route, handler)
    return app


@asynccontextmanager
async def world_up(*, in_process: bool, workdir: Path) -> AsyncIterator[World]:
    """The simulated Devin org (seeded) and the Slack stand-in, here or in a child process."""
    if in_process:
        from bot.sandbox.devin_org import DevinSimulator
        from bot.sandbox.slack_api import SlackStandIn

        async with DevinSimulator() as devin, SlackStandIn() as slack:
            yield LocalWorld(devin, slack)
        return
    child = await _spawn_json_child(["world"], workdir / "world.log")
    try:
        async with aiohttp.ClientSession() as http:
            yield RemoteWorld(child.ready, http)
    finally:
        await child.stop()


# --- processes -------------------------------------------------------------------------------------


@dataclass
class Child:
    process: asyncio.subprocess.Process
    log: Path
    ready: Json = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""

    async def stop(self) -> None:
        """SIGTERM (graceful shutdown), then SIGKILL if it does not exit in time."""
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT_SECONDS)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


def _child_env(extra: Mapping[str, str]) -> dict[str, str]:
    """Only what Python needs plus `extra`: a developer's SLACK_*/DEVIN_* or proxy settings never leak in."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")}
    return keep | {"PYTHONPATH": str(ROOT)} | dict(extra)


async def _spawn_json_child(args: Sequence[str], log: Path) -> Child:
    """Start `common.py <args>` and wait for the JSON line it prints once it listens."""
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, *args, stdout=asyncio.subprocess.PIPE, stderr=sink, env=_child_env({})
        )
    child = Child(process, log)
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT_SECONDS)
        child.ready = json.loads(line)
    except (TimeoutError, ValueError):
        await child.stop()
        raise RuntimeError(f"{args[0]} did not start:\n{child.log_tail()}") from None
    return child


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def app_env(world: World, workdir: Path, overrides: Mapping[str, str]) -> dict[str, str]:
    """The app's whole configuration, as `devin-insights sandbox` prints it, plus a store in `workdir`."""
    from bot.sandbox.serve import sandbox_env

    devin_url, slack_api_url = world.devin_url, world.slack_url + "/api/"
    env = dict(line.split("=", 1) for line in sandbox_env(devin_url, slack_api_url))
    return env | {"DATABASE_URL": f"sqlite:///{workdir}/store.db"} | dict(overrides)


@dataclass(frozen=True)
class AppHandle:
    url: str
    pid: int | None
    """The app's process id when it runs in a child process."""


@asynccontextmanager
async def app_up(
    world: World,
    workdir: Path,
    *,
    in_process: bool,
    env: Mapping[str, str] | None = None,
    profile: Path | None = None,
) -> AsyncIterator[AppHandle]:
    """The real app (`create_app`, alert engine included) in HTTP mode; ready once its first poll finished.

    `profile`: run the child under cProfile and write its stats there when it stops (SIGTERM).
    """
    config = app_env(world, workdir, env or {})
    if in_process:
        from bot.app import create_app
        from bot.config import Settings

        settings = Settings(**{k.lower(): v for k, v in config.items()})  # type: ignore[arg-type]
        runner = web.AppRunner(create_app(settings).web_application(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        try:
            url = f"http://127.0.0.1:{runner.addresses[0][1]}"
            await _wait_ready(url, None)
            yield AppHandle(url, None)
        finally:
            await runner.cleanup()
        return
    port = free_port()
    profiler = ["-m", "cProfile", "-o", str(profile)] if profile is not None else []
    command = [sys.executable, *profiler, "-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", str(port)]
    log = workdir / "app.log"
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            *command, stdout=sink, stderr=sink, env=_child_env(config), cwd=workdir
        )
    child = Child(process, log)
    try:
        url = f"http://127.0.0.1:{port}"
        await _wait_ready(url, child)
        yield AppHandle(url, child.pid)
    finally:
        await child.stop()


async def _wait_ready(url: str, child: Child | None) -> None:
    """Poll `/healthz` until the app answers and its alert poller has finished a first poll."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if child is not None and child.process.returncode is not None:
                raise RuntimeError(f"the app exited with {child.process.returncode}:\n{child.log_tail()}")
            try:
                async with http.get(url + "/healthz") as reply:
                    health = await reply.json()
                if health.get("alerts", {}).get("last_poll_at") is not None:
                    return
            except aiohttp.ClientError:
                pass  # not listening yet
            await asyncio.sleep(HEALTH_POLL_SECONDS)  # start-up has no event to await across processes
    raise RuntimeError(
        f"the app was not ready within {START_TIMEOUT_SECONDS:.0f}s:\n{child.log_tail() if child else ''}"
    )


def bare_application(slack_api_url: str) -> web.Application:
    """A Bolt AsyncApp that only acks the command, served exactly like ours (same adapter, same signing)."""
    bolt = AsyncApp(
        client=AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=slack_api_url), signing_secret=SANDBOX_SIGNING_SECRET
    )

    @bolt.command(SLASH_COMMAND)
    async def ack_only(ack: AsyncAck) -> None:
        await ack()

    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    application = web.Application()
    application.router.add_post(SLACK_EVENTS_PATH, slack_events)
    return application


@asynccontextmanager
async def bare_up(world: World, workdir: Path, *, in_process: bool) -> AsyncIterator[AppHandle]:
    """The bare Bolt app, here or in its own child process."""
    slack_api_url = world.slack_url + "/api/"
    if not in_process:
        child = await _spawn_json_child(["bare", slack_api_url], workdir / "bare.log")
        try:
            yield AppHandle(child.ready["url"], child.pid)
        finally:
            await child.stop()
        return
    runner = web.AppRunner(bare_application(slack_api_url), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield AppHandle(f"http://127.0.0.1:{runner.addresses[0][1]}", None)
    finally:
        await runner.cleanup()


@asynccontextmanager
async def scratch_dir() -> AsyncIterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="devin-insights-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --- the load generator ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One delivery: when it left (monotonic), how long the answer took, and the HTTP status (0: failed)."""

    at: float
    elapsed: float
    status: int
    hook: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200


class SlackPoster:
    """Posts signed Slack requests to one app over aiohttp (lighter than httpx at hundreds per second)."""

    def __init__(self, app_url: str, slack_url: str, *, connections: int = 100) -> None:
        from bot.sandbox.slack_api import REGULAR_USER_ID
        from bot.sandbox.slack_requests import sign, slash_command

        self._sign, self._slash_command, self._user = sign, slash_command, REGULAR_USER_ID
        self._url = app_url + SLACK_EVENTS_PATH
        self._hooks = slack_url + "/hooks/"
        connector = aiohttp.TCPConnector(limit=connections)
        self._http = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(REQUEST_TIMEOUT_SECONDS))

    async def __aenter__(self) -> SlackPoster:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._http.close()

    async def command(self, text: str) -> Sent:
        """`/devin-insights <text>` from a regular user in the sandbox channel, with a fresh response_url."""
        hook = uuid.uuid4().hex
        fields = self._slash_command(
            text, response_url=self._hooks + hook, user_id=self._user, channel_id=SANDBOX_CHANNEL_ID
        )
        return await self._post(urlencode(fields).encode(), "application/x-www-form-urlencoded", hook)

    async def event(self, body: Json) -> Sent:
        return await self._post(json.dumps(body).encode(), "application/json", "")

    async def _post(self, body: bytes, content_type: str, hook: str) -> Sent:
        headers = {"Content-Type": content_type, **self._sign(SANDBOX_SIGNING_SECRET, body)}
        started = time.monotonic()
        try:
            async with self._http.post(self._url, data=body, headers=headers) as reply:
                await reply.read()
                status = reply.status
        except (aiohttp.ClientError, TimeoutError):
            status = 0
        return Sent(started, time.monotonic() - started, status, hook)


# --- child process entry points --------------------------------------------------------------------


async def _serve_until_terminated(application: web.Application, ready: Json) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    print(json.dumps(ready | {"url": f"http://127.0.0.1:{runner.addresses[0][1]}", "pid": os.getpid()}), flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


async def _serve_world() -> None:
    from bot.sandbox.devin_org import DevinSimulator
    from bot.sandbox.slack_api import SlackStandIn

    async with DevinSimulator() as devin, SlackStandIn() as slack:
        world = LocalWorld(devin, slack)
        application = probe_application(world)
        await _serve_until_terminated(application, {"devin_url": devin.url, "slack_url": slack.url})


def _child_main(argv: Sequence[str]) -> None:
    role = argv[0] if argv else ""
    if role == "world":
        asyncio.run(_serve_world())
    elif role == "bare":
        asyncio.run(_serve_until_terminated(bare_application(argv[1]), {}))
    else:
        raise SystemExit("usage: common.py world | bare <slack-api-url>")


if __name__ == "__main__":
    _child_main(sys.argv[1:])
