"""Serving HTTP under abuse: a header deadline, a body deadline, a cap on open connections, and one log line
per condition (not one traceback per connection).

aiohttp keeps an idle connection for an hour by default and has no header deadline of its own; its
keep-alive timer, though, runs from the moment a connection opens (and from each response) until a
complete request head arrives, so a short `keepalive_timeout` *is* the header deadline for slow-header
clients and the idle limit at once. The body deadline is `slack_events_handler`'s (`BODY_TIMEOUT_SECONDS`).
"""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

log = logging.getLogger(__name__)

HEADER_TIMEOUT_SECONDS = 10.0
"""From connection (or the previous response) to a complete request head; idle connections close then too."""
LINGER_SECONDS = 1.0
"""After an early answer (408, 413), how long the rest of a request body is drained before hanging up
(aiohttp's default, 10 s, keeps each abusive connection that much longer)."""
CONNECTIONS_MAX = 512
"""Open HTTP connections served at once; more are answered 503 and closed at once (Slack retries)."""
DESCRIPTORS_RESERVED = 256
"""File descriptors kept free for what the app dials out (Slack, Devin, the database) and for the log
(a quarter of the limit when that is smaller)."""
ACCEPT_BACKLOG = 128
"""Connections the kernel queues for accept (lowered by `accept_backlog` under a small descriptor limit)."""
_BUSY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 1\r\n\r\n"
_ACCEPT_FAILED = "socket.accept() out of system resource"


def connection_cap(wanted: int = CONNECTIONS_MAX) -> int:
    """`wanted`, lowered so the cap can never exhaust the process's file descriptors."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(16, min(wanted, soft - min(DESCRIPTORS_RESERVED, soft // 4)))


def accept_backlog(max_connections: int, wanted: int = ACCEPT_BACKLOG) -> int:
    """The listen backlog, which is also how many sockets one turn of asyncio's accept loop takes (each a
    descriptor) before any of them is served or refused: at most half the descriptors the cap leaves free,
    or a burst of connections exhausts them and the app's own calls out fail with EMFILE."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(8, min(wanted, (soft - max_connections) // 2))


def app_runner(
    application: web.Application, *, header_timeout: float = HEADER_TIMEOUT_SECONDS, **kwargs: Any
) -> web.AppRunner:
    """An AppRunner with the header deadline and no access log (events are logged with their own keys)."""
    return web.AppRunner(
        application, access_log=None, keepalive_timeout=header_timeout, lingering_time=LINGER_SECONDS, **kwargs
    )


class CappedSite(web.BaseSite):
    """A TCP site that serves at most `max_connections` connections; the rest get a 503 and are closed."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, *, max_connections: int | None = None) -> None:
        super().__init__(runner)
        self._host, self._port = host, port
        self.max_connections = max_connections if max_connections is not None else connection_cap()
        self.refused = 0
        """Connections refused since the cap was last reached (reset when it clears)."""
        self.open = 0
        """Connections handed to a request handler and not lost yet. Counted here, not from aiohttp's
        `server.connections`: a handler joins those only in `connection_made`, a loop turn after it was made,
        and one turn of asyncio's accept loop makes up to `backlog` of them, so a burst counted that way
        overshoots the cap by as much (and the descriptors it guards)."""
        self._capped = False

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        server = self._runner.server
        assert server is not None
        self._server = await loop.create_server(
            self._protocol_factory(server),
            self._host,
            self._port,
            reuse_address=True,
            backlog=accept_backlog(self.max_connections),
        )

    def bound_port(self) -> int:
        assert isinstance(self._server, asyncio.Server)
        sockets: list[socket.socket] = list(self._server.sockets)
        return int(sockets[0].getsockname()[1])

    def _protocol_factory(self, server: web.Server) -> Callable[[], asyncio.Protocol]:
        def protocol() -> asyncio.Protocol:
            if self.open < self.max_connections:
                if self._capped and self.open < self.max_connections * 0.9:
                    self._capped = False
                    log.info("http.connections.uncapped", extra={"refused": self.refused})
                    self.refused = 0
                self.open += 1
                return _Counted(server(), self)
            self.refused += 1
            if not self._capped:
                self._capped = True
                log.warning("http.connections.capped", extra={"max_connections": self.max_connections})
            return _Busy()

        return protocol


class _Counted(asyncio.Protocol):
    """A request handler, counted in its site's `open` from now until its connection is lost.

    A wrapper, since aiohttp's handler has `__slots__`; the transport talks to it through these methods only.
    """

    def __init__(self, handler: RequestHandler, site: CappedSite) -> None:
        self._handler, self._site = handler, site

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._handler.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self._handler.data_received(data)

    def eof_received(self) -> None:
        self._handler.eof_received()  # None: the transport closes itself, as for the handler alone

    def pause_writing(self) -> None:
        self._handler.pause_writing()

    def resume_writing(self) -> None:
        self._handler.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self._site.open -= 1
        self._handler.connection_lost(exc)


class _Busy(asyncio.Protocol):
    """Answers 503 and hangs up, without reading the request: a cheap refusal that frees the descriptor."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(_BUSY)
        transport.close()


class AcceptErrorLog:
    """An event-loop exception handler that turns asyncio's accept() failures (EMFILE: one traceback each,
    many a second) into one warning per `quiet_seconds`; everything else goes to the previous handler."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, quiet_seconds: float = 60.0) -> None:
        self._loop, self._quiet = loop, quiet_seconds
        self._previous = loop.get_exception_handler()
        self._last_logged: float | None = None
        self.suppressed = 0

    def install(self) -> None:
        self._loop.set_exception_handler(self)

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if str(context.get("message", "")).startswith(_ACCEPT_FAILED):
            now = loop.time()
            if self._last_logged is None or now - self._last_logged >= self._quiet:
                error = context.get("exception")
                log.warning(
                    "http.accept.failed",
                    extra={"error": type(error).__name__ if error else "unknown", "since_last": self.suppressed},
                )
                self._last_logged, self.suppressed = now, 0
            else:
                self.suppressed += 1
            return
        if self._previous is not None:
            self._previous(loop, context)
        else:
            loop.default_exception_handler(context)
