"""Delivery of the `alerts` outbox to Slack: post, update in place, reply in the thread; retried until done.

Every alert is recorded (pending) before anything is sent. A delivery claims its row, calls
Slack, and commits the result at once: the message `ts` right after `chat.postMessage`
returns, the reply `ts` right after the thread reply, then the delivered version. Transient
failures (429 with its `Retry-After`, 5xx, timeouts, connection errors, and error codes we do
not know) leave the row owed with exponential backoff, so later ticks and restarts retry it.

Permanent channel errors (`not_in_channel`, `channel_not_found`, `is_archived`, bad token, …)
are recorded on the row and on the channel's delivery-problem row, and logged once as
`alerts.delivery.failed_permanently` with the fix. Delivery to that channel then waits until the
problem is cleared: by `alerts on` in the channel (a settings change) or by a restart (the
service clears problems on its first tick, so a fixed token or a re-invited app takes effect).

An alert whose session recovered before it could be posted is still posted, showing the
recovery (an alert is never dropped), followed by the recovery note in its thread.

Known limit: Slack has no idempotency key for `chat.postMessage`. If the process dies after
Slack accepted a post but before its `ts` is committed, the claim expires and the retry posts
the alert again. The window is one database commit long; the same holds for the thread reply.
An edit (`chat.update`) is idempotent and may safely repeat.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import Enum, auto
from typing import Any, Protocol

import aiohttp
from aiolimiter import AsyncLimiter
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.kit import Message
from bot import metrics
from bot.alerts import render
from bot.alerts.records import AlertKind, AlertRecord
from bot.slack.failures import FailureKind, SlackFailure, classify_api_error, transport_failure
from bot.store import Store, claims, outbox
from bot.store import channels as channel_queries

log = logging.getLogger(__name__)

BACKOFF_INITIAL_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 300.0
"""Retries of one alert slow down to one every five minutes, never slower."""
DELIVERY_BATCH = 200
"""Most rows taken per tick; the rest wait for the next one."""
CHANNEL_RATE = (1.0, 1.0)
"""(messages, per seconds) per channel: Slack allows about one message a second in a channel."""


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


@dataclass
class DeliveryReport:
    """What one delivery round did."""

    posted: int = 0
    updated: int = 0
    replied: int = 0
    retried: int = 0
    blocked: int = 0
    skipped: int = 0


def backoff_seconds(attempts: int) -> float:
    """Wait before retry number `attempts` (1-based): 5 s, 10 s, 20 s, … capped at five minutes."""
    return float(min(BACKOFF_MAX_SECONDS, BACKOFF_INITIAL_SECONDS * 2 ** max(0, attempts - 1)))


class Deliverer:
    """Sends what the outbox owes. Safe to run in several processes at once (rows are claimed).

    Args:
        slack: the app's client; retry handlers attached to it are fine (a retried call is still one
            outcome here), but they run inside the claim, so keep their total wait well under
            `claims.CLAIM_SECONDS`.
        channel_rate: `(messages, seconds)` allowed per channel; different channels run in parallel.
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
        extras: ExtrasSource | None = None,
        work_objects: bool = True,
    ) -> None:
        self._work_objects = work_objects
        self._store = store
        self._extras = extras
        self._slack = slack
        self._holder_id = holder_id
        self._clock = clock
        self._rate = channel_rate
        self._app_url = app_url
        self._limiters: dict[str, AsyncLimiter] = {}

    async def deliver_due(self) -> DeliveryReport:
        """Post and update everything due now; channels in parallel, each paced by its limiter."""
        async with self._store.transaction() as conn:
            due = await claims.due_alerts(conn, now=self._clock(), limit=DELIVERY_BATCH)
        if self._extras is not None and due:
            await self._extras.prepare(due)  # one lookup per person per round, however many alerts
        by_channel: dict[str, list[AlertRecord]] = {}
        for alert in due:
            by_channel.setdefault(alert.channel_id, []).append(alert)
        report = DeliveryReport()
        async with asyncio.TaskGroup() as group:
            for rows in by_channel.values():
                group.create_task(self._deliver_channel(rows, report))
        return report

    async def _deliver_channel(self, rows: Sequence[AlertRecord], report: DeliveryReport) -> None:
        for alert in rows:
            outcome = await self._deliver_one(alert, report)
            if outcome in (_Outcome.RETRY, _Outcome.BLOCKED):
                return  # the channel is rate limited or broken: the rest waits for a later tick

    async def _deliver_one(self, alert: AlertRecord, report: DeliveryReport) -> _Outcome:
        token = claims.new_claim_token(self._holder_id)
        async with self._store.transaction() as conn:
            claimed = await claims.claim(conn, alert.id, token, now=self._clock())
        if claimed is None:
            report.skipped += 1  # another process has it, or it no longer needs anything
            return _Outcome.SKIPPED
        try:
            await self._send(claimed, token, report)
        except SlackApiError as exc:
            return await self._failed(claimed, token, classify_api_error(exc), report)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return await self._failed(claimed, token, transport_failure(exc), report)
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
            ts = await self._post(alert.channel_id, message, metadata=metadata)
            async with self._store.transaction() as conn:
                kept = await claims.save_ts(conn, alert.id, token, ts=ts, now=self._clock())
            if not kept:  # our claim expired mid-call and another process took the row over
                log.warning("alerts.delivery.claim_lost", extra={"alert_id": alert.id, "channel": alert.channel_id})
            report.posted += 1
            metrics.ALERT_DELIVERIES.labels("posted").inc()
            log.info("alerts.sent", extra={"alert_id": alert.id, "channel": alert.channel_id, "kind": alert.kind})
            alert = replace(alert, ts=ts)
        elif alert.version > alert.delivered_version:
            await self._update(alert, message, metadata)
            report.updated += 1
            metrics.ALERT_DELIVERIES.labels("updated").inc()
        await self._follow_up(alert, token, members, report, extras)
        async with self._store.transaction() as conn:
            await claims.complete(
                conn,
                alert.id,
                token,
                delivered_version=alert.version,
                resolved=alert.resolved_at is not None,
                now=self._clock(),
            )

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
        reply_ts = await self._post(
            alert.channel_id, reply, thread_ts=alert.ts, metadata=render.metadata(alert, self._app_url, part="reply")
        )
        async with self._store.transaction() as conn:
            await claims.save_reply_ts(conn, alert.id, token, reply_ts=reply_ts, now=self._clock())
        report.replied += 1
        metrics.ALERT_DELIVERIES.labels("replied").inc()

    async def _members(self, alert: AlertRecord) -> list[AlertRecord] | None:
        if alert.kind is not AlertKind.GROUP or alert.group_key is None:
            return None
        async with self._store.transaction() as conn:
            return await outbox.group_members(conn, alert.group_key)

    async def _post(
        self, channel_id: str, message: Message, *, metadata: dict[str, Any], thread_ts: str | None = None
    ) -> str:
        extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts is not None else {}
        async with self._limiter(channel_id):
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
            async with self._limiter(alert.channel_id):
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

    def _limiter(self, channel_id: str) -> AsyncLimiter:
        limiter = self._limiters.get(channel_id)
        if limiter is None:
            limiter = self._limiters[channel_id] = AsyncLimiter(*self._rate)
        return limiter

    async def _failed(self, alert: AlertRecord, token: str, failure: SlackFailure, report: DeliveryReport) -> _Outcome:
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
        async with self._store.transaction() as conn:
            await claims.retry_later(conn, alert.id, token, error=failure.error, at=now + wait, now=now)
        log.warning(
            "alerts.delivery.retry",
            extra={"alert_id": alert.id, "channel": alert.channel_id, "error": failure.error, "wait": wait},
        )
        report.retried += 1
        metrics.ALERT_DELIVERY_RETRIES.inc()
        return _Outcome.RETRY
