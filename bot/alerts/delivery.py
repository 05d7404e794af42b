"""Delivery of the `alerts` outbox to Slack: post, update in place, reply in the thread; retried until done.

Every alert is recorded (pending) before anything is sent. A delivery claims its row, calls
Slack, and commits the result at once: the message `ts` right after `chat.postMessage`
returns, the reply `ts` right after the thread reply, then the delivered version. Transient
failures leave the row owed and are retried by later rounds and restarts; nothing sleeps
inside a claim (slack_sdk's retry handlers are not used here, see `bot.slack.client.without_retries`).
What a failure does (backoff, a held channel) is in `delivery_failures`; the Slack calls and
pacing in `sending`; the thread replies in `threads`.

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
from dataclasses import replace
from typing import Any, Protocol

from slack_sdk.web.async_client import AsyncWebClient

from blocks.kit import Message
from bot import metrics
from bot.alerts import render
from bot.alerts.delivery_failures import DeliveryReport, Outcome, classify, settle_failure
from bot.alerts.posting import (
    STORE_RETRY_SECONDS,
    UNCERTAIN_WAIT_SECONDS,
    StoreUnavailableError,
    find_post,
    store_retrying,
)
from bot.alerts.records import AlertKind, AlertRecord, QuietRule
from bot.alerts.sending import ClaimLostError, Sender
from bot.alerts.threads import Thread
from bot.store import STORE_ERRORS, Store, claims, outbox, pace, quiet
from bot.store import channels as channel_queries

__all__ = ["CHANNEL_RATE", "Deliverer", "DeliveryReport", "ExtrasSource"]

log = logging.getLogger(__name__)

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


class Deliverer:
    """Sends what the outbox owes. Safe to run in several processes at once (rows are claimed).

    Args:
        slack: the app's client; delivery uses a copy without slack_sdk's retry handlers (see
            `bot.slack.client.without_retries`), sharing its session.
        channel_rate: `(messages, seconds)` allowed per channel across all replicas (the store paces).
        sleep: how pacing waits (tests may inject one).
        uncertain_wait_seconds: how long a post whose answer never came waits before it is looked for
            (`posting.UNCERTAIN_WAIT_TIMEOUTS` Slack timeouts).
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
        uncertain_wait_seconds: float = UNCERTAIN_WAIT_SECONDS,
        sleep: Sleep = asyncio.sleep,
        extras: ExtrasSource | None = None,
        work_objects: bool = True,
    ) -> None:
        self._work_objects = work_objects
        self._store = store
        self._extras = extras
        self._holder_id = holder_id
        self._clock = clock
        self._app_url = app_url
        self._claim_seconds = claim_seconds
        self._uncertain_wait = uncertain_wait_seconds
        self._store_budget = min(STORE_RETRY_SECONDS, claim_seconds / 3)
        self._sender = Sender(
            store,
            slack,
            clock=clock,
            interval=channel_rate[1] / channel_rate[0],
            sleep=sleep,
            store_budget=self._store_budget,
        )
        self._thread = Thread(store, self._sender, clock=clock, app_url=app_url)
        self._stopping = False

    def stop_soon(self) -> None:
        """Finish the call in progress in each channel, then stop (shutdown; the rest stays owed)."""
        self._stopping = True

    async def deliver_due(self) -> DeliveryReport:
        """Post and update everything due now, in suspension order; channels in parallel, each paced."""
        report = DeliveryReport()
        if not await self._sender.flush_unsaved():
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

    async def _deliver_channel(self, rows: Sequence[AlertRecord], report: DeliveryReport) -> None:
        for alert in rows:
            if self._stopping or await self._channel_resting(alert.channel_id):
                return  # Retry-After or backoff: the whole channel waits, in order
            outcome = await self._deliver_one(alert, report)
            if outcome in (Outcome.RETRY, Outcome.BLOCKED):
                return  # the channel is rate limited or broken: the rest waits for a later round

    async def _channel_resting(self, channel_id: str) -> bool:
        async with self._store.transaction() as conn:
            next_at = await pace.next_at(conn, channel_id)
        return next_at is not None and next_at - self._clock() > SLOT_WAIT_MAX_SECONDS

    async def _deliver_one(self, alert: AlertRecord, report: DeliveryReport) -> Outcome:
        token = claims.new_claim_token(self._holder_id)
        async with self._store.transaction() as conn:
            claimed = await claims.claim(conn, alert.id, token, now=self._clock(), seconds=self._claim_seconds)
        if claimed is None:
            report.skipped += 1  # another process has it, or it no longer needs anything
            return Outcome.SKIPPED
        try:
            await self._send(claimed, token, report)
        except ClaimLostError:
            log.warning("alerts.delivery.claim_lost", extra={"alert_id": alert.id, "channel": alert.channel_id})
            report.skipped += 1
            return Outcome.SKIPPED
        except Exception as exc:
            failed = classify(exc)  # Slack and transport first: a timeout is a Slack timeout here
            if failed is None and isinstance(exc, _STORE_TROUBLE):
                # The claim expires by itself; a ts Slack returned is kept in memory (see posting).
                report.retried += 1
                return Outcome.RETRY
            if failed is None:
                raise
            if failed.next_row:
                log.error("alerts.delivery.unrenderable", extra={"alert_id": alert.id, "error": type(exc).__name__})
            return await settle_failure(
                self._store, claimed, token, failed, report, clock=self._clock, uncertain_wait=self._uncertain_wait
            )
        return Outcome.DONE

    async def _send(self, alert: AlertRecord, token: str, report: DeliveryReport) -> None:
        members, quiet_now, broadcast = await self._context(alert)
        extras = await self._extras.extras(alert, members) if self._extras is not None else render.NO_EXTRAS
        if members is not None:
            message = render.group_message(alert, members, self._app_url, extras, quiet_now)
        else:
            message = render.single_message(alert, self._app_url, extras, quiet_now)
        metadata = render.metadata(alert, self._app_url, extras, incident=self._work_objects)
        if alert.ts is None:
            ts, posted = await self._first_post(alert, token, message, metadata, report)
            await self._sender.keep(alert, token, ts, save=claims.save_ts, what="ts")
            if posted:  # counted once the ts is stored, so the outbox gauges agree with the counter
                report.posted += 1
                metrics.ALERT_DELIVERIES.labels("posted").inc()
            log.info("alerts.sent", extra={"alert_id": alert.id, "channel": alert.channel_id, "kind": alert.kind})
            alert = replace(alert, ts=ts)
        elif alert.version > alert.delivered_version:
            await self._sender.update(alert, message, metadata)
            report.updated += 1
            metrics.ALERT_DELIVERIES.labels("updated").inc()
        await self._thread.deliver(alert, token, members, report, extras, broadcast=broadcast)
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
            found = await find_post(self._sender.slack, alert, since=alert.post_started_at)
            if found is not None:
                report.reconciled += 1
                metrics.ALERT_DELIVERIES.labels("reconciled").inc()
                return found, False
        async with self._store.transaction() as conn:
            if not await claims.mark_post_started(conn, alert.id, token, now=self._clock()):
                raise ClaimLostError
        return await self._sender.post_or_clear(alert, token, message, metadata), True

    async def _context(self, alert: AlertRecord) -> tuple[list[AlertRecord] | None, QuietRule | None, bool]:
        """A storm's members, the active snooze or mute of the alert's reason in its channel, and whether
        the channel wants resolutions broadcast."""
        async with self._store.transaction() as conn:
            rule = await quiet.get_quiet(conn, alert.channel_id, alert.reason or "")
            broadcast = await channel_queries.get_broadcast(conn, alert.channel_id)
            if alert.kind is not AlertKind.GROUP or alert.group_key is None:
                members = None
            else:
                members = await outbox.group_members(conn, alert.group_key)
        return members, rule if rule is not None and rule.active(self._clock()) else None, broadcast
