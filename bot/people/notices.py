"""NoticeRecorder: turns what the poller saw into DM notices, in the poller's own transaction.

Suspension: an episode that opens with an alert reason records one notice (due at once); a new reason or the
session leaving `suspended` changes it (an edit once sent). Waiting: a session that enters `running` with
`waiting_for_user` or `waiting_for_approval` opens a waiting episode (numbered apart from suspensions) whose
notice is due `waiting_after` seconds after Devin's `updated_at`; leaving that state resolves it, or cancels
it when it was not due yet. A session nobody started (service users, automations) gets no notice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.alerts.rules import Change, Decision
from bot.alerts.snapshot import snapshot_json
from bot.devin.models import Session, SessionStatus
from bot.people.records import WAITING_DETAILS, NoticeKind, creator_id
from bot.store import notices


def is_waiting(status: str, detail: str | None) -> bool:
    """Running and waiting for its creator (an answer, or an approval in safe mode)."""
    return status == SessionStatus.RUNNING and detail in WAITING_DETAILS


class NoticeRecorder:
    """The poller's observer for DMs: what each changed session means for its creator."""

    def __init__(
        self, *, reasons: Collection[str], waiting_after_seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        self._reasons = frozenset(reasons)
        self._waiting_after = waiting_after_seconds
        self._clock = clock

    async def observe(self, conn: AsyncConnection, changes: Sequence[tuple[Session, Decision]]) -> None:
        """Record, change or resolve notices for the sessions the poller just stored (same transaction)."""
        mine = [(s, d) for s, d in changes if creator_id(s) is not None]
        for session, decision in mine:
            await self._suspension(conn, session, decision)
        waits = await notices.open_waits(conn, [s.session_id for s, _ in mine])
        for session, decision in mine:
            await self._waiting(conn, session, decision, waits.get(session.session_id, (0, False)))

    async def _suspension(self, conn: AsyncConnection, session: Session, decision: Decision) -> None:
        episode, now, snapshot = decision.record.episode, self._clock(), snapshot_json(session)
        if decision.change is Change.OPENED and decision.reason in self._reasons:
            await notices.record(
                conn,
                session_id=session.session_id,
                kind=NoticeKind.SUSPENDED,
                episode=episode,
                user_id=creator_id(session) or "",
                reason=decision.reason,
                due_at=now,
                opened_at=session.updated_at,
                session_json=snapshot,
                now=now,
            )
        elif decision.change is Change.REASON_CHANGED:
            await notices.change(
                conn,
                session.session_id,
                NoticeKind.SUSPENDED,
                episode,
                now=now,
                reason=decision.reason,
                session_json=snapshot,
            )
        elif decision.change is Change.CLOSED:
            await notices.change(
                conn,
                session.session_id,
                NoticeKind.SUSPENDED,
                episode,
                now=now,
                resolved_at=session.updated_at,
                resolved_status=decision.resolved_status,
                session_json=snapshot,
            )

    async def _waiting(
        self, conn: AsyncConnection, session: Session, decision: Decision, wait: tuple[int, bool]
    ) -> None:
        episode, is_open = wait
        record, now = decision.record, self._clock()
        waiting = is_waiting(record.status, record.status_detail)
        if waiting and not is_open:
            episode += 1
            await notices.put_wait(
                conn,
                session.session_id,
                episode=episode,
                open_=True,
                status=record.status_detail or "",
                since=session.updated_at,
            )
            await notices.record(
                conn,
                session_id=session.session_id,
                kind=NoticeKind.WAITING,
                episode=episode,
                user_id=creator_id(session) or "",
                reason=record.status_detail,
                due_at=session.updated_at + self._waiting_after,
                opened_at=session.updated_at,
                session_json=snapshot_json(session),
                now=now,
            )
        elif not waiting and is_open:
            await notices.put_wait(
                conn, session.session_id, episode=episode, open_=False, status=record.status, since=session.updated_at
            )
            await notices.change(
                conn,
                session.session_id,
                NoticeKind.WAITING,
                episode,
                now=now,
                resolved_at=session.updated_at,
                resolved_status=record.status_detail or record.status,
                session_json=snapshot_json(session),
            )
