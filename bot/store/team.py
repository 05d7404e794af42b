"""Tables and queries of the team capability: digest schedules and the `team_posts` outbox.

`team_posts` follows the alert outbox's design (claims.py): a row is recorded before anything is sent,
and the (kind, channel, period) key is unique in the database, so a digest or a budget warning exists once
per channel and period whichever replica or restart records it. Delivery claims a row with one conditional
UPDATE, so one process at a time works on it; settling checks the claim token.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Double,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.insights.records import DigestSchedule, PostKind, PostState, TeamPost

# error_text and new_claim_token are re-exported: team delivery uses them from here.
from bot.store.claiming import error_text as error_text
from bot.store.claiming import new_claim_token as new_claim_token
from bot.store.claiming import settle as _settle_row
from bot.store.claiming import take
from bot.store.dialect import insert_ignore, upsert
from bot.store.schema import ID_LENGTH, channel_pace, metadata

team_posts = Table(
    "team_posts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("channel_id", String(ID_LENGTH), nullable=False),
    Column("period_key", String(ID_LENGTH), nullable=False),
    Column("state", String(16), nullable=False),
    Column("payload", Text, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("delivered_version", Integer, nullable=False, server_default="0"),
    Column("replied_version", Integer, nullable=False, server_default="1"),
    Column("ts", String(ID_LENGTH), nullable=True),
    # Set (committed) right before chat.postMessage, cleared with the ts: set without a ts is an uncertain
    # post, looked for in the channel's history (by its metadata) before it is posted again.
    Column("post_started_at", Double, nullable=True),
    # The same for a budget warning's thread reply (looked for in the thread by its metadata).
    Column("reply_started_at", Double, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", Double, nullable=False),
    Column("claim_token", String(ID_LENGTH), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    # Exactly once per channel and period, whichever replica or restart records it.
    UniqueConstraint("kind", "channel_id", "period_key", name="uq_team_posts_period"),
    Index("ix_team_posts_due", "state", "next_attempt_at"),
)

digest_schedules = Table(
    "digest_schedules",
    metadata,
    Column("channel_id", String(ID_LENGTH), primary_key=True),
    Column("cadence", String(16), nullable=False),
    Column("weekday", Integer, nullable=True),
    Column("hour", Integer, nullable=False),
    Column("minute", Integer, nullable=False),
    Column("tz", String(ID_LENGTH), nullable=False),
    Column("created_by", String(ID_LENGTH), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("last_due_at", BigInteger, nullable=True),
)

_POST_KEY = ["kind", "channel_id", "period_key"]


def _post(row: Row[Any]) -> TeamPost:
    m = row._mapping
    return TeamPost(
        id=m["id"],
        kind=PostKind(m["kind"]),
        channel_id=m["channel_id"],
        period_key=m["period_key"],
        state=PostState(m["state"]),
        payload=m["payload"],
        version=m["version"],
        delivered_version=m["delivered_version"],
        replied_version=m["replied_version"],
        ts=m["ts"],
        post_started_at=m["post_started_at"],
        reply_started_at=m["reply_started_at"],
        attempts=m["attempts"],
        last_error=m["last_error"],
        created_at=m["created_at"],
    )


async def record_post(
    conn: AsyncConnection, kind: PostKind, channel_id: str, period_key: str, payload: str, *, now: float
) -> int | None:
    """Record a pending post; None when this channel already has one for the period."""
    values = {
        "kind": kind.value,
        "channel_id": channel_id,
        "period_key": period_key,
        "state": PostState.PENDING.value,
        "payload": payload,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }
    stmt = insert_ignore(conn, team_posts, _POST_KEY).values(values).returning(team_posts.c.id)
    post_id = (await conn.execute(stmt)).scalar_one_or_none()
    return int(post_id) if post_id is not None else None


async def get_post(conn: AsyncConnection, kind: PostKind, channel_id: str, period_key: str) -> TeamPost | None:
    row = (
        await conn.execute(
            select(team_posts).where(
                team_posts.c.kind == kind.value,
                team_posts.c.channel_id == channel_id,
                team_posts.c.period_key == period_key,
            )
        )
    ).first()
    return _post(row) if row is not None else None


async def revise_post(conn: AsyncConnection, post_id: int, payload: str, *, expected_version: int, now: float) -> bool:
    """New content for a post (its message then owes an update); False if someone revised it first."""
    result = await conn.execute(
        update(team_posts)
        .where(team_posts.c.id == post_id, team_posts.c.version == expected_version)
        .values(payload=payload, version=team_posts.c.version + 1, updated_at=now)
    )
    return result.rowcount == 1


def _owed() -> Any:
    return or_(
        team_posts.c.state == PostState.PENDING.value,
        (team_posts.c.state == PostState.SENT.value) & (team_posts.c.version > team_posts.c.delivered_version),
    )


async def due_posts(conn: AsyncConnection, *, now: float, limit: int = 200) -> list[TeamPost]:
    rows = await conn.execute(
        select(team_posts).where(team_posts.c.next_attempt_at <= now, _owed()).order_by(team_posts.c.id).limit(limit)
    )
    return [_post(row) for row in rows]


async def owed_counts(conn: AsyncConnection) -> dict[PostKind, int]:
    """Posts owed to Slack (pending, or an update not yet shown) by kind, due or not: the outbox depth."""
    rows = await conn.execute(select(team_posts.c.kind, func.count()).where(_owed()).group_by(team_posts.c.kind))
    counts = {kind: 0 for kind in PostKind}
    counts.update({PostKind(kind): int(n) for kind, n in rows})
    return counts


async def resting_channels(conn: AsyncConnection, channel_ids: Collection[str], *, after: float) -> set[str]:
    """Those of `channel_ids` whose next Slack slot (`channel_pace`, shared with alerts) is later than `after`:
    one query for a delivery round, however many channels are due."""
    if not channel_ids:
        return set()
    rows = await conn.execute(
        select(channel_pace.c.channel_id).where(
            channel_pace.c.channel_id.in_(list(channel_ids)), channel_pace.c.next_at > after
        )
    )
    return {row.channel_id for row in rows}


async def claim(conn: AsyncConnection, post_id: int, token: str, *, now: float) -> TeamPost | None:
    """Take the row for delivery if nobody holds it; the row as claimed, or None."""
    row = await take(conn, team_posts, post_id, token, owed=_owed(), now=now)
    return _post(row) if row is not None else None


async def settle(conn: AsyncConnection, post_id: int, token: str, **values: Any) -> bool:
    """Write a delivery result if our claim still holds."""
    return await _settle_row(conn, team_posts, post_id, token, values)


async def mark_post_started(conn: AsyncConnection, post_id: int, token: str, *, now: float) -> bool:
    """About to call chat.postMessage: from now until its ts is stored, the post's outcome is uncertain."""
    return await settle(conn, post_id, token, post_started_at=now, updated_at=now)


async def mark_reply_started(conn: AsyncConnection, post_id: int, token: str, *, now: float) -> bool:
    """About to post a budget warning's thread reply: uncertain until it is recorded as replied."""
    return await settle(conn, post_id, token, reply_started_at=now, updated_at=now)


async def clear_started(conn: AsyncConnection, post_id: int, token: str, *, now: float) -> bool:
    """Slack answered with an error or was never reached: nothing was posted, so nothing is uncertain."""
    return await settle(conn, post_id, token, post_started_at=None, reply_started_at=None, updated_at=now)


async def list_posts(conn: AsyncConnection, *, kind: PostKind | None = None) -> list[TeamPost]:
    stmt = select(team_posts).order_by(team_posts.c.id)
    if kind is not None:
        stmt = stmt.where(team_posts.c.kind == kind.value)
    return [_post(row) for row in await conn.execute(stmt)]


# --- digest schedules -------------------------------------------------------------------------------


def _schedule(row: Row[Any]) -> DigestSchedule:
    m = row._mapping
    return DigestSchedule(
        channel_id=m["channel_id"],
        cadence=m["cadence"],
        weekday=m["weekday"],
        hour=m["hour"],
        minute=m["minute"],
        tz=m["tz"],
        created_by=m["created_by"],
        created_at=m["created_at"],
        last_due_at=m["last_due_at"],
    )


async def put_schedule(conn: AsyncConnection, schedule: DigestSchedule) -> None:
    """Set the channel's schedule (replacing any); the next digest covers the time since `last_due_at`."""
    values = {
        "channel_id": schedule.channel_id,
        "cadence": schedule.cadence,
        "weekday": schedule.weekday,
        "hour": schedule.hour,
        "minute": schedule.minute,
        "tz": schedule.tz,
        "created_by": schedule.created_by,
        "created_at": schedule.created_at,
        "last_due_at": schedule.last_due_at,
    }
    await conn.execute(upsert(conn, digest_schedules, values, ["channel_id"], [k for k in values if k != "channel_id"]))


async def get_schedule(conn: AsyncConnection, channel_id: str) -> DigestSchedule | None:
    row = (await conn.execute(select(digest_schedules).where(digest_schedules.c.channel_id == channel_id))).first()
    return _schedule(row) if row is not None else None


async def list_schedules(conn: AsyncConnection) -> list[DigestSchedule]:
    rows = await conn.execute(select(digest_schedules).order_by(digest_schedules.c.channel_id))
    return [_schedule(row) for row in rows]


async def delete_schedule(conn: AsyncConnection, channel_id: str) -> bool:
    result = await conn.execute(delete(digest_schedules).where(digest_schedules.c.channel_id == channel_id))
    return result.rowcount == 1


async def advance_schedule(conn: AsyncConnection, channel_id: str, *, due_at: int, previous: int | None) -> bool:
    """Move the channel's last due time from `previous` to `due_at`; False if another replica moved it first."""
    condition = (
        digest_schedules.c.last_due_at.is_(None) if previous is None else digest_schedules.c.last_due_at == previous
    )
    result = await conn.execute(
        update(digest_schedules)
        .where(digest_schedules.c.channel_id == channel_id, condition)
        .values(last_due_at=due_at)
    )
    return result.rowcount == 1
