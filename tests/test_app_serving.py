"""Connection abuse against the HTTP server (loopback only, bounded in count and time): the connection cap,
the header and body deadlines, one log line per condition; and the accept-error log filter."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.serving import AcceptErrorLog, accept_backlog, connection_cap
from tests.fixtures_app import RunningApp, running_app

CAP = 20
FLOOD = 30
DEADLINE = 0.5


@asynccontextmanager
async def idle_connections(url: str, count: int) -> AsyncIterator[list[tuple[asyncio.StreamReader, Any]]]:
    """`count` connections to the app that send nothing; all closed on exit."""
    host, port = url.removeprefix("http://").split(":")
    opened = []
    try:
        for _ in range(count):
            opened.append(await asyncio.wait_for(asyncio.open_connection(host, int(port)), timeout=5))
        yield opened
    finally:
        for _, writer in opened:
            writer.close()


async def _closed_by_server(reader: asyncio.StreamReader, timeout: float = 5.0) -> bytes:
    """Everything the server sent before it hung up (bounded wait)."""
    return await asyncio.wait_for(reader.read(), timeout=timeout)


def _messages(caplog: pytest.LogCaptureFixture, prefix: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(prefix)]


async def test_connections_beyond_the_cap_get_503_and_the_app_recovers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_app(tmp_path, max_connections=CAP) as app:
        with caplog.at_level(logging.INFO):
            async with idle_connections(app.url, CAP) as held:
                assert len(held) == CAP
                async with idle_connections(app.url, FLOOD) as refused:
                    answers = await asyncio.gather(*(_closed_by_server(reader) for reader, _ in refused))
                assert all(answer.startswith(b"HTTP/1.1 503") for answer in answers)
                assert app.site.refused == FLOOD
            await _until(lambda: _open_connections(app) == 0)
            health = await app.sender._http.get("/healthz")
        assert health.status_code == 200
        assert app.site.refused == 0  # the episode ended with the first connection served after it
        assert _messages(caplog, "http.connections.capped") == ["http.connections.capped"]
        assert _messages(caplog, "http.connections.uncapped") == ["http.connections.uncapped"]


async def test_a_burst_of_connections_is_capped_exactly(tmp_path: Path) -> None:
    # All at once: one turn of asyncio's accept loop takes many before any handler has its connection_made,
    # so the cap must count connections as it hands them out, not from aiohttp's list of open ones.
    async with running_app(tmp_path, max_connections=CAP) as app:
        host, port = app.url.removeprefix("http://").split(":")
        opened = await asyncio.gather(*(asyncio.open_connection(host, int(port)) for _ in range(CAP + FLOOD)))
        try:

            async def answer(reader: asyncio.StreamReader) -> bytes:
                try:
                    return await asyncio.wait_for(reader.read(100), timeout=1.0)
                except TimeoutError:  # served: it waits, idle, for a request
                    return b""

            answers = await asyncio.gather(*(answer(reader) for reader, _ in opened))
        finally:
            for _, writer in opened:
                writer.close()
        assert sum(a.startswith(b"HTTP/1.1 503") for a in answers) == FLOOD
        assert app.site.open == CAP
        await _until(lambda: app.site.open == 0)


async def test_a_connection_that_never_sends_its_headers_is_closed(tmp_path: Path) -> None:
    async with running_app(tmp_path, header_timeout=DEADLINE) as app:
        async with idle_connections(app.url, 2) as ((silent, _), (slow, slow_writer)):
            slow_writer.write(b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slack-Signature: v0=")
            started = asyncio.get_running_loop().time()
            assert await _closed_by_server(silent) == b""
            assert await _closed_by_server(slow) == b""
            assert asyncio.get_running_loop().time() - started < DEADLINE + 3.0


async def test_a_body_that_trickles_in_gets_408(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.web.BODY_TIMEOUT_SECONDS", DEADLINE)
    async with running_app(tmp_path) as app:
        async with idle_connections(app.url, 1) as ((reader, writer),):
            writer.write(
                b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 1000\r\n\r\ncommand=%2Fdevin"
            )
            answer = await asyncio.wait_for(reader.readline(), timeout=5)
        assert answer.startswith(b"HTTP/1.1 408")
        assert app.slack.calls_to("response_url") == []


def test_the_cap_leaves_descriptors_for_everything_else(monkeypatch: pytest.MonkeyPatch) -> None:
    for soft, expected in ((1024, 512), (600, 450), (256, 192), (40, 30), (8, 16)):
        monkeypatch.setattr("resource.getrlimit", lambda _, soft=soft: (soft, soft))
        assert connection_cap(512) == expected


def test_one_accept_burst_fits_in_the_descriptors_the_cap_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each socket one turn of the accept loop takes is a descriptor before it is served or refused.
    for soft, expected in ((1024, 128), (256, 32), (40, 8)):
        monkeypatch.setattr("resource.getrlimit", lambda _, soft=soft: (soft, soft))
        assert accept_backlog(connection_cap(512)) == expected
        assert connection_cap(512) + accept_backlog(connection_cap(512)) <= soft


def test_accept_errors_become_one_line_per_quiet_period(caplog: pytest.LogCaptureFixture) -> None:
    loop = asyncio.new_event_loop()
    try:
        passed: list[dict[str, Any]] = []
        loop.set_exception_handler(lambda _, context: passed.append(context))
        handler = AcceptErrorLog(loop, quiet_seconds=3600)
        handler.install()
        emfile = {"message": "socket.accept() out of system resource", "exception": OSError(24, "Too many open files")}
        with caplog.at_level(logging.WARNING):
            for _ in range(500):
                loop.call_exception_handler(dict(emfile))
            loop.call_exception_handler({"message": "something else"})
        assert _messages(caplog, "http.accept.failed") == ["http.accept.failed"]
        assert handler.suppressed == 499
        assert [c["message"] for c in passed] == ["something else"]
        assert "Too many open files" not in caplog.text
    finally:
        loop.close()


def _open_connections(app: RunningApp) -> int:
    server = app.site._runner.server
    return len(server.connections) if server is not None else 0


async def _until(predicate: Any, timeout: float = 5.0) -> None:
    """Yield to the loop (the server runs on it) until `predicate` holds; bounded."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not met"
        await asyncio.sleep(0)
