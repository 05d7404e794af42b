"""The app's database (SQLAlchemy Core, async): SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from bot.store.engine import DatabaseURLError, async_database_url, create_engine
from bot.store.migrations import SchemaVersionError, migrate, schema_version
from bot.store.records import (
    AlertRecord,
    ChannelSubscription,
    DeliveryProblem,
    NewAlert,
    PollerState,
    SessionRecord,
)
from bot.store.schema import SCHEMA_VERSION, AlertKind, AlertState
from bot.store.store import Store

__all__ = [
    "SCHEMA_VERSION",
    "AlertKind",
    "AlertRecord",
    "AlertState",
    "ChannelSubscription",
    "DatabaseURLError",
    "DeliveryProblem",
    "NewAlert",
    "PollerState",
    "SchemaVersionError",
    "SessionRecord",
    "Store",
    "async_database_url",
    "create_engine",
    "migrate",
    "schema_version",
]
