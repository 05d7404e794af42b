"""Posted once, whatever fails around the post: uncertain posts, store blips, and the history check.

Slack has no idempotency key for `chat.postMessage`, so a post whose outcome is unknown (a timeout,
a dropped connection, a process killed while the request was in flight) must never be treated as
failed. The outbox marks a row `post_started_at` (committed) right before the call and clears it
with the ts. A row found later with the mark and no ts is *uncertain*: before posting again, the
channel's history is searched for a message carrying the alert's metadata (`blocks.
alert_metadata`), and a match is adopted instead of posting. The thread reply works the same way
with `reply_started_at` and `conversations.replies`.

Reading history needs the optional `channels:history` / `groups:history` scopes. Without them (or
if Slack refuses the read) the uncertain post is posted again: the remaining window is then the
whole in-flight request plus the time until its ts is stored. With them, the window shrinks to a
post Slack accepted but had not yet made visible in history when we looked, which is why an
uncertain row waits `UNCERTAIN_WAIT_SECONDS` (longer than the Slack client's timeout) first.

A ts Slack returned is a fact: when the store fails right after the post, the write is retried
(never the post) for `STORE_RETRY_SECONDS`, then kept in process memory and written before the
next round; only a crash during that time leaves the row uncertain (and the history check then
finds the message).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts import render
from bot.alerts.records import AlertRecord

# The waits are re-exported: the alert engine, delivery and tests read them from here.
from bot.slack.history import UNCERTAIN_WAIT_SECONDS as UNCERTAIN_WAIT_SECONDS
from bot.slack.history import UNCERTAIN_WAIT_TIMEOUTS as UNCERTAIN_WAIT_TIMEOUTS
from bot.slack.history import find_message
from bot.store import STORE_ERRORS

log = logging.getLogger(__name__)

STORE_RETRY_SECONDS = 20.0
"""How long a ts write is retried after the store failed; far inside the delivery claim."""
STORE_RETRY_FIRST_WAIT = 0.25

T = TypeVar("T")


class StoreUnavailableError(Exception):
    """The store stayed unreachable for `STORE_RETRY_SECONDS`; what Slack returned is kept in memory."""


def metadata_for(alert: AlertRecord, *, part: str = "alert", event: int | None = None) -> dict[str, Any]:
    """The event part of the metadata an alert's message (or its thread reply) carries: what is matched."""
    return render.metadata(alert, "", part=part, event=event)


def _same_alert(found: Any, wanted: dict[str, Any]) -> bool:
    if not isinstance(found, dict) or not isinstance(found.get("event_payload"), dict):
        return False
    payload, expected = found["event_payload"], wanted["event_payload"]
    keys = ("session_id", "episode", "group_key", "channel", "part", "event")
    return all(payload.get(k) == expected.get(k) for k in keys)


async def find_post(slack: AsyncWebClient, alert: AlertRecord, *, since: float) -> str | None:
    """The ts of the alert's message if an uncertain post did reach the channel; None if not, or unknowable."""
    return await _find(slack, alert, metadata_for(alert), since=since)


async def find_reply(
    slack: AsyncWebClient, alert: AlertRecord, *, since: float, part: str = "reply", event: int | None = None
) -> str | None:
    """The ts of the alert's thread reply (or of an `update` reply about `event`) if an uncertain one did
    reach the thread."""
    wanted = metadata_for(alert, part=part, event=event)
    return await _find(slack, alert, wanted, since=since, thread_ts=alert.ts or "")


async def _find(
    slack: AsyncWebClient, alert: AlertRecord, wanted: dict[str, Any], *, since: float, thread_ts: str | None = None
) -> str | None:
    lookup = await find_message(
        slack, alert.channel_id, lambda found: _same_alert(found, wanted), since=since, thread_ts=thread_ts
    )
    if lookup.error is not None:
        # The guarantee was not available for this row: the caller posts again, and the log says so.
        log.warning("alerts.delivery.unverifiable", extra={"alert_id": alert.id, "error": lookup.error})
    elif lookup.ts is not None:
        part = wanted["event_payload"]["part"]
        log.info("alerts.delivery.reconciled", extra={"alert_id": alert.id, "part": part})
    return lookup.ts


async def store_retrying(
    write: Callable[[], Awaitable[T]],
    *,
    what: str,
    alert_id: int,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    budget: float = STORE_RETRY_SECONDS,
) -> T:
    """Run a store write, retrying through an outage for up to `budget` seconds of waits.

    Raises:
        StoreUnavailableError: the store was still failing when the budget ran out.
    """
    wait, waited = STORE_RETRY_FIRST_WAIT, 0.0
    while True:
        try:
            return await write()
        except STORE_ERRORS as exc:
            if waited >= budget:
                log.error("alerts.delivery.store_unavailable", extra={"alert_id": alert_id, "what": what})
                raise StoreUnavailableError(what) from exc
            log.warning(
                "alerts.delivery.store_retry",
                extra={"alert_id": alert_id, "what": what, "error": type(exc).__name__, "wait": wait},
            )
            await sleep(wait)
            waited += wait
            wait = min(wait * 2, 4.0)
