"""Queries for the DM outbox (`person_notices`) and waiting episodes (`session_waits`).

Exactly once: a notice's key is (session, kind, episode), so however many polls, replicas or restarts see
the same episode, one row exists. Delivery claims a row with one conditional UPDATE (like the alert outbox)
and saves the message `ts` right after `chat.postMessage` answers.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.people.records import Notice, NoticeKind, NoticeState
from bot.store.claiming import error_text, take
from bot.store.claiming import settle as _settle_row
from bot.store.dialect import insert_ignore, upsert
from bot.store.people_schema import person_notices, session_waits


async def record(
    conn: AsyncConnection,
    *,
    session_id: str,
    kind: NoticeKind,
    episode: int,
    user_id: str,
    reason: str | None,
    due_at: float,
    opened_at: int,
    session_json: str,
    now: float,
) -> None:
    """A new pending notice for this episode, unless one exists already."""
    values = {
        "session_id": session_id,
        "kind": kind.value,
        "episode": episode,
        "user_id": user_id,
        "reason": reason,
        "state": NoticeState.PENDING.value,
        "due_at": due_at,
        "opened_at": opened_at,
        "session_json": session_json,
        "updated_at": now,
    }
    await conn.execute(insert_ignore(conn, person_notices, ["session_id", "kind", "episode"]).values(values))


async def change(
    conn: AsyncConnection, session_id: str, kind: NoticeKind, episode: int, *, now: float, **values: Any
) -> None:
    """Change an episode's notice (a new reason, its resolution): a sent DM then owes an edit; a pending one
    that ends before it is due is cancelled."""
    key = (
        person_notices.c.session_id == session_id,
        person_notices.c.kind == kind.value,
        person_notices.c.episode == episode,
    )
    await conn.execute(
        update(person_notices)
        .where(*key, person_notices.c.state == NoticeState.SENT.value)
        .values(version=person_notices.c.version + 1, updated_at=now, **values)
    )
    pending = {**values}
    if values.get("resolved_at") is not None:
        pending["state"] = NoticeState.CANCELLED.value
    # The version moves here too: a delivery that claimed the row before this change and posts after it
    # settles an older version, so the edit is still owed.
    await conn.execute(
        update(person_notices)
        .where(*key, person_notices.c.state == NoticeState.PENDING.value)
        .values(version=person_notices.c.version + 1, updated_at=now, **pending)
    )


async def due(conn: AsyncConnection, *, now: float, limit: int) -> list[Notice]:
    """Notices to send (pending and due) or to edit (sent, with a newer version), oldest first."""
    rows = await conn.execute(select(person_notices).where(_owed(now)).order_by(person_notices.c.id).limit(limit))
    return [_notice(row) for row in rows]


async def claim(conn: AsyncConnection, notice_id: int, *, now: float) -> tuple[Notice, str] | None:
    """Take one notice for delivery if nobody holds it: the row and the claim token, or None."""
    token = uuid.uuid4().hex
    row = await take(conn, person_notices, notice_id, token, owed=_owed(now), now=now, due="due_at")
    return (_notice(row), token) if row is not None else None


async def settle(conn: AsyncConnection, notice_id: int, token: str, **values: Any) -> bool:
    """Write a delivery outcome if the claim is still ours."""
    values.setdefault("claim_token", None)
    if "last_error" in values and values["last_error"] is not None:
        values["last_error"] = error_text(values["last_error"])
    return await _settle_row(conn, person_notices, notice_id, token, values)


async def list_notices(conn: AsyncConnection, *, session_id: str | None = None) -> list[Notice]:
    """Every notice (optionally of one session), oldest first."""
    stmt = select(person_notices).order_by(person_notices.c.id)
    if session_id is not None:
        stmt = stmt.where(person_notices.c.session_id == session_id)
    return [_notice(row) for row in await conn.execute(stmt)]


async def open_waits(conn: AsyncConnection, session_ids: list[str]) -> dict[str, tuple[int, bool]]:
    """(episode, open) of each session's latest waiting episode."""
    if not session_ids:
        return {}
    rows = await conn.execute(select(session_waits).where(session_waits.c.session_id.in_(session_ids)))
    return {row.session_id: (int(row.episode), bool(row.open)) for row in rows}


async def put_wait(
    conn: AsyncConnection, session_id: str, *, episode: int, open_: bool, status: str, since: int
) -> None:
    """Store a session's waiting episode."""
    values = {"session_id": session_id, "episode": episode, "open": open_, "status": status, "since": since}
    await conn.execute(upsert(conn, session_waits, values, ["session_id"], ["episode", "open", "status", "since"]))


def _owed(now: float) -> Any:
    c = person_notices.c
    return or_(
        and_(c.state == NoticeState.PENDING.value, c.due_at <= now),
        and_(c.state == NoticeState.SENT.value, c.version > c.delivered_version, c.due_at <= now),
    )


def _notice(row: Row[Any]) -> Notice:
    m = row._mapping
    return Notice(
        id=int(m["id"]),
        session_id=str(m["session_id"]),
        kind=NoticeKind(m["kind"]),
        episode=int(m["episode"]),
        user_id=str(m["user_id"]),
        reason=m["reason"],
        state=NoticeState(m["state"]),
        due_at=float(m["due_at"]),
        opened_at=int(m["opened_at"]),
        resolved_at=m["resolved_at"],
        resolved_status=m["resolved_status"],
        version=int(m["version"]),
        delivered_version=int(m["delivered_version"]),
        slack_user_id=m["slack_user_id"],
        dm_channel=m["dm_channel"],
        ts=m["ts"],
        session_json=str(m["session_json"]),
        attempts=int(m["attempts"]),
    )
