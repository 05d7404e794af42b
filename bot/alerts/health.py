"""What the alert engine did (a tick's report) and how it is doing (read from the store, for `/healthz`,
`/readyz`, `/metrics` and `check`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot import metrics
from bot.alerts.delivery import DeliveryReport
from bot.alerts.poller import PageObserver, PollReport
from bot.alerts.records import AlertHealth
from bot.store import Store, outbox, sessions


@dataclass(frozen=True)
class TickReport:
    """What one tick did."""

    leader: bool
    poll: PollReport | None
    delivery: DeliveryReport
    observer: object | None = None
    """What the observer's own delivery did (the people component's DMs), if there is one."""


class EngineObserver(PageObserver, Protocol):
    """Sees every poll's changes (in its transaction) and delivers its own outbox each tick (DMs)."""

    async def deliver_due(self) -> object: ...


def count_poll(poll: PollReport, seconds: float) -> None:
    """Poll metrics: its duration, its outcome and the suspension episodes it saw end."""
    metrics.ALERT_POLL_SECONDS.observe(seconds)
    outcome = "ok" if poll.complete else "lease_lost" if poll.lease_lost else "failed"
    metrics.ALERT_POLLS.labels(outcome).inc()
    metrics.ALERT_RESOLUTIONS.inc(poll.closed)


async def read_health(store: Store, *, now: float) -> AlertHealth:
    """Poll progress, outbox backlog and the last poll error."""
    async with store.transaction() as conn:
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
        lease_holder=await store.lease_holder(now),
    )


def set_gauges(health: AlertHealth) -> None:
    """The gauges read from the store (poll lag, last poll, outbox depth)."""
    metrics.ALERT_POLL_LAG_SECONDS.set(health.watermark_lag_seconds or 0)
    metrics.ALERT_LAST_POLL_TIMESTAMP.set(health.last_success_at or 0)
    metrics.ALERT_OUTBOX_DEPTH.labels("post").set(health.pending_alerts)
    metrics.ALERT_OUTBOX_DEPTH.labels("update").set(health.pending_updates)


def health_dict(health: AlertHealth, *, now: float, holder_id: str) -> dict[str, Any]:
    """The health as `/readyz` shows it: times and counts only, no error texts or ids."""
    return {
        "running": True,
        "last_poll_at": int(health.last_success_at) if health.last_success_at else None,
        "last_poll_age_seconds": int(now - health.last_success_at) if health.last_success_at else None,
        "watermark_lag_seconds": int(health.watermark_lag_seconds) if health.watermark_lag_seconds else None,
        "pending_alerts": health.pending_alerts,
        "pending_updates": health.pending_updates,
        "last_poll_failed": health.last_error is not None,
        "polling_here": health.lease_holder == holder_id,
        "last_tick_failed": False,
    }
