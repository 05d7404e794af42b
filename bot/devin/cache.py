"""A short-lived, single-flight cache of session lookups, so repeated pastes don't hammer Devin."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from cachetools import TLRUCache

from bot.devin.client import DevinClient
from bot.devin.errors import DevinNotFoundError
from bot.devin.models import Session, SessionStatus

ACTIVE_TTL_SECONDS = 30.0
"""A running session changes; show fresh data within half a minute."""
ENDED_TTL_SECONDS = 600.0
"""A session that has ended (`exit`, `error`) no longer changes much."""
NOT_FOUND_TTL_SECONDS = 30.0
CACHE_SIZE = 2048
_ENDED = frozenset({SessionStatus.EXIT, SessionStatus.ERROR})

_Entry = Session | DevinNotFoundError


class SessionCache:
    """`get_session` with a TTL per entry (longer for ended sessions) and one request per id in flight."""

    def __init__(self, devin: DevinClient, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._devin = devin
        self._cache: TLRUCache[str, _Entry] = TLRUCache(maxsize=CACHE_SIZE, ttu=_expires_at, timer=clock)
        self._inflight: dict[str, asyncio.Future[Session]] = {}

    async def get_session(self, session_id: str) -> Session:
        """The session, from cache when fresh; concurrent callers for one id share a single request."""
        cached = self._cache.get(session_id)
        if isinstance(cached, DevinNotFoundError):
            raise cached
        if cached is not None:
            return cached
        pending = self._inflight.get(session_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Session] = asyncio.get_running_loop().create_future()
        self._inflight[session_id] = future
        try:
            session = await self._devin.get_session(session_id)
        except DevinNotFoundError as error:
            self._cache[session_id] = error
            future.set_exception(error)
            raise
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as error:  # handed to the waiters, then re-raised unchanged
            future.set_exception(error)
            raise
        else:
            self._cache[session_id] = session
            future.set_result(session)
            return session
        finally:
            del self._inflight[session_id]
            if future.done() and not future.cancelled():
                future.exception()  # mark retrieved: waiters may be gone, and asyncio would warn


def _expires_at(_key: str, value: _Entry, now: float) -> float:
    if isinstance(value, DevinNotFoundError):
        return now + NOT_FOUND_TTL_SECONDS
    return now + (ENDED_TTL_SECONDS if value.status in _ENDED else ACTIVE_TTL_SECONDS)
