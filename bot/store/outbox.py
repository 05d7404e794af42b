"""Queries for the `alerts` outbox: record alerts and groups, note reason changes and recoveries, read.

Delivering them (claims, results) is in claims.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import fields
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.alerts.records import AlertKind, AlertRecord, AlertState, EventKind, NewAlert
from bot.store import events
from bot.store.dialect import insert_ignore
from bot.store.schema import alerts

GROUP_RESOLVED_STATUS = "recovered"
"""`resolved_status` of a group once every member session has left `suspended`."""

DELIVERABLE_KINDS = (AlertKind.SINGLE.value, AlertKind.GROUP.value)
_ALERT_FIELDS = tuple(f.name for f in fields(AlertRecord))
_EPISODE_KEY = ["session_id", "episode", "channel_id"]


def alert_from_row(row: Row[Any]) -> AlertRecord:
    """An `alerts` row as a record."""
    m = row._mapping
    values = {name: m[name] for name in _ALERT_FIELDS}
    values["kind"] = AlertKind(values["kind"])
    values["state"] = AlertState(values["state"])
    return AlertRecord(**values)


def owed() -> ColumnElement[bool]:
    """Rows with something to send: a first post, or an update of a posted message."""
    return or_(
        alerts.c.state == AlertState.PENDING.value,
        and_(alerts.c.state == AlertState.SENT.value, alerts.c.version > alerts.c.delivered_version),
    )


async def record_alert(conn: AsyncConnection, new: NewAlert, *, now: float, group_key: str | None = None) -> int | None:
    """Record a pending alert (a member of `group_key` if given); None if the episode already has one here."""
    values = {
        "kind": (AlertKind.MEMBER if group_key else AlertKind.SINGLE).value,
        "state": (AlertState.GROUPED if group_key else AlertState.PENDING).value,
        "session_id": new.session_id,
        "episode": new.episode,
        "channel_id": new.channel_id,
        "group_key": group_key,
        "reason": new.reason,
        "session_json": new.session_json,
        "opened_at": new.opened_at,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }
    stmt = insert_ignore(conn, alerts, _EPISODE_KEY).values(values).returning(alerts.c.id)
    alert_id = (await conn.execute(stmt)).scalar_one_or_none()
    return int(alert_id) if alert_id is not None else None


async def create_group(conn: AsyncConnection, *, channel_id: str, reason: str, opened_at: int, now: float) -> str:
    """Record a pending grouped (storm) alert and return its group key."""
    group_key = uuid.uuid4().hex
    values = {
        "kind": AlertKind.GROUP.value,
        "state": AlertState.PENDING.value,
        "channel_id": channel_id,
        "group_key": group_key,
        "reason": reason,
        "opened_at": opened_at,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }
    await conn.execute(alerts.insert().values(values))
    return group_key


async def open_group(conn: AsyncConnection, *, channel_id: str, reason: str, since: float) -> str | None:
    """The storm under way for (channel, reason): an unresolved group joined at `since` or later."""
    stmt = (
        select(alerts.c.group_key)
        .where(
            alerts.c.kind == AlertKind.GROUP.value,
            alerts.c.channel_id == channel_id,
            alerts.c.reason == reason,
            alerts.c.resolved_at.is_(None),
            alerts.c.state != AlertState.CANCELLED.value,
            alerts.c.updated_at >= since,
        )
        .order_by(alerts.c.id.desc())
        .limit(1)
    )
    value = await conn.scalar(stmt)
    return str(value) if value is not None else None


async def unposted_singles(
    conn: AsyncConnection, *, channel_id: str, reason: str, since: float
) -> dict[tuple[str, int], int]:
    """Single alerts for (channel, reason) recorded at `since` or later and not posted or claimed yet:
    (session_id, episode) → alert id."""
    stmt = (
        select(alerts.c.id, alerts.c.session_id, alerts.c.episode)
        .where(
            alerts.c.kind == AlertKind.SINGLE.value,
            alerts.c.channel_id == channel_id,
            alerts.c.reason == reason,
            alerts.c.state == AlertState.PENDING.value,
            alerts.c.ts.is_(None),
            alerts.c.claim_token.is_(None),
            alerts.c.created_at >= since,
        )
        .order_by(alerts.c.id)
    )
    return {(str(r.session_id), int(r.episode)): int(r.id) for r in await conn.execute(stmt)}


async def join_group(conn: AsyncConnection, alert_ids: Iterable[int], group_key: str, *, now: float) -> list[int]:
    """Move not-yet-posted single alerts into a group; returns the ids moved (posted ones stay single)."""
    ids = list(alert_ids)
    if not ids:
        return []
    stmt = (
        update(alerts)
        .where(
            alerts.c.id.in_(ids),
            alerts.c.kind == AlertKind.SINGLE.value,
            alerts.c.state == AlertState.PENDING.value,
            alerts.c.claim_token.is_(None),
        )
        .values(kind=AlertKind.MEMBER.value, state=AlertState.GROUPED.value, group_key=group_key, updated_at=now)
        .returning(alerts.c.id)
    )
    moved = list((await conn.execute(stmt)).scalars())
    if moved:
        await touch_group(conn, group_key, now=now)
    return moved


async def delete_group(conn: AsyncConnection, group_key: str) -> None:
    """Remove a group row that ended up with no members (before anything was posted)."""
    await conn.execute(delete(alerts).where(alerts.c.group_key == group_key, alerts.c.kind == AlertKind.GROUP.value))


async def change_reason(
    conn: AsyncConnection,
    session_id: str,
    episode: int,
    *,
    reason: str,
    session_json: str,
    now: float,
    seen_at: int = 0,
) -> tuple[set[str], set[str]]:
    """Note a new suspension reason on the episode's alerts.

    Returns the channels that have an alert for the episode, and the groups to `touch_group()`.
    """
    rows = await episode_alerts(conn, session_id, episode)
    changed = [r for r in rows if r.reason != reason]
    for row in changed:
        if row.kind is AlertKind.SINGLE and row.ts is not None:  # posted: its thread hears of the change
            await events.record_event(
                conn, row.id, EventKind.REASON_CHANGED, key=f"reason:{row.reason}>{reason}:{seen_at}",
                status="suspended", detail=reason, previous=row.reason, seen_at=seen_at, session_json=session_json,
                now=now,
            )  # fmt: skip
        await conn.execute(
            update(alerts)
            .where(alerts.c.id == row.id)
            .values(
                reason=reason,
                reason_changed_from=row.reason,
                session_json=session_json,
                version=alerts.c.version + 1,
                updated_at=now,
            )
        )
    return {r.channel_id for r in rows}, {r.group_key for r in changed if r.group_key}


async def resolve_episode(
    conn: AsyncConnection,
    session_id: str,
    episode: int,
    *,
    resolved_at: int,
    resolved_status: str,
    session_json: str,
    now: float,
) -> set[str]:
    """Mark the episode's alerts recovered (their messages then owe an update).

    Returns the groups among them, for one `touch_group()` each once the whole batch is applied.
    """
    rows = [r for r in await episode_alerts(conn, session_id, episode) if r.resolved_at is None]
    if not rows:
        return set()
    await conn.execute(
        update(alerts)
        .where(alerts.c.id.in_([r.id for r in rows]))
        .values(
            resolved_at=resolved_at,
            resolved_status=resolved_status,
            session_json=session_json,
            version=alerts.c.version + 1,
            updated_at=now,
        )
    )
    return {r.group_key for r in rows if r.group_key}


async def touch_group(conn: AsyncConnection, group_key: str, *, now: float) -> None:
    """Members changed: the group message owes an update, and is resolved once every member is."""
    members = await group_members(conn, group_key)
    values: dict[str, Any] = {"version": alerts.c.version + 1, "updated_at": now}
    if members and all(m.resolved_at is not None for m in members):
        values["resolved_at"] = max(m.resolved_at or 0 for m in members)
        values["resolved_status"] = GROUP_RESOLVED_STATUS
    else:
        values["resolved_at"] = None
        values["resolved_status"] = None
    await conn.execute(
        update(alerts).where(alerts.c.group_key == group_key, alerts.c.kind == AlertKind.GROUP.value).values(values)
    )


async def episode_alerts(conn: AsyncConnection, session_id: str, episode: int) -> list[AlertRecord]:
    """Every alert of one episode (each channel, singles and members)."""
    rows = await conn.execute(select(alerts).where(alerts.c.session_id == session_id, alerts.c.episode == episode))
    return [alert_from_row(row) for row in rows]


async def group_members(conn: AsyncConnection, group_key: str) -> list[AlertRecord]:
    """The member alerts of a group, oldest first."""
    rows = await conn.execute(
        select(alerts)
        .where(alerts.c.group_key == group_key, alerts.c.kind == AlertKind.MEMBER.value)
        .order_by(alerts.c.id)
    )
    return [alert_from_row(row) for row in rows]


async def cancel_unsent(conn: AsyncConnection, channel_id: str, *, now: float) -> int:
    """Drop alerts for the channel that were never posted (it turned alerts off); posted ones still update."""
    result = await conn.execute(
        update(alerts)
        .where(
            alerts.c.channel_id == channel_id,
            alerts.c.kind.in_(DELIVERABLE_KINDS),
            alerts.c.state == AlertState.PENDING.value,
            alerts.c.ts.is_(None),
        )
        .values(state=AlertState.CANCELLED.value, claim_token=None, updated_at=now)
    )
    return result.rowcount


async def count_owed(conn: AsyncConnection) -> tuple[int, int]:
    """(alerts never posted yet, posted messages owing an update)."""
    pending = await conn.scalar(
        select(func.count())
        .select_from(alerts)
        .where(alerts.c.kind.in_(DELIVERABLE_KINDS), alerts.c.state == AlertState.PENDING.value)
    )
    updates = await conn.scalar(
        select(func.count())
        .select_from(alerts)
        .where(
            alerts.c.kind.in_(DELIVERABLE_KINDS),
            alerts.c.state == AlertState.SENT.value,
            alerts.c.version > alerts.c.delivered_version,
        )
    )
    return int(pending or 0), int(updates or 0)


async def list_alerts(
    conn: AsyncConnection, *, channel_id: str | None = None, session_id: str | None = None
) -> list[AlertRecord]:
    """Alerts, oldest first, optionally for one channel or one session (members included)."""
    stmt = select(alerts).order_by(alerts.c.id)
    if channel_id is not None:
        stmt = stmt.where(alerts.c.channel_id == channel_id)
    if session_id is not None:
        stmt = stmt.where(alerts.c.session_id == session_id)
    return [alert_from_row(row) for row in await conn.execute(stmt)]
