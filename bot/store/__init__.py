"""The app's database (SQLAlchemy Core, async): SQLite by default, PostgreSQL by URL.

The store persists the domain's records (`bot.alerts.records`); it imports them, never the reverse.
"""

from __future__ import annotations

from bot.store.engine import DatabaseURLError, async_database_url, create_engine
from bot.store.migrations import SchemaVersionError, migrate, schema_version
from bot.store.schema import SCHEMA_VERSION
from bot.store.store import Store

__all__ = [
    "SCHEMA_VERSION",
    "DatabaseURLError",
    "SchemaVersionError",
    "Store",
    "async_database_url",
    "create_engine",
    "migrate",
    "schema_version",
]
