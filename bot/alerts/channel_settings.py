"""A channel's alert settings as `/devin-insights alerts` reads and changes them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.alerts.records import AlertRecord, ChannelSettings, QuietRule
from bot.alerts.rules import ChannelRule, effective_channels
from bot.store import Store, alert_changes, outbox, quiet
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
        """The channel's effective setting, its snoozes and mutes, and any delivery problem there."""
        async with self._store().transaction() as conn:
            sub = await channel_queries.get_subscription(conn, channel_id)
            problem = await channel_queries.get_problem(conn, channel_id)
            rules = tuple(await quiet.active_quiet(conn, now=self._clock(), channel_id=channel_id))
            suppressed = await quiet.count_suppressed(conn, list(rules))
            broadcast = await channel_queries.get_broadcast(conn, channel_id)
        is_default = channel_id == self._default_channel
        if sub is not None:
            base = ChannelSettings(
                channel_id, sub.enabled, sub.reasons or self._default_reasons, "subscription", sub.updated_by,
                sub.updated_at, problem, is_default,
            )  # fmt: skip
        elif is_default:
            base = ChannelSettings(channel_id, True, self._default_reasons, "default", None, None, problem, True)
        else:
            base = ChannelSettings(channel_id, False, (), "none", None, None, problem)
        return replace(base, quiet=rules, suppressed=suppressed, broadcast=broadcast)

    async def subscribe(self, channel_id: str, reasons: Sequence[str], by_user: str | None) -> ChannelSettings:
        """`alerts on [reason …]`: alert this channel (default reasons when none are given); the grammar has
        already refused unknown reasons."""
        async with self._store().transaction() as conn:
            await channel_queries.put_subscription(
                conn, channel_id, enabled=True, reasons=list(dict.fromkeys(reasons)), by_user=by_user, now=self._clock()
            )
            # A settings change is the signal to try a channel that failed permanently again.
            await channel_queries.clear_problem(conn, channel_id)
            await self._clear_quiet(conn, channel_id)  # `alerts on` restores every snoozed or muted reason
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

    async def alert_at(self, channel_id: str, ts: str) -> AlertRecord | None:
        """The alert posted as message `ts` in the channel, if it is one of ours."""
        async with self._store().transaction() as conn:
            return await alert_changes.find_posted(conn, channel_id, ts)

    async def quiet(
        self, channel_id: str, reason: str, *, seconds: int | None, by_user: str
    ) -> tuple[QuietRule, QuietRule | None]:
        """Snooze a reason here for `seconds`, or mute it (None); (the new rule, the active one it replaced).

        The channel's open alerts of that reason owe an update, so they say who did it and until when.
        """
        now = self._clock()
        until = now + seconds if seconds is not None else None
        async with self._store().transaction() as conn:
            replaced = await quiet.put_quiet(conn, channel_id, reason, until=until, by_user=by_user, now=now)
            await alert_changes.bump_open(conn, channel_id, reason=reason, now=now)
        log.info(
            "alerts.quiet.set",
            extra={
                "channel": channel_id,
                "reason": reason,
                "until": until,
                "user": by_user,
                "replaced": bool(replaced),
            },
        )
        return QuietRule(channel_id, reason, until, by_user, now), replaced

    async def broadcast(self, channel_id: str, *, on: bool, by_user: str | None) -> ChannelSettings:
        """`alerts broadcast on|off`: resolution replies also go to the channel, or stay in the thread."""
        async with self._store().transaction() as conn:
            await channel_queries.put_broadcast(conn, channel_id, on=on, by_user=by_user, now=self._clock())
        log.info("alerts.broadcast", extra={"channel": channel_id, "on": on, "user": by_user})
        return await self.settings(channel_id)

    async def clear_quiet(self, channel_id: str) -> None:
        """End every snooze and mute of the channel (what `alerts on` does besides subscribing)."""
        async with self._store().transaction() as conn:
            await self._clear_quiet(conn, channel_id)

    async def _clear_quiet(self, conn: AsyncConnection, channel_id: str) -> None:
        if await quiet.clear_quiet(conn, channel_id):  # the open alerts no longer say they are quiet
            await alert_changes.bump_open(conn, channel_id, now=self._clock())

    async def suppressed_since(self, channel_id: str, *, days: int) -> int:
        """Suspensions kept from the channel by snoozes and mutes in the last `days` days (the summary's period)."""
        async with self._store().transaction() as conn:
            return await quiet.count_suppressed_since(conn, channel_id, since=self._clock() - days * 86_400)
