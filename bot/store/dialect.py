"""INSERT … ON CONFLICT for whichever of SQLite and PostgreSQL the connection speaks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

Insert = postgresql.Insert | sqlite.Insert


def insert(conn: AsyncConnection, table: Table) -> Insert:
    """A dialect INSERT that offers `on_conflict_do_nothing` / `on_conflict_do_update`."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignore(conn: AsyncConnection, table: Table, index_elements: Sequence[str]) -> Insert:
    """INSERT … ON CONFLICT (index_elements) DO NOTHING."""
    stmt = insert(conn, table)
    return stmt.on_conflict_do_nothing(index_elements=list(index_elements))


def upsert(
    conn: AsyncConnection,
    table: Table,
    values: Mapping[str, Any],
    index_elements: Sequence[str],
    update_columns: Sequence[str],
) -> Insert:
    """INSERT one row, or update `update_columns` of the row that has the same key."""
    stmt = insert(conn, table).values(dict(values))
    return stmt.on_conflict_do_update(
        index_elements=list(index_elements),
        set_={name: stmt.excluded[name] for name in update_columns},
    )
