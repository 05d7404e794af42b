"""Listener runs in progress, counted: shutdown waits for them (bounded) before it closes the clients they use.

Bolt acks events and actions first and runs the listener afterwards, so "the request was answered" does not
mean "the work is done"; this is the app's own record of the latter (tests await it as well).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])


class InFlight:
    """`track(handler)` wraps a listener (keeping its signature, which Bolt reads to inject arguments)."""

    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def running(self) -> int:
        return self._running

    def track(self, handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def tracked(*args: Any, **kwargs: Any) -> Any:
            self._running += 1
            self._idle.clear()
            try:
                return await handler(*args, **kwargs)
            finally:
                self._running -= 1
                if self._running == 0:
                    self._idle.set()

        return tracked  # type: ignore[return-value]

    async def wait_idle(self, timeout: float) -> bool:
        """True once no listener runs; False if some still run after `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True
