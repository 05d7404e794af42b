"""The replies an alert owes in its thread: a storm's full list, the recovery note, each posted once.

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
from bot.alerts.records import AlertRecord
from bot.alerts.sending import ClaimLostError, Sender
from bot.store import Store, claims


class Thread:
    """Posts the thread replies of claimed alert rows."""

    def __init__(self, store: Store, sender: Sender, *, clock: Callable[[], float], app_url: str) -> None:
        self._store = store
        self._sender = sender
        self._clock = clock
        self._app_url = app_url

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
