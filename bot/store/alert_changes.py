"""Changes to posted alerts after the fact: a later state of a recovered session, a snooze or mute shown on the
channel's open alerts, and finding the alert a clicked button belongs to."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.alerts.records import LATER_STATES, AlertKind, AlertRecord, AlertState
from bot.store import events, outbox
from bot.store.schema import alerts


async def note_later_state(
    conn: AsyncConnection, session_id: str, episode: int, *, status: str, seen_at: int, session_json: str, now: float
) -> int:
    """A recovered session reached a later state (finished, errored): each posted single alert of the episode
    owes one reply for it and an update of its top message. Returns how many alerts heard of it."""
    kind = LATER_STATES.get(status)
    if kind is None:
        return 0
    told = 0
    for row in await outbox.episode_alerts(conn, session_id, episode):
        if row.kind is not AlertKind.SINGLE or row.resolved_at is None or row.state is AlertState.CANCELLED:
            continue
        recorded = await events.record_event(
            conn, row.id, kind, key=kind.value, status=status, detail=None, previous=None, seen_at=seen_at,
            session_json=session_json, now=now,
        )  # fmt: skip
        if not recorded:
            continue  # one reply per later state, whichever poll saw it first
        state = AlertState.SENT if row.state is AlertState.RESOLVED else row.state  # owed again (see `owed`)
        await conn.execute(
            update(alerts)
            .where(alerts.c.id == row.id)
            .values(session_json=session_json, state=state.value, version=alerts.c.version + 1, updated_at=now)
        )
        told += 1
    return told


async def bump_open(conn: AsyncConnection, channel_id: str, *, reason: str | None = None, now: float) -> int:
    """The channel's posted, unresolved alerts (of `reason`, or all) owe an update: a snooze or mute shows there."""
    stmt = update(alerts).where(
        alerts.c.channel_id == channel_id,
        alerts.c.kind.in_(outbox.DELIVERABLE_KINDS),
        alerts.c.ts.is_not(None),
        alerts.c.resolved_at.is_(None),
        alerts.c.state == AlertState.SENT.value,
    )
    if reason is not None:
        stmt = stmt.where(alerts.c.reason == reason)
    return (await conn.execute(stmt.values(version=alerts.c.version + 1, updated_at=now))).rowcount


async def find_posted(conn: AsyncConnection, channel_id: str, ts: str) -> AlertRecord | None:
    """The alert posted as message `ts` in the channel (a button on it was clicked)."""
    stmt = select(alerts).where(
        alerts.c.channel_id == channel_id, alerts.c.ts == ts, alerts.c.kind.in_(outbox.DELIVERABLE_KINDS)
    )
    row = (await conn.execute(stmt.limit(1))).first()
    return outbox.alert_from_row(row) if row is not None else None
