"""What a failed delivery does: back off the row (or the whole channel), or hold the channel until it is fixed.

Channel-wide trouble (429 with its `Retry-After`, 5xx, timeouts, connection errors) pushes the
channel's next slot out with exponential backoff and makes every owed row of the channel due at that
same moment, so once Slack is back the channel drains in suspension order (`claims.due_alerts`). An
error we do not know backs off only its own row.

Permanent channel errors (`not_in_channel`, `channel_not_found`, `is_archived`, bad token, …) are
recorded on the row and on the channel's delivery-problem row, and logged once as
`alerts.delivery.failed_permanently` with the fix. Delivery to that channel then waits until the
problem is cleared: by `alerts on` in the channel (a settings change) or by a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto

import aiohttp
from slack_sdk.errors import SlackApiError

from bot import metrics
from bot.alerts.posting import UNCERTAIN_WAIT_SECONDS
from bot.alerts.records import AlertRecord
from bot.slack.failures import FailureKind, SlackFailure, backoff_seconds, classify_api_error, transport_failure
from bot.store import Store, claims, pace
from bot.store import channels as channel_queries

log = logging.getLogger(__name__)


class Outcome(Enum):
    """How one row's delivery ended, and so whether the rest of its channel goes on this round."""

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
    reconciled: int = 0
    """Uncertain posts or replies found in the channel's history instead of being sent again."""


@dataclass(frozen=True)
class Failure:
    """A Slack or transport failure, classified: what it is, and how far it reaches."""

    failure: SlackFailure
    channel_wide: bool
    uncertain: bool = False
    next_row: bool = False


def classify(exc: BaseException) -> Failure | None:
    """The failure a delivery exception stands for; None for exceptions delivery does not handle here."""
    if isinstance(exc, SlackApiError):
        status = int(getattr(exc.response, "status_code", 0) or 0)
        return Failure(classify_api_error(exc), channel_wide=status >= 500 or status == 429)
    if isinstance(exc, aiohttp.ClientError | TimeoutError):
        # A refused connection never reached Slack; anything later (a timeout, a dropped
        # connection) may have been posted: uncertain.
        uncertain = not isinstance(exc, aiohttp.ClientConnectorError)
        return Failure(transport_failure(exc), channel_wide=True, uncertain=uncertain)
    if isinstance(exc, ValueError):
        # A row that cannot be rendered (a snapshot an older version stored, a builder bug) must
        # not stop the rest: it backs off on its own, and the log names it.
        reason = SlackFailure(FailureKind.TRANSIENT, f"unrenderable: {type(exc).__name__}")
        return Failure(reason, channel_wide=False, next_row=True)
    return None


async def settle_failure(
    store: Store,
    alert: AlertRecord,
    token: str,
    failed: Failure,
    report: DeliveryReport,
    *,
    clock: Callable[[], float],
    uncertain_wait: float = UNCERTAIN_WAIT_SECONDS,
) -> Outcome:
    """Record the failure on the row (and the channel): hold it, or retry it later."""
    now, failure = clock(), failed.failure
    if failure.kind is FailureKind.CHANNEL:
        async with store.transaction() as conn:
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
        return Outcome.BLOCKED
    wait = max(backoff_seconds(alert.attempts + 1), failure.retry_after or 0.0)
    if failed.uncertain:
        wait = max(wait, uncertain_wait)  # let a late post show up in history first
    async with store.transaction() as conn:
        await claims.retry_later(conn, alert.id, token, error=failure.error, at=now + wait, now=now)
        if failed.channel_wide:  # the channel waits as a whole, so it drains in suspension order after
            await pace.push_back(conn, alert.channel_id, until=now + wait)
    log.warning(
        "alerts.delivery.retry",
        extra={"alert_id": alert.id, "channel": alert.channel_id, "error": failure.error, "wait": wait},
    )
    report.retried += 1
    metrics.ALERT_DELIVERY_RETRIES.inc()
    return Outcome.SKIPPED if failed.next_row else Outcome.RETRY
