"""The people tables: the directory cache, per-person settings, the DM outbox, waiting episodes, snoozes and mutes.

They hang off the same `metadata` as the alert tables, so `create_all` and the test truncation see them.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Double, Index, Integer, String, Table, Text, UniqueConstraint, true

from bot.store.schema import ID_LENGTH, metadata

people_directory = Table(
    "people_directory",
    metadata,
    Column("user_id", String(128), primary_key=True),
    Column("name", Text, nullable=True),
    Column("email", Text, nullable=True),
    Column("devin_result", String(16), nullable=False),
    Column("devin_expires_at", Double, nullable=False),
    Column("slack_user_id", String(ID_LENGTH), nullable=True),
    Column("slack_result", String(16), nullable=True),
    Column("slack_expires_at", Double, nullable=True),
    Column("updated_at", Double, nullable=False),
    Index("ix_people_directory_slack_user", "slack_user_id"),
)
"""Both halves of a lookup (Devin member, Slack user), each with its own expiry."""

person_settings = Table(
    "person_settings",
    metadata,
    Column("slack_user_id", String(ID_LENGTH), primary_key=True),
    Column("notify", Boolean, nullable=False, server_default=true()),
    Column("updated_at", Double, nullable=False),
)

person_notices = Table(
    "person_notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(ID_LENGTH), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("episode", Integer, nullable=False),
    Column("user_id", String(128), nullable=False),
    Column("reason", String(ID_LENGTH), nullable=True),
    Column("state", String(16), nullable=False),
    Column("due_at", Double, nullable=False),
    Column("opened_at", BigInteger, nullable=False),
    Column("resolved_at", BigInteger, nullable=True),
    Column("resolved_status", String(ID_LENGTH), nullable=True),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("delivered_version", Integer, nullable=False, server_default="0"),
    Column("slack_user_id", String(ID_LENGTH), nullable=True),
    Column("dm_channel", String(ID_LENGTH), nullable=True),
    Column("ts", String(ID_LENGTH), nullable=True),
    Column("session_json", Text, nullable=False),
    Column("claim_token", String(ID_LENGTH), nullable=True),
    Column("claimed_until", Double, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
    Column("updated_at", Double, nullable=False),
    # One DM per episode, whichever poll or replica records it first.
    UniqueConstraint("session_id", "kind", "episode", name="uq_person_notices_episode"),
    Index("ix_person_notices_due", "state", "due_at"),
)
"""The DM outbox: one row per (session, suspension or waiting episode)."""

session_waits = Table(
    "session_waits",
    metadata,
    Column("session_id", String(ID_LENGTH), primary_key=True),
    Column("episode", Integer, nullable=False),
    Column("open", Boolean, nullable=False),
    Column("status", String(ID_LENGTH), nullable=False),
    Column("since", BigInteger, nullable=False),
)
"""Waiting-for-the-user episodes, numbered like suspension episodes (they are tracked apart from them)."""

alert_quiet = Table(
    "alert_quiet",
    metadata,
    Column("channel_id", String(ID_LENGTH), primary_key=True),
    Column("reason", String(ID_LENGTH), primary_key=True),
    Column("until", Double, nullable=True),
    Column("by_user", String(ID_LENGTH), nullable=False),
    Column("at", Double, nullable=False),
)
"""Snoozes (`until` set) and mutes (`until` NULL) of one reason in one channel."""

quiet_suppressed = Table(
    "quiet_suppressed",
    metadata,
    Column("channel_id", String(ID_LENGTH), nullable=False),
    Column("reason", String(ID_LENGTH), nullable=False),
    Column("session_id", String(ID_LENGTH), nullable=False),
    Column("episode", Integer, nullable=False),
    Column("at", Double, nullable=False),
    UniqueConstraint("channel_id", "session_id", "episode", name="uq_quiet_suppressed"),
)
"""Suspensions recorded but not posted because their reason was snoozed or muted in the channel."""

PEOPLE_TABLES = (people_directory, person_settings, person_notices, session_waits, alert_quiet, quiet_suppressed)
