"""The store's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Times the app measures itself (`*_at` floats) are Unix seconds from the injected clock; times
copied from Devin (`updated_at`, `opened_at`, `resolved_at`, `watermark`) are Devin's whole Unix
seconds, kept apart because the two clocks may disagree.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from bot.alerts.records import AlertKind

SCHEMA_VERSION = 8
"""The version `migrate()` brings a database to; bump it with a new step in migrations.py."""

ID_LENGTH = 64
"""Session ids are 38 characters; channel ids and Slack ts values are shorter; leave headroom."""

metadata = MetaData()


meta = Table(
    "meta",
    metadata,
    Column("key", String(ID_LENGTH), primary_key=True),
    Column("value", Text, nullable=False),
)

poller_state = Table(
    "poller_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("watermark", BigInteger, nullable=True),
    Column("last_success_at", Double, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("last_error_at", Double, nullable=True),
)

session_state = Table(
    "session_state",
    metadata,
    Column("session_id", String(ID_LENGTH), primary_key=True),
    Column("status", String(ID_LENGTH), nullable=False),
    Column("status_detail", String(ID_LENGTH), nullable=True),
    Column("updated_at", BigInteger, nullable=False),
    Column("episode", Integer, nullable=False, server_default="0"),
    Column("episode_open", Boolean, nullable=False, server_default=false()),
    Column("suspended_since", BigInteger, nullable=True),
    Column("seen_at", Double, nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False, server_default=AlertKind.SINGLE.value),
    Column("session_id", String(ID_LENGTH), nullable=True),
    Column("episode", Integer, nullable=True),
    Column("channel_id", String(ID_LENGTH), nullable=False),
    Column("group_key", String(ID_LENGTH), nullable=True),
    Column("reason", String(ID_LENGTH), nullable=True),
    Column("reason_changed_from", String(ID_LENGTH), nullable=True),
    Column("state", String(16), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("delivered_version", Integer, nullable=False, server_default="0"),
    Column("ts", String(ID_LENGTH), nullable=True),
    Column("reply_ts", String(ID_LENGTH), nullable=True),
    Column("session_json", Text, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", Double, nullable=False),
    Column("claim_token", String(ID_LENGTH), nullable=True),
    # Set (and committed) right before chat.postMessage / the thread reply, cleared when Slack's ts is
    # stored: a row with it set and no ts is an uncertain post, reconciled from history before re-posting.
    Column("post_started_at", Double, nullable=True),
    Column("reply_started_at", Double, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("opened_at", BigInteger, nullable=False),
    Column("resolved_at", BigInteger, nullable=True),
    Column("resolved_status", String(ID_LENGTH), nullable=True),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    # The guarantee the whole engine rests on: one alert per episode per channel, whichever
    # process or replica tries to record it (group rows have no session and never collide).
    UniqueConstraint("session_id", "episode", "channel_id", name="uq_alerts_episode_channel"),
    Index("ix_alerts_outbox", "state", "next_attempt_at"),
    Index("ix_alerts_group_key", "group_key"),
)

channel_subscriptions = Table(
    "channel_subscriptions",
    metadata,
    Column("channel_id", String(ID_LENGTH), primary_key=True),
    Column("enabled", Boolean, nullable=False),
    Column("reasons", Text, nullable=False, server_default=""),
    Column("updated_by", String(ID_LENGTH), nullable=True),
    Column("updated_at", Double, nullable=False),
)

delivery_problems = Table(
    "delivery_problems",
    metadata,
    Column("channel_id", String(ID_LENGTH), primary_key=True),
    Column("error", String(ID_LENGTH), nullable=False),
    Column("fix", Text, nullable=False),
    Column("first_at", Double, nullable=False),
    Column("last_at", Double, nullable=False),
)

channel_pace = Table(
    "channel_pace",
    metadata,
    # Slack allows about one message a second per channel, counted across every replica: the next
    # moment any process may post in the channel (also pushed out by a 429's Retry-After).
    Column("channel_id", String(ID_LENGTH), primary_key=True),
    Column("next_at", Double, nullable=False),
)

lease = Table(
    "lease",
    metadata,
    Column("name", String(ID_LENGTH), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("expires_at", Double, nullable=False),
)
