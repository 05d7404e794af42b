"""Delivery of the `alerts` outbox to Slack: post, update in place, reply in the thread; retried until done.

Every alert is recorded (pending) before anything is sent. A delivery claims its row, calls
Slack, and commits the result at once: the message `ts` right after `chat.postMessage`
returns, the reply `ts` right after the thread reply, then the delivered version. Transient
failures leave the row owed and are retried by later rounds and restarts; nothing sleeps
inside a claim (slack_sdk's retry handlers are not used here, see `posting.without_retries`).

Pacing and order. Posts in one channel are paced across every replica by the store
(`store.pace`, about one message a second). Channel-wide trouble (429 with its `Retry-After`,
5xx, timeouts, connection errors) pushes the channel's next slot out with exponential backoff
and makes every owed row of the channel due at that same moment, so once Slack is back the
channel drains in suspension order (`claims.due_alerts`). An error we do not know backs off
only its own row.

Permanent channel errors (`not_in_channel`, `channel_not_found`, `is_archived`, bad token, …)
are recorded on the row and on the channel's delivery-problem row, and logged once as
`alerts.delivery.failed_permanently` with the fix. Delivery to that channel then waits until the
problem is cleared: by `alerts on` in the channel (a settings change) or by a restart.

An alert whose session recovered before it could be posted is still posted, showing the
recovery (an alert is never dropped), followed by the recovery note in its thread.

Posted once: a post whose outcome is unknown is uncertain, never failed (see `posting`). With
the optional history scopes, an uncertain post is looked up by its message metadata before it
is posted again; without them it is posted again, and the remaining window for a double post is
the in-flight request plus the time until its ts is stored. An edit (`chat.update`) is
idempotent and may safely repeat.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from enum import Enum, auto
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.kit import Message
from bot import metrics
from bot.alerts import render
from bot.alerts.posting import (
    STORE_RETRY_SECONDS,
    UNCERTAIN_WAIT_SECONDS,
    StoreUnavailableError,
    find_post,
    find_reply,
    store_retrying,
    without_retries,
)
from bot.alerts.records import AlertKind, AlertRecord
from bot.slack.failures import FailureKind, SlackFailure, classify_api_error, transport_failure
from bot.store import STORE_ERRORS, Store, claims, outbox, pace
from bot.store import channels as channel_queries

log = logging.getLogger(__name__)

BACKOFF_INITIAL_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 300.0
"""Retries of one alert slow down to one every five minutes, never slower."""
DELIVERY_BATCH = 200
"""Most rows taken per round; the rest wait for the next one."""
CHANNEL_RATE = (1.0, 1.0)
"""(messages, per seconds) per channel: Slack allows about one message a second in a channel."""
SLOT_WAIT_MAX_SECONDS = 5.0
"""A channel whose next slot is further away than this is left for a later round (never waited
for inside a claim)."""

Sleep = Callable[[float], Awaitable[None]]
_STORE_TROUBLE: tuple[type[BaseException], ...] = (StoreUnavailableError, *STORE_ERRORS)


class ExtrasSource(Protocol):
    """Adds people and quiet controls to alerts (the people component); delivery works without one."""

    async def prepare(self, alerts: Sequence[AlertRecord]) -> None:
        """Called once per round with every due row: look up what they need in one batch."""

    async def extras(self, alert: AlertRecord, members: Sequence[AlertRecord] | None) -> render.AlertExtras:
        """What to add to this alert's messages (after `prepare`, so it should not call out again)."""


class _Outcome(Enum):
    DONE = auto()
    SKIPPED = auto()
    RETRY = auto()
    BLOCKED = auto()


class _ClaimLostError(Exception):
    """Another process took the row over (our claim expired): stop working on it."""


@dataclass
class DeliveryReport:
    """What one delivery round did."""

    posted: int = 0
    updated: int = 0
    replied: int = 0
    retried: int = 0
    blocked: int = 0
    skipped: int = 0
    reconciled: int = 0
    """Uncertain posts or replies found in the channel's history instead of being sent again."""


def backoff_seconds(attempts: int) -> float:
    """Wait before retry number `attempts` (1-based): 5 s, 10 s, 20 s, … capped at five minutes."""
    return float(min(BACKOFF_MAX_SECONDS, BACKOFF_INITIAL_SECONDS * 2 ** max(0, attempts - 1)))


class Deliverer:
    """Sends what the outbox owes. Safe to run in several processes at once (rows are claimed).

    Args:
        slack: the app's client; delivery uses a copy without slack_sdk's retry handlers (see
            `posting.without_retries`), sharing its session.
        channel_rate: `(messages, seconds)` allowed per channel across all replicas (the store paces).
        sleep: how pacing waits (tests may inject one).
    """

    def __init__(
        self,
        store: Store,
        slack: AsyncWebClient,
        *,
        holder_id: str,
        clock: Callable[[], float],
        app_url: str,
        channel_rate: tuple[float, float] = CHANNEL_RATE,
        claim_seconds: float = claims.CLAIM_SECONDS,
        sleep: Sleep = asyncio.sleep,
        extras: ExtrasSource | None = None,
        work_objects: bool = True,
    ) -> None:
        self._work_objects = work_objects
        self._store = store
        self._extras = extras
        self._slack = without_retries(slack)
        self._holder_id = holder_id
        self._clock = clock
        self._app_url = app_url
        self._interval = channel_rate[1] / channel_rate[0]
        self._sleep = sleep
        self._claim_seconds = claim_seconds
        self._store_budget = min(STORE_RETRY_SECONDS, claim_seconds / 3)
        self._unsaved: dict[int, str] = {}
        """ts values Slack returned that the store could not take yet (written before the next round)."""
        self._unsaved_replies: dict[int, str] = {}
        self._stopping = False

    def stop_soon(self) -> None:
        """Finish the call in progress in each channel, then stop (shutdown; the rest stays owed)."""
        self._stopping = True

    async def deliver_due(self) -> DeliveryReport:
        """Post and update everything due now, in suspension order; channels in parallel, each paced."""
        report = DeliveryReport()
        if not await self._flush_unsaved():
            return report  # the store is still down: nothing can be claimed anyway
        async with self._store.transaction() as conn:
            due = await claims.due_alerts(conn, now=self._clock(), limit=DELIVERY_BATCH)
        if self._extras is not None and due:
            await self._extras.prepare(due)  # one lookup per person per round, however many alerts
        by_channel: dict[str, list[AlertRecord]] = {}
        for alert in due:
            by_channel.setdefault(alert.channel_id, []).append(alert)
        async with asyncio.TaskGroup() as group:
            for rows in by_channel.values():
                group.create_task(self._deliver_channel(rows, report))
        return report

    async def _flush_unsaved(self) -> bool:
        for pending, save in ((self._unsaved, claims.save_ts), (self._unsaved_replies, claims.save_reply_ts)):
            for alert_id, ts in list(pending.items()):
                try:
                    async with self._store.transaction() as conn:
                        await save(conn, alert_id, None, ts=ts, now=self._clock())
                except STORE_ERRORS:
                    return False
                del pending[alert_id]
        return True

    async def _deliver_channel(self, rows: Sequence[AlertRecord], report: DeliveryReport) -> None:
        for alert in rows:
            if self._stopping or await self._channel_resting(alert.channel_id):
                return  # Retry-After or backoff: the whole channel waits, in order
            outcome = await self._deliver_one(alert, report)
            if outcome in (_Outcome.RETRY, _Outcome.BLOCKED):
                return  # the channel is rate limited or broken: the rest waits for a later round

    async def _channel_resting(self, channel_id: str) -> bool:
        async with self._store.transaction() as conn:
            next_at = await pace.next_at(conn, channel_id)
        return next_at is not None and next_at - self._clock() > SLOT_WAIT_MAX_SECONDS

    async def _deliver_one(self, alert: AlertRecord, report: DeliveryReport) -> _Outcome:
        token = claims.new_claim_token(self._holder_id)
        async with self._store.transaction() as conn:
            claimed = await claims.claim(conn, alert.id, token, now=self._clock(), seconds=self._claim_seconds)
        if claimed is None:
            report.skipped += 1  # another process has it, or it no longer needs anything
            return _Outcome.SKIPPED
        try:
            await self._send(claimed, token, report)
        except SlackApiError as exc:
            status = int(getattr(exc.response, "status_code", 0) or 0)
            failure = classify_api_error(exc)
            return await self._failed(claimed, token, failure, report, channel_wide=status >= 500 or status == 429)
        except (aiohttp.ClientError, TimeoutError) as exc:
            # A refused connection never reached Slack; anything later (a timeout, a dropped
            # connection) may have been posted: uncertain.
            uncertain = not isinstance(exc, aiohttp.ClientConnectorError)
            failure = transport_failure(exc)
            return await self._failed(claimed, token, failure, report, channel_wide=True, uncertain=uncertain)
        except _ClaimLostError:
            log.warning("alerts.delivery.claim_lost", extra={"alert_id": alert.id, "channel": alert.channel_id})
            report.skipped += 1
            return _Outcome.SKIPPED
        except _STORE_TROUBLE:
            # The claim expires by itself; a ts Slack returned is kept in memory (see posting).
            report.retried += 1
            return _Outcome.RETRY
        except ValueError as exc:
            # A row that cannot be rendered (a snapshot an older version stored, a builder bug) must
            # not stop the rest: it backs off on its own, and the log names it.
            log.error("alerts.delivery.unrenderable", extra={"alert_id": alert.id, "error": type(exc).__name__})
            failure = SlackFailure(FailureKind.TRANSIENT, f"unrenderable: {type(exc).__name__}")
            return await self._failed(claimed, token, failure, report, channel_wide=False, next_row=True)
        return _Outcome.DONE

    async def _send(self, alert: AlertRecord, token: str, report: DeliveryReport) -> None:
        members = await self._members(alert)
        extras = await self._extras.extras(alert, members) if self._extras is not None else render.NO_EXTRAS
        if members is not None:
            message = render.group_message(alert, members, self._app_url, extras)
        else:
            message = render.single_message(alert, self._app_url, extras)
        metadata = render.metadata(alert, self._app_url, extras, incident=self._work_objects)
        if alert.ts is None:
            ts, posted = await self._first_post(alert, token, message, metadata, report)
            await self._keep(alert, token, ts, reply=False)
            if posted:  # counted once the ts is stored, so the outbox gauges agree with the counter
                report.posted += 1
                metrics.ALERT_DELIVERIES.labels("posted").inc()
            log.info("alerts.sent", extra={"alert_id": alert.id, "channel": alert.channel_id, "kind": alert.kind})
            alert = replace(alert, ts=ts)
        elif alert.version > alert.delivered_version:
            await self._update(alert, message, metadata)
            report.updated += 1
            metrics.ALERT_DELIVERIES.labels("updated").inc()
        await self._follow_up(alert, token, members, report, extras)
        done = alert

        async def complete() -> bool:
            async with self._store.transaction() as conn:
                return await claims.complete(
                    conn,
                    done.id,
                    token,
                    delivered_version=done.version,
                    resolved=done.resolved_at is not None,
                    now=self._clock(),
                )

        await store_retrying(complete, what="complete", alert_id=alert.id, budget=self._store_budget)

    async def _first_post(
        self, alert: AlertRecord, token: str, message: Message, metadata: dict[str, Any], report: DeliveryReport
    ) -> tuple[str, bool]:
        """Post the alert once: an uncertain earlier post is looked up in history first; (ts, posted now)."""
        if alert.post_started_at is not None:
            found = await find_post(self._slack, alert, since=alert.post_started_at)
            if found is not None:
                report.reconciled += 1
                metrics.ALERT_DELIVERIES.labels("reconciled").inc()
                return found, False
        async with self._store.transaction() as conn:
            if not await claims.mark_post_started(conn, alert.id, token, now=self._clock()):
                raise _ClaimLostError
        return await self._post_or_clear(alert, token, message, metadata), True

    async def _post_or_clear(
        self,
        alert: AlertRecord,
        token: str,
        message: Message,
        metadata: dict[str, Any],
        *,
        thread_ts: str | None = None,
    ) -> str:
        try:
            return await self._post(alert.channel_id, message, metadata, thread_ts=thread_ts)
        except (SlackApiError, aiohttp.ClientConnectorError):
            # Slack answered "no", or was never reached: nothing was posted, so nothing is uncertain.
            async with self._store.transaction() as conn:
                await claims.clear_started(conn, alert.id, token, now=self._clock())
            raise

    async def _keep(self, alert: AlertRecord, token: str, ts: str, *, reply: bool) -> None:
        """Store what Slack returned, retrying the write (never the post) through a store outage."""
        save = claims.save_reply_ts if reply else claims.save_ts

        async def write() -> bool:
            async with self._store.transaction() as conn:
                return await save(conn, alert.id, token, ts=ts, now=self._clock())

        try:
            what = "reply_ts" if reply else "ts"
            kept = await store_retrying(
                write, what=what, alert_id=alert.id, sleep=self._sleep, budget=self._store_budget
            )
        except StoreUnavailableError:
            (self._unsaved_replies if reply else self._unsaved)[alert.id] = ts
            raise
        if not kept:  # our claim expired meanwhile: the ts is still a fact worth keeping
            async with self._store.transaction() as conn:
                await save(conn, alert.id, None, ts=ts, now=self._clock())
            raise _ClaimLostError

    async def _follow_up(
        self,
        alert: AlertRecord,
        token: str,
        members: list[AlertRecord] | None,
        report: DeliveryReport,
        extras: render.AlertExtras,
    ) -> None:
        """The thread message the alert owes: the recovery note (single) or the full list (group)."""
        if alert.reply_ts is not None or alert.ts is None:
            return
        if members is not None:
            reply = render.group_thread_message(alert, members, self._app_url, extras)
        elif alert.resolved_at is not None:
            reply = render.resolved_reply(alert, self._app_url)
        else:
            return
        if reply is None:
            return
        reply_ts = None
        if alert.reply_started_at is not None:
            reply_ts = await find_reply(self._slack, alert, since=alert.reply_started_at)
            if reply_ts is not None:
                report.reconciled += 1
                metrics.ALERT_DELIVERIES.labels("reconciled").inc()
        if reply_ts is None:
            async with self._store.transaction() as conn:
                if not await claims.mark_reply_started(conn, alert.id, token, now=self._clock()):
                    raise _ClaimLostError
            metadata = render.metadata(alert, self._app_url, part="reply")
            reply_ts = await self._post_or_clear(alert, token, reply, metadata, thread_ts=alert.ts)
            report.replied += 1
            metrics.ALERT_DELIVERIES.labels("replied").inc()
        await self._keep(alert, token, reply_ts, reply=True)

    async def _members(self, alert: AlertRecord) -> list[AlertRecord] | None:
        if alert.kind is not AlertKind.GROUP or alert.group_key is None:
            return None
        async with self._store.transaction() as conn:
            return await outbox.group_members(conn, alert.group_key)

    async def _post(
        self, channel_id: str, message: Message, metadata: dict[str, Any], *, thread_ts: str | None = None
    ) -> str:
        extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts is not None else {}
        await self._slot(channel_id)
        response = await self._slack.chat_postMessage(
            channel=channel_id,
            text=message["text"],
            blocks=message["blocks"],
            metadata=metadata,
            unfurl_links=False,
            unfurl_media=False,
            **extra,
        )
        return str(response["ts"])

    async def _update(self, alert: AlertRecord, message: Message, metadata: dict[str, Any]) -> None:
        try:
            await self._slot(alert.channel_id)
            await self._slack.chat_update(
                channel=alert.channel_id,
                ts=alert.ts or "",
                text=message["text"],
                blocks=message["blocks"],
                metadata=metadata,
            )
        except SlackApiError as exc:
            failure = classify_api_error(exc)
            if failure.kind is not FailureKind.UPDATE_IMPOSSIBLE:
                raise
            # Deleted or too old to edit: the thread reply still tells the story.
            log.warning("alerts.delivery.update_skipped", extra={"alert_id": alert.id, "error": failure.error})

    async def _slot(self, channel_id: str) -> None:
        """Book the channel's next slot in the store (shared by every replica) and wait for it."""
        async with self._store.transaction() as conn:
            wait = await pace.take_slot(conn, channel_id, now=self._clock(), interval=self._interval)
        if wait > 0:
            await self._sleep(wait)

    async def _failed(
        self,
        alert: AlertRecord,
        token: str,
        failure: SlackFailure,
        report: DeliveryReport,
        *,
        channel_wide: bool,
        uncertain: bool = False,
        next_row: bool = False,
    ) -> _Outcome:
        now = self._clock()
        if failure.kind is FailureKind.CHANNEL:
            async with self._store.transaction() as conn:
                await claims.hold(conn, alert.id, token, error=failure.error, now=now)
                first = await channel_queries.record_problem(
                    conn, alert.channel_id, error=failure.error, fix=failure.fix, now=now
                )
            if first:
                log.error(
                    "alerts.delivery.failed_permanently",
                    extra={"channel": alert.channel_id, "error": failure.error, "fix": failure.fix},
                )
            report.blocked += 1
            metrics.ALERT_DELIVERY_BLOCKED.inc()
            return _Outcome.BLOCKED
        wait = max(backoff_seconds(alert.attempts + 1), failure.retry_after or 0.0)
        if uncertain:
            wait = max(wait, UNCERTAIN_WAIT_SECONDS)  # let a late post show up in history first
        async with self._store.transaction() as conn:
            await claims.retry_later(conn, alert.id, token, error=failure.error, at=now + wait, now=now)
            if channel_wide:  # the channel waits as a whole, so it drains in suspension order after
                await pace.push_back(conn, alert.channel_id, until=now + wait)
        log.warning(
            "alerts.delivery.retry",
            extra={"alert_id": alert.id, "channel": alert.channel_id, "error": failure.error, "wait": wait},
        )
        report.retried += 1
        metrics.ALERT_DELIVERY_RETRIES.inc()
        return _Outcome.SKIPPED if next_row else _Outcome.RETRY
