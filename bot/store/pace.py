"""Per-channel pacing shared by every replica: the store, not process memory, decides who posts when.

Slack allows about one message a second in a channel. Each process used to pace itself, so two
replicas wrote 1.66 posts/s into one channel. Now a post first books the channel's next slot with
one UPDATE … RETURNING (atomic on SQLite and PostgreSQL) and waits for it. A 429's `Retry-After` pushes `next_at`
out for everyone, so no replica hammers a channel Slack asked us to leave alone.
"""

from __future__ import annotations

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.dialect import insert_ignore
from bot.store.schema import channel_pace


async def take_slot(conn: AsyncConnection, channel_id: str, *, now: float, interval: float) -> float:
    """Book the channel's next free slot; returns the seconds until it (0.0: post now).

    One UPDATE … RETURNING moves `next_at` one interval past max(next_at, now), so concurrent
    callers (any replica) get consecutive slots, never the same one.
    """
    for _ in range(2):  # the second round only after losing an insert race for a new channel
        booked = await conn.execute(
            update(channel_pace)
            .where(channel_pace.c.channel_id == channel_id)
            .values(
                next_at=case((channel_pace.c.next_at > now, channel_pace.c.next_at + interval), else_=now + interval)
            )
            .returning(channel_pace.c.next_at)
        )
        row = booked.first()
        if row is not None:
            return max(0.0, float(row.next_at) - interval - now)
        stmt = insert_ignore(conn, channel_pace, ["channel_id"]).values(channel_id=channel_id, next_at=now + interval)
        if (await conn.execute(stmt.returning(channel_pace.c.channel_id))).first() is not None:
            return 0.0
    raise RuntimeError(f"channel_pace row for {channel_id} vanished")  # pragma: no cover - rows are never deleted


async def push_back(conn: AsyncConnection, channel_id: str, *, until: float) -> None:
    """Nobody posts in the channel before `until` (Slack said Retry-After, or it is failing)."""
    await conn.execute(
        update(channel_pace)
        .where(channel_pace.c.channel_id == channel_id, channel_pace.c.next_at < until)
        .values(next_at=until)
    )
    await conn.execute(insert_ignore(conn, channel_pace, ["channel_id"]).values(channel_id=channel_id, next_at=until))


async def next_at(conn: AsyncConnection, channel_id: str) -> float | None:
    """When the channel's next post may go out (None before its first)."""
    value = await conn.scalar(select(channel_pace.c.next_at).where(channel_pace.c.channel_id == channel_id))
    return float(value) if value is not None else None
