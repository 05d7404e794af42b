"""A channel's alert settings as `/devin-insights alerts` reads and changes them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from bot.alerts.records import ChannelSettings
from bot.alerts.rules import ChannelRule, effective_channels
from bot.store import Store, outbox
from bot.store import channels as channel_queries

log = logging.getLogger(__name__)


class ChannelBook:
    """Reads and changes channel subscriptions; the default channel (ALERT_CHANNEL) needs none."""

    def __init__(
        self,
        store: Callable[[], Store],
        *,
        default_channel: str | None,
        default_reasons: Sequence[str],
        clock: Callable[[], float],
    ) -> None:
        self._store = store
        self._default_channel = default_channel
        self._default_reasons = tuple(default_reasons)
        self._clock = clock
        self._problems_cleared = False

    async def settings(self, channel_id: str) -> ChannelSettings:
        """The channel's effective setting and any delivery problem there."""
        async with self._store().transaction() as conn:
            sub = await channel_queries.get_subscription(conn, channel_id)
            problem = await channel_queries.get_problem(conn, channel_id)
        is_default = channel_id == self._default_channel
        if sub is not None:
            reasons = sub.reasons or self._default_reasons
            return ChannelSettings(
                channel_id, sub.enabled, reasons, "subscription", sub.updated_by, sub.updated_at, problem, is_default
            )
        if is_default:
            return ChannelSettings(channel_id, True, self._default_reasons, "default", None, None, problem, True)
        return ChannelSettings(channel_id, False, (), "none", None, None, problem)

    async def subscribe(self, channel_id: str, reasons: Sequence[str], by_user: str | None) -> ChannelSettings:
        """`alerts on [reason …]`: alert this channel (default reasons when none are given); the grammar has
        already refused unknown reasons."""
        async with self._store().transaction() as conn:
            await channel_queries.put_subscription(
                conn, channel_id, enabled=True, reasons=list(dict.fromkeys(reasons)), by_user=by_user, now=self._clock()
            )
            # A settings change is the signal to try a channel that failed permanently again.
            await channel_queries.clear_problem(conn, channel_id)
        log.info("alerts.subscribed", extra={"channel": channel_id, "reasons": list(reasons), "user": by_user})
        return await self.settings(channel_id)

    async def unsubscribe(self, channel_id: str, by_user: str | None) -> ChannelSettings:
        """`alerts off`: stop alerting this channel (wins over ALERT_CHANNEL); unposted alerts are dropped."""
        async with self._store().transaction() as conn:
            now = self._clock()
            await channel_queries.put_subscription(
                conn, channel_id, enabled=False, reasons=(), by_user=by_user, now=now
            )
            await outbox.cancel_unsent(conn, channel_id, now=now)
            await channel_queries.clear_problem(conn, channel_id)
        log.info("alerts.unsubscribed", extra={"channel": channel_id, "user": by_user})
        return await self.settings(channel_id)

    async def rules(self) -> list[ChannelRule]:
        """Every channel that gets alerts now, and for which reasons (what a poll applies)."""
        async with self._store().transaction() as conn:
            subscriptions = await channel_queries.list_subscriptions(conn)
        return effective_channels(self._default_channel, self._default_reasons, subscriptions)

    async def clear_problems_once(self) -> None:
        """Forget every channel's delivery problem, once per process."""
        # A restart is the other signal (besides a settings change) that a broken channel may be
        # fixed: a new token, a re-invited app. Each channel is tried once more and, if still
        # broken, logged once more.
        if self._problems_cleared:
            return
        self._problems_cleared = True
        async with self._store().transaction() as conn:
            cleared = await channel_queries.clear_problem(conn)
        if cleared:
            log.info("alerts.delivery.problems_cleared", extra={"channels": cleared})
