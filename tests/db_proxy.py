"""A loopback TCP proxy in front of PostgreSQL that can fail on demand: `refuse()` closes every connection
(and each new one at once), `blackhole()` keeps connections open but never passes a byte either way.

Only ever listens on 127.0.0.1 and forwards to one fixed upstream; `aclose()` (or the context manager)
closes every socket it holds.
"""

from __future__ import annotations

import asyncio
import contextlib
from enum import Enum
from types import TracebackType

from sqlalchemy.engine import make_url

CHUNK = 64 * 1024


class Mode(Enum):
    PASS = "pass"
    REFUSE = "refuse"
    BLACKHOLE = "blackhole"


class FaultyDatabaseProxy:
    def __init__(self, upstream_url: str) -> None:
        upstream = make_url(upstream_url)
        self._upstream_url = upstream
        self._target = (upstream.host or "127.0.0.1", upstream.port or 5432)
        self._mode = Mode.PASS
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._resumed = asyncio.Event()
        self._resumed.set()
        self.port = 0

    @property
    def url(self) -> str:
        """The upstream database URL, pointed at this proxy."""
        proxied = self._upstream_url.set(host="127.0.0.1", port=self.port)
        return proxied.render_as_string(hide_password=False)

    async def __aenter__(self) -> FaultyDatabaseProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        await self.aclose()

    def refuse(self) -> None:
        """The database went away: every connection is closed, new ones are closed on arrival."""
        self._mode = Mode.REFUSE
        self._resumed.set()
        for writer in list(self._writers):
            writer.close()

    def blackhole(self) -> None:
        """The network went silent: connections stay open, nothing gets through (a dropped route)."""
        self._mode = Mode.BLACKHOLE
        self._resumed.clear()

    def restore(self) -> None:
        self._mode = Mode.PASS
        self._resumed.set()

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
        self._resumed.set()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            if self._mode is Mode.REFUSE:
                return
            await self._resumed.wait()  # a blackholed database does not even answer the handshake
            if self._mode is Mode.REFUSE:
                return
            up_reader, up_writer = await asyncio.open_connection(*self._target)
            self._writers.add(up_writer)
            pumps = [self._spawn(self._pump(reader, up_writer)), self._spawn(self._pump(up_reader, writer))]
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            up_writer.close()
        except OSError:
            pass
        finally:
            writer.close()

    def _spawn(self, coroutine: object) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(CHUNK):
                await self._resumed.wait()  # blackholed: hold the bytes, pass nothing
                if self._mode is Mode.REFUSE:
                    return
                writer.write(data)
                await writer.drain()
        writer.close()
