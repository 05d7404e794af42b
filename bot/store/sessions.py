"""Queries for the poller's progress and the last seen state of each session."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.alerts.records import PollerState, SessionRecord
from bot.store.claiming import error_text
from bot.store.dialect import insert, insert_ignore
from bot.store.schema import poller_state, session_state

POLLER_ROW_ID = 1


async def get_poller_state(conn: AsyncConnection) -> PollerState:
    """The poller's progress; an empty state before the first poll."""
    row = (await conn.execute(select(poller_state).where(poller_state.c.id == POLLER_ROW_ID))).first()
    if row is None:
        return PollerState()
    return PollerState(
        watermark=row.watermark,
        last_success_at=row.last_success_at,
        last_error=row.last_error,
        last_error_at=row.last_error_at,
    )


async def save_poll_start(conn: AsyncConnection, *, watermark: int) -> None:
    """Record the first window's start before the first request (only if none is stored yet)."""
    await _ensure_poller_row(conn)
    await conn.execute(
        update(poller_state)
        .where(poller_state.c.id == POLLER_ROW_ID, poller_state.c.watermark.is_(None))
        .values(watermark=watermark)
    )


async def save_poll_success(conn: AsyncConnection, *, watermark: int | None, now: float) -> None:
    """Record a complete poll: the new watermark, and that the last error is over."""
    await _ensure_poller_row(conn)
    await conn.execute(
        update(poller_state)
        .where(poller_state.c.id == POLLER_ROW_ID)
        .values(watermark=watermark, last_success_at=now, last_error=None, last_error_at=None)
    )


async def save_poll_error(conn: AsyncConnection, *, error: str, now: float) -> None:
    """Record why a poll failed; the watermark stays where it was."""
    await _ensure_poller_row(conn)
    await conn.execute(
        update(poller_state)
        .where(poller_state.c.id == POLLER_ROW_ID)
        .values(last_error=error_text(error), last_error_at=now)
    )


async def _ensure_poller_row(conn: AsyncConnection) -> None:
    await conn.execute(insert_ignore(conn, poller_state, ["id"]).values(id=POLLER_ROW_ID))


async def get_sessions(conn: AsyncConnection, session_ids: Collection[str]) -> dict[str, SessionRecord]:
    """The stored state of the given sessions (those never seen are absent)."""
    if not session_ids:
        return {}
    rows = await conn.execute(select(session_state).where(session_state.c.session_id.in_(list(session_ids))))
    return {
        row.session_id: SessionRecord(
            session_id=row.session_id,
            status=row.status,
            status_detail=row.status_detail,
            updated_at=row.updated_at,
            episode=row.episode,
            episode_open=bool(row.episode_open),
            suspended_since=row.suspended_since,
        )
        for row in rows
    }


async def put_sessions(conn: AsyncConnection, records: Sequence[SessionRecord], *, now: float) -> None:
    """Insert or replace the stored state of these sessions (one statement for the batch)."""
    if not records:
        return
    stmt = insert(conn, session_state)
    columns = ("status", "status_detail", "updated_at", "episode", "episode_open", "suspended_since", "seen_at")
    stmt = stmt.on_conflict_do_update(
        index_elements=["session_id"], set_={name: stmt.excluded[name] for name in columns}
    )
    await conn.execute(
        stmt,
        [
            {
                "session_id": r.session_id,
                "status": r.status,
                "status_detail": r.status_detail,
                "updated_at": r.updated_at,
                "episode": r.episode,
                "episode_open": r.episode_open,
                "suspended_since": r.suspended_since,
                "seen_at": now,
            }
            for r in records
        ],
    )
