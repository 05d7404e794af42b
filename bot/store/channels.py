"""Queries for channel subscriptions (set from Slack), per-channel options and delivery problems."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.alerts.records import ChannelSubscription, DeliveryProblem
from bot.store.dialect import insert_ignore, upsert
from bot.store.schema import channel_subscriptions, delivery_problems
from bot.store.thread_schema import channel_options

REASON_SEPARATOR = ","


async def get_subscription(conn: AsyncConnection, channel_id: str) -> ChannelSubscription | None:
    """The stored setting of one channel, if anyone set one."""
    row = (
        await conn.execute(select(channel_subscriptions).where(channel_subscriptions.c.channel_id == channel_id))
    ).first()
    return _subscription(row) if row is not None else None


async def list_subscriptions(conn: AsyncConnection) -> list[ChannelSubscription]:
    """Every stored channel setting, enabled or not."""
    rows = await conn.execute(select(channel_subscriptions).order_by(channel_subscriptions.c.channel_id))
    return [_subscription(row) for row in rows]


async def put_subscription(
    conn: AsyncConnection, channel_id: str, *, enabled: bool, reasons: Sequence[str], by_user: str | None, now: float
) -> None:
    """Store a channel's setting, replacing any earlier one."""
    values = {
        "channel_id": channel_id,
        "enabled": enabled,
        "reasons": REASON_SEPARATOR.join(reasons),
        "updated_by": by_user,
        "updated_at": now,
    }
    await conn.execute(
        upsert(conn, channel_subscriptions, values, ["channel_id"], ["enabled", "reasons", "updated_by", "updated_at"])
    )


def _subscription(row: Row[tuple[object, ...]]) -> ChannelSubscription:
    m = row._mapping
    reasons = tuple(part for part in str(m["reasons"]).split(REASON_SEPARATOR) if part)
    return ChannelSubscription(
        channel_id=str(m["channel_id"]),
        enabled=bool(m["enabled"]),
        reasons=reasons,
        updated_by=m["updated_by"],
        updated_at=float(m["updated_at"]),
    )


async def record_problem(conn: AsyncConnection, channel_id: str, *, error: str, fix: str, now: float) -> bool:
    """Record a permanent delivery error for a channel; True when the channel had no problem before."""
    values = {"channel_id": channel_id, "error": error, "fix": fix, "first_at": now, "last_at": now}
    inserted = await conn.execute(insert_ignore(conn, delivery_problems, ["channel_id"]).values(values))
    if inserted.rowcount == 1:
        return True
    await conn.execute(
        update(delivery_problems)
        .where(delivery_problems.c.channel_id == channel_id)
        .values(error=error, fix=fix, last_at=now)
    )
    return False


async def get_problem(conn: AsyncConnection, channel_id: str) -> DeliveryProblem | None:
    """The channel's current delivery problem, if any."""
    row = (await conn.execute(select(delivery_problems).where(delivery_problems.c.channel_id == channel_id))).first()
    if row is None:
        return None
    return DeliveryProblem(
        channel_id=row.channel_id, error=row.error, fix=row.fix, first_at=row.first_at, last_at=row.last_at
    )


async def list_problems(conn: AsyncConnection) -> list[DeliveryProblem]:
    """Every channel that currently has a delivery problem."""
    rows = await conn.execute(select(delivery_problems).order_by(delivery_problems.c.channel_id))
    return [
        DeliveryProblem(channel_id=r.channel_id, error=r.error, fix=r.fix, first_at=r.first_at, last_at=r.last_at)
        for r in rows
    ]


async def clear_problem(conn: AsyncConnection, channel_id: str | None = None) -> int:
    """Forget the problem of one channel (or of all when None), so delivery there is tried again."""
    stmt = delete(delivery_problems)
    if channel_id is not None:
        stmt = stmt.where(delivery_problems.c.channel_id == channel_id)
    return (await conn.execute(stmt)).rowcount


async def put_broadcast(conn: AsyncConnection, channel_id: str, *, on: bool, by_user: str | None, now: float) -> None:
    """`alerts broadcast on|off`: whether resolution replies also go to the channel."""
    values = {"channel_id": channel_id, "broadcast": on, "updated_by": by_user, "updated_at": now}
    await conn.execute(upsert(conn, channel_options, values, ["channel_id"], ["broadcast", "updated_by", "updated_at"]))


async def get_broadcast(conn: AsyncConnection, channel_id: str) -> bool:
    """Whether the channel's resolution replies are broadcast (off unless someone turned it on)."""
    value = await conn.scalar(select(channel_options.c.broadcast).where(channel_options.c.channel_id == channel_id))
    return bool(value)
