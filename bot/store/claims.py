"""Delivery claims on the `alerts` outbox: which rows are due, who works on one, and how it ends.

Delivery claims a row with one conditional UPDATE (`next_attempt_at <= now` → push it
`CLAIM_SECONDS` ahead and stamp a token), so any number of processes can deliver from the same
table and each row is worked on by one of them at a time. A claim left behind by a crashed
process expires by itself. Settling writes check the token, so a process whose claim expired
cannot overwrite another's result.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.alerts.records import AlertRecord, AlertState
from bot.store.outbox import DELIVERABLE_KINDS, ERROR_TEXT_MAX, alert_from_row, owed
from bot.store.schema import alerts, delivery_problems

CLAIM_SECONDS = 120.0
"""How long a delivery claim lasts; far longer than one Slack call (slack_sdk's timeout is 30 s)."""


async def due_alerts(conn: AsyncConnection, *, now: float, limit: int) -> list[AlertRecord]:
    """Messages to post or update now, skipping channels with a recorded permanent problem."""
    blocked = select(delivery_problems.c.channel_id)
    rows = await conn.execute(
        select(alerts)
        .where(
            alerts.c.kind.in_(DELIVERABLE_KINDS),
            alerts.c.next_attempt_at <= now,
            alerts.c.channel_id.not_in(blocked),
            owed(),
        )
        .order_by(alerts.c.id)
        .limit(limit)
    )
    return [alert_from_row(row) for row in rows]


async def claim(conn: AsyncConnection, alert_id: int, token: str, *, now: float) -> AlertRecord | None:
    """Take the row for delivery if nobody holds it; the row as claimed, or None."""
    stmt = (
        update(alerts)
        .where(alerts.c.id == alert_id, alerts.c.next_attempt_at <= now, owed())
        .values(claim_token=token, next_attempt_at=now + CLAIM_SECONDS)
        .returning(*alerts.c)
    )
    row = (await conn.execute(stmt)).first()
    return alert_from_row(row) if row is not None else None


async def _settle(conn: AsyncConnection, alert_id: int, token: str, values: dict[str, Any]) -> bool:
    result = await conn.execute(
        update(alerts).where(alerts.c.id == alert_id, alerts.c.claim_token == token).values(values)
    )
    return result.rowcount == 1


async def save_ts(conn: AsyncConnection, alert_id: int, token: str, *, ts: str, now: float) -> bool:
    """Slack accepted the post: keep its ts at once (the claim stays for any follow-up call)."""
    return await _settle(conn, alert_id, token, {"ts": ts, "state": AlertState.SENT.value, "updated_at": now})


async def save_reply_ts(conn: AsyncConnection, alert_id: int, token: str, *, reply_ts: str, now: float) -> bool:
    """Slack accepted our thread reply: keep its ts so a retry does not reply twice."""
    return await _settle(conn, alert_id, token, {"reply_ts": reply_ts, "updated_at": now})


async def complete(
    conn: AsyncConnection, alert_id: int, token: str, *, delivered_version: int, resolved: bool, now: float
) -> bool:
    """The message shows `delivered_version`; release the claim."""
    state = AlertState.RESOLVED if resolved else AlertState.SENT
    values = {
        "delivered_version": delivered_version,
        "state": state.value,
        "attempts": 0,
        "last_error": None,
        "claim_token": None,
        "next_attempt_at": now,
        "updated_at": now,
    }
    return await _settle(conn, alert_id, token, values)


async def retry_later(conn: AsyncConnection, alert_id: int, token: str, *, error: str, at: float, now: float) -> bool:
    """A transient failure: count it, remember why, try again at `at`."""
    values = {
        "attempts": alerts.c.attempts + 1,
        "last_error": error[:ERROR_TEXT_MAX],
        "claim_token": None,
        "next_attempt_at": at,
        "updated_at": now,
    }
    return await _settle(conn, alert_id, token, values)


async def hold(conn: AsyncConnection, alert_id: int, token: str, *, error: str, now: float) -> bool:
    """A permanent failure: remember why and release; the channel's problem row keeps it waiting."""
    values = {
        "attempts": alerts.c.attempts + 1,
        "last_error": error[:ERROR_TEXT_MAX],
        "claim_token": None,
        "next_attempt_at": now,
        "updated_at": now,
    }
    return await _settle(conn, alert_id, token, values)


def new_claim_token(holder_id: str) -> str:
    """A token unique to one delivery attempt of one holder."""
    return f"{holder_id[:40]}:{uuid.uuid4().hex[:16]}"
