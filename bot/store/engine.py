"""Database URLs and async engines: plain user URLs in, a tuned SQLAlchemy AsyncEngine out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 5000
"""How long a SQLite writer waits for another one (a second replica, the CLI) before failing."""
POSTGRES_POOL_SIZE = 5

_SQLITE_DRIVER = "sqlite+aiosqlite"
_POSTGRES_DRIVER = "postgresql+asyncpg"


class DatabaseURLError(ValueError):
    """The database URL is not one the store can use; the message says which forms are accepted."""


def async_database_url(url: str) -> URL:
    """Map the URL a user has to one with an async driver.

    `sqlite:///path.db` becomes `sqlite+aiosqlite:///path.db`; `postgresql://…`, Heroku's `postgres://…`
    and any other PostgreSQL driver become `postgresql+asyncpg://…`. libpq's `sslmode=` (common in
    hosted URLs) becomes asyncpg's `ssl=`, which asyncpg would otherwise reject.
    """
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseURLError("expected sqlite:///file.db or postgresql://user:pass@host/db") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername=_SQLITE_DRIVER)
    if backend == "postgresql":
        parsed = parsed.set(drivername=_POSTGRES_DRIVER)
        if "sslmode" in parsed.query:
            query = dict(parsed.query)
            query["ssl"] = query.pop("sslmode")
            parsed = parsed.set(query=query)
        return parsed
    raise DatabaseURLError(f"unsupported database {backend!r}: expected sqlite:// or postgresql://")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An AsyncEngine for `url`; SQLite gets WAL, a busy timeout and write transactions that lock up front."""
    async_url = async_database_url(url)
    if async_url.get_backend_name() == "sqlite":
        return _sqlite_engine(async_url, **kwargs)
    kwargs.setdefault("pool_size", POSTGRES_POOL_SIZE)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(async_url, **kwargs)


def _sqlite_engine(url: URL, **kwargs: Any) -> AsyncEngine:
    in_memory = url.database in (None, "", ":memory:")
    if in_memory:
        # One shared connection, or every connection would see its own empty database.
        kwargs.setdefault("poolclass", StaticPool)
    engine = create_async_engine(url, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's implicit BEGIN is deferred and skipped for SELECT; take over so every
        # transaction is real and starts with the write lock (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A deferred transaction that reads, then writes, fails with SQLITE_BUSY at once (no
        # busy wait) when another process committed in between; IMMEDIATE waits its turn instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
