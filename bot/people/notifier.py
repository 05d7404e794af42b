"""Notifier: sends the DM outbox to each session's creator (the app's Messages tab), and edits on resolution.

A notice is claimed (one conditional UPDATE), then posted with `chat.postMessage(channel=<Slack user id>)`,
which lands in the app's DM with that person; its `ts` and DM channel are saved right after Slack answers,
so a later edit is `chat.update` there. Nobody to send it to (no Slack user for the creator) or `notify off`
skip the notice for good; Slack failures retry with backoff, then give up (`failed`). Slack has no
idempotency key and, unlike alerts, a DM has no uncertain-post check: a post whose answer never came (a
timeout, a dropped connection) or a crash between Slack's answer and the commit can repeat that one DM.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.kit import Message
from blocks.people_dm import suspension_dm, waiting_dm
from bot.devin.models import Session
from bot.people.directory import PeopleDirectory
from bot.people.records import Notice, NoticeKind, NoticeState
from bot.slack.client import without_retries
from bot.slack.failures import classify_api_error
from bot.store import Store, notices
from bot.store import people as people_queries

log = logging.getLogger(__name__)

NOTICE_BATCH = 100
"""Most notices handled per tick; the rest wait for the next."""
MAX_ATTEMPTS = 5
BACKOFF_SECONDS = (10.0, 30.0, 120.0, 600.0)
UPDATE_IMPOSSIBLE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


@dataclass
class NoticeReport:
    """What one round did."""

    sent: int = 0
    edited: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0


def dm_message(notice: Notice, app_url: str) -> Message:
    """The DM for a notice in its current state."""
    session = Session.model_validate_json(notice.session_json)
    if notice.kind is NoticeKind.SUSPENDED:
        return suspension_dm(
            session,
            app_url=app_url,
            reason=notice.reason or "",
            opened_at=notice.opened_at,
            resolved_at=notice.resolved_at,
            resolved_status=notice.resolved_status,
        )
    return waiting_dm(
        session,
        app_url=app_url,
        detail=notice.reason,
        since=notice.opened_at,
        resolved_at=notice.resolved_at,
        resolved_status=notice.resolved_status,
    )


class Notifier:
    """Delivers due DM notices; safe to run in several replicas (rows are claimed)."""

    def __init__(
        self,
        store: Store,
        slack: AsyncWebClient,
        directory: PeopleDirectory,
        *,
        app_url: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._slack = without_retries(slack)  # the DM outbox decides about retries (see without_retries)
        self._directory = directory
        self._app_url = app_url
        self._clock = clock

    async def deliver_due(self) -> NoticeReport:
        """Send or edit every due notice; the creators are looked up once for the whole batch."""
        report = NoticeReport()
        async with self._store.transaction() as conn:
            due = await notices.due(conn, now=self._clock(), limit=NOTICE_BATCH)
        if not due:
            return report
        await self._directory.members({n.user_id for n in due if n.ts is None})
        for notice in due:
            await self._deliver(notice, report)
        return report

    async def _deliver(self, due: Notice, report: NoticeReport) -> None:
        async with self._store.transaction() as conn:
            claimed = await notices.claim(conn, due.id, now=self._clock())
        if claimed is None:
            return
        notice, token = claimed
        try:
            if notice.ts is None:
                await self._send(notice, token, report)
            else:
                await self._edit(notice, token, report)
        except SlackApiError as exc:
            error = str(exc.response.get("error") or exc.response.status_code)
            await self._failed(notice, token, error, report, retry_after=classify_api_error(exc).retry_after)
        except (aiohttp.ClientError, TimeoutError) as exc:
            await self._failed(notice, token, type(exc).__name__, report)

    async def _send(self, notice: Notice, token: str, report: NoticeReport) -> None:
        member = (await self._directory.members([notice.user_id]))[notice.user_id]
        slack_user = member.slack_user_id
        why = "no Slack user for the creator" if slack_user is None else None
        if slack_user is not None:
            async with self._store.transaction() as conn:
                if not await people_queries.get_notify(conn, slack_user):
                    why = "notify off"
        if slack_user is None or why is not None:
            async with self._store.transaction() as conn:
                await notices.settle(conn, notice.id, token, state=NoticeState.SKIPPED.value, last_error=why)
            report.skipped += 1
            log.info("people.dm.skipped", extra={"notice_id": notice.id, "why": why})
            return
        message = dm_message(notice, self._app_url)
        response = await self._slack.chat_postMessage(
            channel=slack_user, text=message["text"], blocks=message["blocks"], unfurl_links=False, unfurl_media=False
        )
        async with self._store.transaction() as conn:
            await notices.settle(
                conn,
                notice.id,
                token,
                state=NoticeState.SENT.value,
                ts=str(response["ts"]),
                dm_channel=str(response["channel"]),
                slack_user_id=slack_user,
                delivered_version=notice.version,
                due_at=self._clock(),
                last_error=None,
            )
        report.sent += 1
        log.info("people.dm.sent", extra={"notice_id": notice.id, "kind": notice.kind.value})

    async def _edit(self, notice: Notice, token: str, report: NoticeReport) -> None:
        message = dm_message(notice, self._app_url)
        try:
            await self._slack.chat_update(
                channel=notice.dm_channel or "", ts=notice.ts or "", text=message["text"], blocks=message["blocks"]
            )
        except SlackApiError as exc:
            if exc.response.get("error") not in UPDATE_IMPOSSIBLE:
                raise
            log.warning("people.dm.update_skipped", extra={"notice_id": notice.id})
        async with self._store.transaction() as conn:
            await notices.settle(conn, notice.id, token, delivered_version=notice.version, due_at=self._clock())
        report.edited += 1

    async def _failed(
        self, notice: Notice, token: str, error: str, report: NoticeReport, *, retry_after: float | None = None
    ) -> None:
        attempts = notice.attempts + 1
        now = self._clock()
        async with self._store.transaction() as conn:
            if attempts >= MAX_ATTEMPTS:
                await notices.settle(
                    conn, notice.id, token, state=NoticeState.FAILED.value, attempts=attempts, last_error=error
                )
                report.failed += 1
            else:
                # A 429's Retry-After wins over the backoff (slack_sdk no longer sleeps it inside the call).
                wait = max(BACKOFF_SECONDS[min(attempts - 1, len(BACKOFF_SECONDS) - 1)], retry_after or 0.0)
                await notices.settle(conn, notice.id, token, attempts=attempts, due_at=now + wait, last_error=error)
                report.retried += 1
        log.warning("people.dm.failed", extra={"notice_id": notice.id, "error": error, "attempts": attempts})
