"""Queries for `alert_events`: the later state changes of alerted sessions, each owed as one thread reply.

An event is keyed by (alert, what was seen), so the same change seen by two polls or two replicas is
one reply. Its reply is posted like the alert's own: marked started (committed) right before the post,
its ts stored right after, under the alert row's delivery claim.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import Exists, exists, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.alerts.records import AlertEvent, EventKind
from bot.store.dialect import insert_ignore
from bot.store.schema import alerts
from bot.store.thread_schema import alert_events


async def record_event(
    conn: AsyncConnection,
    alert_id: int,
    kind: EventKind,
    *,
    key: str,
    status: str | None,
    detail: str | None,
    previous: str | None,
    seen_at: int,
    session_json: str,
    now: float,
) -> bool:
    """Record a change the alert's thread owes a reply for; False when it was already recorded."""
    values = {
        "alert_id": alert_id,
        "kind": kind.value,
        "key": key[:128],
        "status": status,
        "detail": detail,
        "previous": previous,
        "seen_at": seen_at,
        "session_json": session_json,
        "created_at": now,
    }
    stmt = insert_ignore(conn, alert_events, ["alert_id", "key"]).values(values)
    return (await conn.execute(stmt)).rowcount == 1


async def owed_events(conn: AsyncConnection, alert_id: int) -> list[AlertEvent]:
    """The alert's changes whose reply is not posted yet, in the order they were seen."""
    rows = await conn.execute(
        select(alert_events)
        .where(alert_events.c.alert_id == alert_id, alert_events.c.reply_ts.is_(None))
        .order_by(alert_events.c.id)
    )
    return [_event(row) for row in rows]


async def list_events(conn: AsyncConnection, alert_id: int) -> list[AlertEvent]:
    """Every change recorded for the alert, replied or not, oldest first."""
    rows = await conn.execute(
        select(alert_events).where(alert_events.c.alert_id == alert_id).order_by(alert_events.c.id)
    )
    return [_event(row) for row in rows]


def _claimed(alert_id: int, token: str) -> Exists:
    return exists().where(alerts.c.id == alert_id, alerts.c.claim_token == token)


async def mark_event_started(conn: AsyncConnection, event: AlertEvent, token: str, *, now: float) -> bool:
    """About to post the event's reply (only while the alert row's claim is ours)."""
    stmt = (
        update(alert_events)
        .where(alert_events.c.id == event.id, _claimed(event.alert_id, token))
        .values(started_at=now)
    )
    return (await conn.execute(stmt)).rowcount == 1


def event_saver(event: AlertEvent) -> Callable[..., Awaitable[bool]]:
    """A `Sender.keep` save function for the event's reply ts (with `token=None`: whoever holds the alert)."""

    async def save(conn: AsyncConnection, _alert_id: int, token: str | None, *, ts: str, now: float) -> bool:
        stmt = update(alert_events).where(alert_events.c.id == event.id, alert_events.c.reply_ts.is_(None))
        if token is not None:
            stmt = stmt.where(_claimed(event.alert_id, token))
        return (await conn.execute(stmt.values(reply_ts=ts, started_at=None))).rowcount == 1

    return save


def _event(row: Row[tuple[object, ...]]) -> AlertEvent:
    m = row._mapping
    started = m["started_at"]
    return AlertEvent(
        id=int(m["id"]),
        alert_id=int(m["alert_id"]),
        kind=EventKind(m["kind"]),
        status=m["status"],
        detail=m["detail"],
        previous=m["previous"],
        seen_at=int(m["seen_at"]),
        session_json=str(m["session_json"]),
        reply_ts=m["reply_ts"],
        started_at=float(started) if started is not None else None,
    )
