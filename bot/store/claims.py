"""Delivery claims on the `alerts` outbox: which rows are due, who works on one, and how it ends.

The claim itself is the protocol every outbox shares (`claiming`): one conditional UPDATE takes a due row
for `seconds` and stamps a token; every write of a result checks the token.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.alerts.records import AlertRecord, AlertState

# CLAIM_SECONDS and new_claim_token are re-exported: delivery and the engine use them from here.
from bot.store.claiming import CLAIM_SECONDS as CLAIM_SECONDS
from bot.store.claiming import error_text, take
from bot.store.claiming import new_claim_token as new_claim_token
from bot.store.claiming import settle as _settle_row
from bot.store.outbox import DELIVERABLE_KINDS, alert_from_row, owed
from bot.store.schema import alerts, delivery_problems


async def due_alerts(conn: AsyncConnection, *, now: float, limit: int) -> list[AlertRecord]:
    """Messages to post or update now, in suspension order, skipping channels with a permanent problem.

    Suspension order (`opened_at`, then id): after an outage every row of a channel is due again at
    the same moment (the channel's backoff, see `retry_later`), so the oldest suspension goes first.
    """
    blocked = select(delivery_problems.c.channel_id)
    rows = await conn.execute(
        select(alerts)
        .where(
            alerts.c.kind.in_(DELIVERABLE_KINDS),
            alerts.c.next_attempt_at <= now,
            alerts.c.channel_id.not_in(blocked),
            owed(),
        )
        .order_by(alerts.c.opened_at, alerts.c.id)
        .limit(limit)
    )
    return [alert_from_row(row) for row in rows]


async def claim(
    conn: AsyncConnection, alert_id: int, token: str, *, now: float, seconds: float = CLAIM_SECONDS
) -> AlertRecord | None:
    """Take the row for delivery for `seconds` if nobody holds it; the row as claimed, or None."""
    row = await take(conn, alerts, alert_id, token, owed=owed(), now=now, seconds=seconds)
    return alert_from_row(row) if row is not None else None


async def _settle(conn: AsyncConnection, alert_id: int, token: str, values: dict[str, Any]) -> bool:
    return await _settle_row(conn, alerts, alert_id, token, values)


async def mark_post_started(conn: AsyncConnection, alert_id: int, token: str, *, now: float) -> bool:
    """About to call chat.postMessage: from now until its ts is stored, the post's outcome is uncertain."""
    return await _settle(conn, alert_id, token, {"post_started_at": now, "updated_at": now})


async def mark_reply_started(conn: AsyncConnection, alert_id: int, token: str, *, now: float) -> bool:
    """About to post the thread reply (the same, for `reply_ts`)."""
    return await _settle(conn, alert_id, token, {"reply_started_at": now, "updated_at": now})


async def clear_started(conn: AsyncConnection, alert_id: int, token: str, *, now: float) -> bool:
    """Slack answered with an error: nothing was posted, so nothing is uncertain."""
    return await _settle(conn, alert_id, token, {"post_started_at": None, "reply_started_at": None, "updated_at": now})


async def save_ts(conn: AsyncConnection, alert_id: int, token: str | None, *, ts: str, now: float) -> bool:
    """Slack accepted the post: keep its ts at once (the claim stays for any follow-up call).

    With `token=None` the ts is kept whoever holds the row now (a ts Slack returned is a fact; a
    replica that took the row over meanwhile finds it and does not post again), unless a ts is
    already stored.
    """
    values = {"ts": ts, "state": AlertState.SENT.value, "post_started_at": None, "updated_at": now}
    if token is not None:
        return await _settle(conn, alert_id, token, values)
    result = await conn.execute(update(alerts).where(alerts.c.id == alert_id, alerts.c.ts.is_(None)).values(values))
    return result.rowcount == 1


async def save_reply_ts(conn: AsyncConnection, alert_id: int, token: str | None, *, ts: str, now: float) -> bool:
    """Slack accepted our thread reply: keep its ts so a retry does not reply twice (`token=None`: as in save_ts)."""
    values = {"reply_ts": ts, "reply_started_at": None, "updated_at": now}
    if token is not None:
        return await _settle(conn, alert_id, token, values)
    stmt = update(alerts).where(alerts.c.id == alert_id, alerts.c.reply_ts.is_(None)).values(values)
    return (await conn.execute(stmt)).rowcount == 1


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
        "last_error": error_text(error),
        "claim_token": None,
        "next_attempt_at": at,
        "updated_at": now,
    }
    return await _settle(conn, alert_id, token, values)


async def hold(conn: AsyncConnection, alert_id: int, token: str, *, error: str, now: float) -> bool:
    """A permanent failure: remember why and release; the channel's problem row keeps it waiting
    (`due_alerts` skips its channel), so it is due at once when the problem is cleared."""
    return await retry_later(conn, alert_id, token, error=error, at=now, now=now)
