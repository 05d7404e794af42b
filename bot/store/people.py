"""Queries for the people directory cache (with expiry) and per-person settings (`notify on|off`)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.people.records import LookupResult, MemberLookup
from bot.store.dialect import upsert
from bot.store.people_schema import people_directory, person_settings


async def cached_members(conn: AsyncConnection, user_ids: Collection[str], *, now: float) -> dict[str, MemberLookup]:
    """The members whose Devin half has not expired; a Slack half that expired comes back as not asked (None)."""
    if not user_ids:
        return {}
    rows = await conn.execute(
        select(people_directory).where(
            people_directory.c.user_id.in_(list(user_ids)), people_directory.c.devin_expires_at > now
        )
    )
    return {row.user_id: _member(row, now) for row in rows}


async def put_member(
    conn: AsyncConnection, member: MemberLookup, *, devin_expires_at: float, slack_expires_at: float | None, now: float
) -> None:
    """Store both halves of one lookup, replacing what was cached."""
    values = {
        "user_id": member.user_id,
        "name": member.name,
        "email": member.email,
        "devin_result": member.devin_result.value,
        "devin_expires_at": devin_expires_at,
        "slack_user_id": member.slack_user_id,
        "slack_result": member.slack_result.value if member.slack_result is not None else None,
        "slack_expires_at": slack_expires_at,
        "updated_at": now,
    }
    columns = [k for k in values if k != "user_id"]
    await conn.execute(upsert(conn, people_directory, values, ["user_id"], columns))


async def devin_user_for(conn: AsyncConnection, slack_user_id: str) -> str | None:
    """The Devin user the directory last matched to this Slack user (the App Home's "Your sessions")."""
    row = (
        await conn.execute(
            select(people_directory.c.user_id)
            .where(people_directory.c.slack_user_id == slack_user_id)
            .order_by(people_directory.c.updated_at.desc())
            .limit(1)
        )
    ).first()
    return str(row.user_id) if row is not None else None


async def get_notify(conn: AsyncConnection, slack_user_id: str) -> bool:
    """Whether this person gets DMs (on unless they turned it off)."""
    value = await conn.scalar(select(person_settings.c.notify).where(person_settings.c.slack_user_id == slack_user_id))
    return True if value is None else bool(value)


async def put_notify(conn: AsyncConnection, slack_user_id: str, *, notify: bool, now: float) -> None:
    """`notify on|off` for one person."""
    values = {"slack_user_id": slack_user_id, "notify": notify, "updated_at": now}
    await conn.execute(upsert(conn, person_settings, values, ["slack_user_id"], ["notify", "updated_at"]))


def _member(row: Row[tuple[object, ...]], now: float) -> MemberLookup:
    m = row._mapping
    slack_fresh = m["slack_expires_at"] is not None and float(m["slack_expires_at"]) > now
    slack_result = LookupResult(m["slack_result"]) if slack_fresh and m["slack_result"] else None
    return MemberLookup(
        user_id=str(m["user_id"]),
        name=m["name"],
        email=m["email"],
        slack_user_id=m["slack_user_id"] if slack_result is LookupResult.FOUND else None,
        devin_result=LookupResult(m["devin_result"]),
        slack_result=slack_result,
    )
