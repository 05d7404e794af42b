"""What the people component adds to alert delivery: the creators to mention."""

from __future__ import annotations

from collections.abc import Sequence

from bot.alerts.records import AlertKind, AlertRecord
from bot.alerts.render import AlertExtras, session_of
from bot.devin.models import Session
from bot.people.directory import PeopleDirectory
from bot.store import Store, outbox


class AlertPeople:
    """`ExtrasSource` for the Deliverer: batch lookups per round, then per-alert extras from the cache."""

    def __init__(self, directory: PeopleDirectory, store: Store) -> None:
        self._directory = directory
        self._store = store

    async def prepare(self, alerts: Sequence[AlertRecord]) -> None:
        """Look up every creator of every due alert (group members included) in one de-duplicated batch."""
        sessions: list[Session] = []
        for alert in alerts:
            if alert.kind is AlertKind.GROUP and alert.group_key is not None:
                async with self._store.transaction() as conn:
                    sessions += [session_of(m) for m in await outbox.group_members(conn, alert.group_key)]
            elif alert.session_json is not None:
                sessions.append(session_of(alert))
        await self._directory.people(sessions)

    async def extras(self, alert: AlertRecord, members: Sequence[AlertRecord] | None) -> AlertExtras:
        """The creators of this alert's sessions (from the cache `prepare` filled)."""
        rows = members if members is not None else [alert]
        sessions = [session_of(r) for r in rows if r.session_json is not None]
        return AlertExtras(creators=await self._directory.people(sessions))
