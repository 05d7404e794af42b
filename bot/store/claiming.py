"""The claim protocol the three outboxes share: alerts (`claims`), team posts (`team`), DMs (`notices`).

A row is taken for delivery with one conditional UPDATE: it is due (`due <= now`) and still owes
something, and taking it stamps a token and pushes `due` `seconds` ahead. Any number of processes can
deliver from the same table; each row is worked on by one at a time, and a claim left behind by a
crashed process expires by itself. Every write of a result checks the token (`settle`), so a process
whose claim expired cannot overwrite another's.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Table, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

CLAIM_SECONDS = 120.0
"""How long a claim lasts by default: far longer than one Slack call (`SLACK_TIMEOUT_SECONDS`, 10 s) plus
the store-write retries after it. Alerts take theirs from ALERT_CLAIM_SECONDS."""
ERROR_TEXT_MAX = 500
"""How much of a failure's text a row keeps."""


async def take(
    conn: AsyncConnection,
    table: Table,
    row_id: int,
    token: str,
    *,
    owed: ColumnElement[bool],
    now: float,
    seconds: float = CLAIM_SECONDS,
    due: str = "next_attempt_at",
) -> Row[Any] | None:
    """Claim row `row_id` of `table` if it is due and `owed`: the row as claimed, or None (another process
    holds it, or it needs nothing). `due` names the column that says when the row is next due."""
    stmt = (
        update(table)
        .where(table.c.id == row_id, table.c[due] <= now, owed)
        .values({"claim_token": token, due: now + seconds})
        .returning(*table.c)
    )
    return (await conn.execute(stmt)).first()


async def settle(conn: AsyncConnection, table: Table, row_id: int, token: str, values: dict[str, Any]) -> bool:
    """Write a delivery result if the claim `token` still holds the row; False when it no longer does."""
    result = await conn.execute(update(table).where(table.c.id == row_id, table.c.claim_token == token).values(values))
    return bool(result.rowcount == 1)


def error_text(error: object) -> str:
    """A failure's text as a row keeps it (bounded)."""
    return str(error)[:ERROR_TEXT_MAX]


def new_claim_token(holder_id: str) -> str:
    """A token unique to one delivery attempt of one holder (the holder's id first, for the logs)."""
    return f"{holder_id[:40]}:{uuid.uuid4().hex[:16]}"
