"""The app's database (SQLAlchemy Core, async): SQLite by default, PostgreSQL by URL.

The store persists the domain's records (`bot.alerts.records`); it imports them, never the reverse.
"""

from __future__ import annotations

from bot.store.engine import DatabaseURLError, async_database_url, create_engine
from bot.store.errors import STORE_ERRORS, STORE_REPLY_TIMEOUT_SECONDS
from bot.store.migrations import SchemaVersionError, migrate, schema_version
from bot.store.schema import SCHEMA_VERSION
from bot.store.store import Store

__all__ = [
    "SCHEMA_VERSION",
    "STORE_ERRORS",
    "STORE_REPLY_TIMEOUT_SECONDS",
    "DatabaseURLError",
    "SchemaVersionError",
    "Store",
    "async_database_url",
    "create_engine",
    "migrate",
    "schema_version",
]
