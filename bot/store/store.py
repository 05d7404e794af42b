"""The Store: one AsyncEngine, migrated at open, handing out transactions; plus the poller lease."""

from __future__ import annotations

import asyncio
import threading
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.dialect import insert
from bot.store.engine import create_engine
from bot.store.migrations import migrate
from bot.store.schema import lease

DRIVER_THREAD_JOIN_SECONDS = 1.0
POLLER_LEASE = "alerts.poller"


class Store:
    """The app's database. Query functions in this package take the connection a transaction gives.

    Args:
        engine: an engine from `create_engine()` (SQLite needs its begin hook for safe writes).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @classmethod
    async def open(cls, url: str, **engine_kwargs: Any) -> Store:
        """Connect to `url` (a plain sqlite:// or postgresql:// URL) and migrate the schema."""
        before = set(threading.enumerate())
        engine = create_engine(url, **engine_kwargs)
        try:
            await migrate(engine)
        except BaseException:
            await engine.dispose()  # nobody else holds the engine: close its connections now
            await _settle_driver_threads(set(threading.enumerate()) - before)
            raise
        return cls(engine)

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self._engine.dialect.name

    def transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection inside a transaction, committed when the block exits normally, else rolled back."""
        return self._engine.begin()

    async def aclose(self) -> None:
        await self._engine.dispose()

    async def try_acquire_lease(self, holder: str, ttl_seconds: float, now: float, *, name: str = POLLER_LEASE) -> bool:
        """Take the lease if it is free, expired or already ours (then renew it); True if we hold it now.

        One INSERT … ON CONFLICT DO UPDATE … WHERE, atomic on SQLite and PostgreSQL: of two
        processes racing for an expired lease exactly one row update wins.
        """
        async with self.transaction() as conn:
            stmt = insert(conn, lease).values(name=name, holder=holder, expires_at=now + ttl_seconds)
            stmt = stmt.on_conflict_do_update(
                index_elements=["name"],
                set_={"holder": stmt.excluded.holder, "expires_at": stmt.excluded.expires_at},
                where=or_(lease.c.holder == holder, lease.c.expires_at <= now),
            )
            result = await conn.execute(stmt)
            return result.rowcount == 1

    async def renew_lease(self, holder: str, ttl_seconds: float, now: float, *, name: str = POLLER_LEASE) -> bool:
        """Extend the lease if `holder` still holds it (never takes it); True if renewed."""
        async with self.transaction() as conn:
            result = await conn.execute(
                update(lease)
                .where(lease.c.name == name, lease.c.holder == holder, lease.c.expires_at > now)
                .values(expires_at=now + ttl_seconds)
            )
            return result.rowcount == 1

    async def release_lease(self, holder: str, *, name: str = POLLER_LEASE) -> None:
        """Give the lease up (if ours) so another replica can take it without waiting for expiry."""
        async with self.transaction() as conn:
            await conn.execute(delete(lease).where(lease.c.name == name, lease.c.holder == holder))

    async def lease_holder(self, now: float, *, name: str = POLLER_LEASE) -> str | None:
        """Who holds the lease now (None if nobody, or it expired)."""
        async with self.transaction() as conn:
            row = (await conn.execute(select(lease).where(lease.c.name == name))).first()
        return row.holder if row is not None and row.expires_at > now else None


async def _settle_driver_threads(started: set[threading.Thread]) -> None:
    """Let aiosqlite's worker threads finish while the loop still runs. After a failed connect each one still
    owes the loop an answer; if the loop closes first (start-up failed, the process exits), the thread prints
    an "Event loop is closed" traceback under the one-line error."""
    for worker in (t for t in started if t.name.endswith("(_connection_worker_thread)")):
        await asyncio.to_thread(worker.join, DRIVER_THREAD_JOIN_SECONDS)
