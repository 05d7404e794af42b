"""AlertService: the facade the app wires in (tick, channel settings, health).

Replicas. Every replica may call `tick()`. Only the holder of the poller lease polls Devin (one
request per idle poll for the whole deployment); every replica delivers, because delivery claims
each outbox row with a conditional update. Even if two replicas poll at once (a lease expiring
mid-poll), an episode yields one alert per channel: episode numbers follow from the shared
stored state and the (session, episode, channel) key is unique in the database.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.delivery import CHANNEL_RATE, Deliverer, DeliveryReport
from bot.alerts.poller import Poller, PollReport
from bot.alerts.rules import ChannelRule, effective_channels
from bot.devin.client import BACKGROUND_RETRY, DevinClient
from bot.devin.models import SUSPENSION_REASONS
from bot.store import DeliveryProblem, Store, outbox, sessions
from bot.store import channels as channel_queries

log = logging.getLogger(__name__)

DEFAULT_LEASE_TTL_SECONDS = 180.0
"""A crashed poller's lease passes to another replica after this long; keep it above the poll interval."""


@dataclass(frozen=True)
class AlertHealth:
    """How the alert engine is doing, for `/healthz` and `check`."""

    last_success_at: float | None
    """When a poll last completed (the service clock); None before the first."""
    watermark: int | None
    """Newest Devin `updated_at` processed."""
    watermark_lag_seconds: float | None
    """Now minus the watermark; it also grows while the org is simply idle, so judge liveness by last_success_at."""
    pending_alerts: int
    """Alerts recorded but not posted yet (waiting for a retry, or for a channel problem to be fixed)."""
    pending_updates: int
    """Posted alerts whose message still owes an update."""
    last_error: str | None
    """Why the last poll failed, if the last poll failed."""
    lease_holder: str | None
    """The replica polling now."""


@dataclass(frozen=True)
class ChannelSettings:
    """A channel's effective alert setting."""

    channel_id: str
    enabled: bool
    reasons: tuple[str, ...]
    source: str
    """`subscription` (set from Slack), `default` (ALERT_CHANNEL) or `none`."""
    updated_by: str | None
    updated_at: float | None
    problem: DeliveryProblem | None
    """The last permanent delivery error (with its fix), while unresolved."""
    is_default_channel: bool = False
    """The channel is ALERT_CHANNEL (even if a stored setting now overrides it)."""


@dataclass(frozen=True)
class TickReport:
    """What one tick did."""

    leader: bool
    poll: PollReport | None
    delivery: DeliveryReport


def default_holder_id() -> str:
    """Unique per process: host, pid and a random suffix (pids repeat across containers)."""
    return f"{socket.gethostname()[:24]}:{os.getpid()}:{secrets.token_hex(4)}"


class AlertService:
    """Suspension alerts: poll Devin, record episodes, deliver to Slack. Does not close what it is given."""

    def __init__(
        self,
        store: Store,
        devin_client: DevinClient,
        slack_client: AsyncWebClient,
        *,
        default_channel: str | None,
        default_reasons: Sequence[str],
        lookback_minutes: int,
        clock: Callable[[], float] = time.time,
        holder_id: str | None = None,
        lease_ttl_seconds: float = DEFAULT_LEASE_TTL_SECONDS,
        channel_rate: tuple[float, float] = CHANNEL_RATE,
    ) -> None:
        self._store = store
        self._default_channel = default_channel
        self._default_reasons = tuple(default_reasons)
        self._clock = clock
        self.holder_id = holder_id or default_holder_id()
        self._lease_ttl = lease_ttl_seconds
        self._started = False
        devin = devin_client.with_retry(BACKGROUND_RETRY)
        self._poller = Poller(store, devin, lookback_minutes=lookback_minutes, clock=clock)
        self._deliverer = Deliverer(
            store, slack_client, holder_id=self.holder_id, clock=clock, channel_rate=channel_rate
        )

    async def tick(self) -> TickReport:
        """One scheduler run: poll if this replica holds the lease, then deliver what is owed."""
        poll = await self.poll()
        delivery = await self.deliver()
        return TickReport(leader=poll is not None, poll=poll, delivery=delivery)

    async def poll(self) -> PollReport | None:
        """Take or renew the lease and, if held, poll Devin once; None when another replica polls."""
        await self._start()
        if not await self._renew():
            return None
        return await self._poller.poll(await self._channels(), renew=self._renew)

    async def deliver(self) -> DeliveryReport:
        """Post and update what the outbox owes (any replica may do this)."""
        await self._start()
        return await self._deliverer.deliver_due()

    async def channel_settings(self, channel_id: str) -> ChannelSettings:
        """The channel's effective setting and any delivery problem there."""
        async with self._store.transaction() as conn:
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
        """`alerts on [reason …]`: alert this channel (default reasons when none are given).

        Raises:
            ValueError: a reason is not a documented suspension reason (the message lists them).
        """
        unknown = [r for r in reasons if r not in SUSPENSION_REASONS]
        if unknown:
            known = ", ".join(sorted(SUSPENSION_REASONS))
            raise ValueError(f"unknown reason(s) {', '.join(unknown)}; choose from {known}")
        async with self._store.transaction() as conn:
            await channel_queries.put_subscription(
                conn, channel_id, enabled=True, reasons=list(dict.fromkeys(reasons)), by_user=by_user, now=self._clock()
            )
            # A settings change is the signal to try a channel that failed permanently again.
            await channel_queries.clear_problem(conn, channel_id)
        log.info("alerts.subscribed", extra={"channel": channel_id, "reasons": list(reasons), "user": by_user})
        return await self.channel_settings(channel_id)

    async def unsubscribe(self, channel_id: str, by_user: str | None) -> ChannelSettings:
        """`alerts off`: stop alerting this channel (wins over ALERT_CHANNEL); unposted alerts are dropped."""
        async with self._store.transaction() as conn:
            now = self._clock()
            await channel_queries.put_subscription(
                conn, channel_id, enabled=False, reasons=(), by_user=by_user, now=now
            )
            await outbox.cancel_unsent(conn, channel_id, now=now)
            await channel_queries.clear_problem(conn, channel_id)
        log.info("alerts.unsubscribed", extra={"channel": channel_id, "user": by_user})
        return await self.channel_settings(channel_id)

    async def health(self) -> AlertHealth:
        """Poll progress, outbox backlog and the last poll error."""
        now = self._clock()
        async with self._store.transaction() as conn:
            state = await sessions.get_poller_state(conn)
            pending, updates = await outbox.count_owed(conn)
        lag = now - state.watermark if state.watermark is not None and state.last_success_at is not None else None
        return AlertHealth(
            last_success_at=state.last_success_at,
            watermark=state.watermark if state.last_success_at is not None else None,
            watermark_lag_seconds=lag,
            pending_alerts=pending,
            pending_updates=updates,
            last_error=state.last_error,
            lease_holder=await self._store.lease_holder(now),
        )

    async def pending_alerts(self) -> int:
        """Alerts recorded but not yet posted (the `/healthz` and App Home backlog figure)."""
        async with self._store.transaction() as conn:
            pending, _ = await outbox.count_owed(conn)
        return pending

    async def aclose(self) -> None:
        """Hand the lease over at once instead of letting it expire."""
        await self._store.release_lease(self.holder_id)

    async def _renew(self) -> bool:
        return await self._store.try_acquire_lease(self.holder_id, self._lease_ttl, self._clock())

    async def _channels(self) -> list[ChannelRule]:
        async with self._store.transaction() as conn:
            subscriptions = await channel_queries.list_subscriptions(conn)
        return effective_channels(self._default_channel, self._default_reasons, subscriptions)

    async def _start(self) -> None:
        # A restart is the other signal (besides a settings change) that a broken channel may be
        # fixed: a new token, a re-invited app. Each channel is tried once more and, if still
        # broken, logged once more.
        if self._started:
            return
        self._started = True
        async with self._store.transaction() as conn:
            cleared = await channel_queries.clear_problem(conn)
        if cleared:
            log.info("alerts.delivery.problems_cleared", extra={"channels": cleared})
