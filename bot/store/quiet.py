"""Queries for snoozes and mutes of a reason in a channel, and the suspensions they kept from the channel."""

from __future__ import annotations

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.alerts.records import QuietRule
from bot.store.dialect import insert_ignore, upsert
from bot.store.people_schema import alert_quiet, quiet_suppressed


async def put_quiet(
    conn: AsyncConnection, channel_id: str, reason: str, *, until: float | None, by_user: str, now: float
) -> QuietRule | None:
    """Snooze (`until`) or mute (None) the reason here, replacing any earlier one; returns the one it replaced
    if that one was still active."""
    before = await get_quiet(conn, channel_id, reason)
    values = {"channel_id": channel_id, "reason": reason, "until": until, "by_user": by_user, "at": now}
    await conn.execute(upsert(conn, alert_quiet, values, ["channel_id", "reason"], ["until", "by_user", "at"]))
    return before if before is not None and before.active(now) else None


async def get_quiet(conn: AsyncConnection, channel_id: str, reason: str) -> QuietRule | None:
    """The stored snooze or mute of the reason here, active or expired."""
    row = (
        await conn.execute(
            select(alert_quiet).where(alert_quiet.c.channel_id == channel_id, alert_quiet.c.reason == reason)
        )
    ).first()
    return _rule(row) if row is not None else None


async def active_quiet(conn: AsyncConnection, *, now: float, channel_id: str | None = None) -> list[QuietRule]:
    """Snoozes not yet expired and mutes, for one channel or all, by channel and reason."""
    stmt = select(alert_quiet).where(or_(alert_quiet.c.until.is_(None), alert_quiet.c.until > now))
    if channel_id is not None:
        stmt = stmt.where(alert_quiet.c.channel_id == channel_id)
    rows = await conn.execute(stmt.order_by(alert_quiet.c.channel_id, alert_quiet.c.reason))
    return [_rule(row) for row in rows]


async def clear_quiet(conn: AsyncConnection, channel_id: str) -> int:
    """`alerts on`: forget every snooze and mute of the channel."""
    return (await conn.execute(delete(alert_quiet).where(alert_quiet.c.channel_id == channel_id))).rowcount


async def record_suppressed(
    conn: AsyncConnection, channel_id: str, reason: str, session_id: str, episode: int, *, now: float
) -> bool:
    """Note an episode kept from the channel; once per (channel, session, episode) whichever poll sees it."""
    values = {"channel_id": channel_id, "reason": reason, "session_id": session_id, "episode": episode, "at": now}
    stmt = insert_ignore(conn, quiet_suppressed, ["channel_id", "session_id", "episode"]).values(values)
    return (await conn.execute(stmt)).rowcount == 1


async def count_suppressed(conn: AsyncConnection, rules: list[QuietRule]) -> int:
    """Suspensions kept from their channel since each of these snoozes or mutes began."""
    if not rules:
        return 0
    during = or_(
        *(
            and_(
                quiet_suppressed.c.channel_id == r.channel_id,
                quiet_suppressed.c.reason == r.reason,
                quiet_suppressed.c.at >= r.at,
            )
            for r in rules
        )
    )
    return int(await conn.scalar(select(func.count()).select_from(quiet_suppressed).where(during)) or 0)


async def count_suppressed_since(conn: AsyncConnection, channel_id: str, *, since: float) -> int:
    """Suspensions kept from the channel since `since` (the team summary's period)."""
    stmt = (
        select(func.count())
        .select_from(quiet_suppressed)
        .where(quiet_suppressed.c.channel_id == channel_id, quiet_suppressed.c.at >= since)
    )
    return int(await conn.scalar(stmt) or 0)


def _rule(row: Row[tuple[object, ...]]) -> QuietRule:
    m = row._mapping
    until = m["until"]
    return QuietRule(
        channel_id=str(m["channel_id"]),
        reason=str(m["reason"]),
        until=float(until) if until is not None else None,
        by_user=str(m["by_user"]),
        at=float(m["at"]),
    )
