"""Create or upgrade the schema at start-up, in order, without losing data.

Each step is idempotent (it checks before it creates or adds), so a step interrupted by a crash,
or run against a database that already has its change, is simply run again. The version reached
is recorded in `meta`. On PostgreSQL an advisory lock serialises replicas starting together; on
SQLite the write transaction does (see engine.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Column, Table, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.schema import CreateColumn

from bot.store import schema, team
from bot.store.dialect import upsert
from bot.store.people_schema import PEOPLE_TABLES
from bot.store.thread_schema import THREAD_TABLES

log = logging.getLogger(__name__)

SCHEMA_VERSION_KEY = "schema_version"
MIGRATION_LOCK_KEY = 0x0DE71A51
"""PostgreSQL advisory lock id held while migrating (any constant unique to this app)."""

Step = Callable[[AsyncConnection], Awaitable[None]]


class SchemaVersionError(RuntimeError):
    """The database was written by a newer version of the app."""


async def _create_all(conn: AsyncConnection) -> None:
    # A fresh database gets the newest shape at once; later steps then find nothing to do.
    await conn.run_sync(schema.metadata.create_all, checkfirst=True)


async def _storm_groups_and_lease(conn: AsyncConnection) -> None:
    alerts = schema.alerts
    for column in (alerts.c.kind, alerts.c.group_key, alerts.c.claim_token):
        await _add_column_if_missing(conn, alerts, column)
    await conn.run_sync(schema.lease.create, checkfirst=True)
    index = next(ix for ix in alerts.indexes if ix.name == "ix_alerts_group_key")
    await conn.run_sync(index.create, checkfirst=True)


async def _people(conn: AsyncConnection) -> None:
    for table in PEOPLE_TABLES:
        await conn.run_sync(table.create, checkfirst=True)


async def _team_posts_and_digests(conn: AsyncConnection) -> None:
    for table in (team.team_posts, team.digest_schedules):
        await conn.run_sync(table.create, checkfirst=True)


async def _posted_once_and_pacing(conn: AsyncConnection) -> None:
    alerts = schema.alerts
    for column in (alerts.c.post_started_at, alerts.c.reply_started_at):
        await _add_column_if_missing(conn, alerts, column)
    await conn.run_sync(schema.channel_pace.create, checkfirst=True)


async def _alert_threads(conn: AsyncConnection) -> None:
    for table in THREAD_TABLES:
        await conn.run_sync(table.create, checkfirst=True)


async def _team_posts_posted_once(conn: AsyncConnection) -> None:
    await _add_column_if_missing(conn, team.team_posts, team.team_posts.c.post_started_at)


async def _team_replies_posted_once(conn: AsyncConnection) -> None:
    await _add_column_if_missing(conn, team.team_posts, team.team_posts.c.reply_started_at)


MIGRATIONS: tuple[tuple[int, str, Step], ...] = (
    (1, "initial schema", _create_all),
    (2, "storm groups, delivery claims and the poller lease", _storm_groups_and_lease),
    (3, "people: directory cache, DM settings and outbox, waiting episodes, snoozes and mutes", _people),
    (4, "team posts (digests, budget warnings) and digest schedules", _team_posts_and_digests),
    (5, "uncertain posts and per-channel pacing across replicas", _posted_once_and_pacing),
    (6, "alert lifecycle replies in the thread and per-channel broadcast", _alert_threads),
    (7, "uncertain team posts (digests, budget warnings), looked up in history first", _team_posts_posted_once),
    (8, "uncertain budget warning thread replies, looked up in the thread first", _team_replies_posted_once),
)
"""Ordered steps; version N's step brings a version N-1 database to version N."""


async def migrate(engine: AsyncEngine) -> int:
    """Bring the database to the newest schema version and return it."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        current = await _current_version(conn)
        latest = MIGRATIONS[-1][0]
        if current > latest:
            raise SchemaVersionError(
                f"the database schema is version {current}, newer than this app understands ({latest}); "
                "upgrade devin-insights or point DATABASE_URL at another database"
            )
        for version, description, step in MIGRATIONS:
            if version <= current:
                continue
            await step(conn)
            await conn.execute(
                upsert(conn, schema.meta, {"key": SCHEMA_VERSION_KEY, "value": str(version)}, ["key"], ["value"])
            )
            log.info("store.migrated", extra={"version": version, "step": description})
        return max(current, latest)


async def schema_version(engine: AsyncEngine) -> int:
    """The version recorded in the database (0 for an empty one)."""
    async with engine.connect() as conn:
        return await _current_version(conn)


async def _current_version(conn: AsyncConnection) -> int:
    if not await conn.run_sync(lambda sync: inspect(sync).has_table(schema.meta.name)):
        return 0
    value = await conn.scalar(select(schema.meta.c.value).where(schema.meta.c.key == SCHEMA_VERSION_KEY))
    return int(value) if value is not None else 0


async def _add_column_if_missing(conn: AsyncConnection, table: Table, column: Column[Any]) -> None:
    existing = await conn.run_sync(lambda sync: {c["name"] for c in inspect(sync).get_columns(table.name)})
    if column.name in existing:
        return
    # CreateColumn renders "name TYPE DEFAULT … NOT NULL" for this dialect; both dialects accept
    # ADD COLUMN with a NOT NULL column as long as it has a default, which ours do.
    ddl = CreateColumn(column).compile(dialect=conn.dialect)
    await conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {ddl}"))
