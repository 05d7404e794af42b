"""The replies an alert owes in its thread, each posted once: a storm's full list, a new suspension reason,
the recovery note (also to the channel with `alerts broadcast on`), and what the session did after it
recovered (finished, with its pull requests, or errored), in the order those happened.

A reply is marked started (committed) right before it is posted and its ts stored right after;
an uncertain reply is looked for in the thread (by its message metadata) before it is posted again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from blocks.kit import Message
from bot import metrics
from bot.alerts import render
from bot.alerts.delivery_failures import DeliveryReport
from bot.alerts.posting import find_reply
from bot.alerts.records import AlertEvent, AlertRecord
from bot.alerts.sending import ClaimLostError, Sender
from bot.store import Store, claims, events

EVENT_PART = "update"
"""`part` in the metadata of a reply about a later state change (with the change's `event` id)."""


class Thread:
    """Posts the thread replies of claimed alert rows."""

    def __init__(self, store: Store, sender: Sender, *, clock: Callable[[], float], app_url: str) -> None:
        self._store = store
        self._sender = sender
        self._clock = clock
        self._app_url = app_url

    async def deliver(
        self,
        alert: AlertRecord,
        token: str,
        members: Sequence[AlertRecord] | None,
        report: DeliveryReport,
        extras: render.AlertExtras,
        *,
        broadcast: bool = False,
    ) -> None:
        """Every reply the alert owes now: changes before the recovery, the recovery note, changes after it."""
        if alert.ts is None:
            return
        owed: list[AlertEvent] = []
        if members is None:
            async with self._store.transaction() as conn:
                owed = await events.owed_events(conn, alert.id)
        for event in (e for e in owed if not e.kind.after_recovery):
            await self._event(alert, token, event, report)
        await self.follow_up(alert, token, members, report, extras, broadcast=broadcast)
        for event in (e for e in owed if e.kind.after_recovery):
            await self._event(alert, token, event, report)

    async def _event(self, alert: AlertRecord, token: str, event: AlertEvent, report: DeliveryReport) -> None:
        reply_ts = None
        if event.started_at is not None:
            reply_ts = await find_reply(
                self._sender.slack, alert, since=event.started_at, part=EVENT_PART, event=event.id
            )
            if reply_ts is not None:
                report.reconciled += 1
                metrics.ALERT_DELIVERIES.labels("reconciled").inc()
        if reply_ts is None:
            async with self._store.transaction() as conn:
                if not await events.mark_event_started(conn, event, token, now=self._clock()):
                    raise ClaimLostError
            message = render.event_reply(event, self._app_url)
            metadata = render.metadata(alert, self._app_url, part=EVENT_PART, event=event.id)
            reply_ts = await self._sender.post_or_clear(alert, token, message, metadata, thread_ts=alert.ts)
            report.replied += 1
            metrics.ALERT_DELIVERIES.labels("replied").inc()
        await self._sender.keep(alert, token, reply_ts, save=events.event_saver(event), what=f"event:{event.id}")

    async def follow_up(
        self,
        alert: AlertRecord,
        token: str,
        members: Sequence[AlertRecord] | None,
        report: DeliveryReport,
        extras: render.AlertExtras,
        *,
        broadcast: bool = False,
    ) -> None:
        """The thread message the alert owes: the recovery note (single) or the full list (group)."""
        if alert.reply_ts is not None or alert.ts is None:
            return
        reply: Message | None
        if members is not None:
            reply = render.group_thread_message(alert, members, self._app_url, extras)
            broadcast = False  # the list of sessions is not news for the channel
        elif alert.resolved_at is not None:
            reply = render.resolved_reply(alert, self._app_url)
        else:
            return
        if reply is None:
            return
        reply_ts = None
        if alert.reply_started_at is not None:
            reply_ts = await find_reply(self._sender.slack, alert, since=alert.reply_started_at)
            if reply_ts is not None:
                report.reconciled += 1
                metrics.ALERT_DELIVERIES.labels("reconciled").inc()
        if reply_ts is None:
            async with self._store.transaction() as conn:
                if not await claims.mark_reply_started(conn, alert.id, token, now=self._clock()):
                    raise ClaimLostError
            metadata = render.metadata(alert, self._app_url, part="reply")
            reply_ts = await self._sender.post_or_clear(
                alert, token, reply, metadata, thread_ts=alert.ts, broadcast=broadcast
            )
            report.replied += 1
            metrics.ALERT_DELIVERIES.labels("replied").inc()
        await self._sender.keep(alert, token, reply_ts, save=claims.save_reply_ts, what="reply_ts")
