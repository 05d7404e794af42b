"""The tables of an alert's life in its thread: state changes owed as replies, and per-channel thread options.

They hang off the same `metadata` as the alert tables, so `create_all` and the test truncation see them.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Double, Index, Integer, String, Table, Text, UniqueConstraint, false

from bot.store.schema import ID_LENGTH, metadata

alert_events = Table(
    "alert_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    # What was seen (kind, status or reason, Devin's `updated_at`): the same change seen twice is one event.
    Column("key", String(128), nullable=False),
    Column("status", String(ID_LENGTH), nullable=True),
    Column("detail", String(ID_LENGTH), nullable=True),
    Column("previous", String(ID_LENGTH), nullable=True),
    Column("seen_at", Integer, nullable=False),
    Column("session_json", Text, nullable=False),
    Column("reply_ts", String(ID_LENGTH), nullable=True),
    # Set (committed) right before the reply is posted, cleared with its ts: set without a ts is uncertain.
    Column("started_at", Double, nullable=True),
    Column("created_at", Double, nullable=False),
    # One reply per state change, whichever poll or replica records it first.
    UniqueConstraint("alert_id", "key", name="uq_alert_events_key"),
    Index("ix_alert_events_alert", "alert_id"),
)
"""State changes of an alerted session, each owed as one thread reply under its alert."""

channel_options = Table(
    "channel_options",
    metadata,
    Column("channel_id", String(ID_LENGTH), primary_key=True),
    Column("broadcast", Boolean, nullable=False, server_default=false()),
    Column("updated_by", String(ID_LENGTH), nullable=True),
    Column("updated_at", Double, nullable=False),
)
"""Per-channel alert options apart from the subscription (the default channel may have none)."""

THREAD_TABLES = (alert_events, channel_options)
