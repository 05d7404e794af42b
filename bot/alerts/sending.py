"""The Slack half of delivery: paced posts and edits, and keeping every ts Slack returns.

Pacing. Posts in one channel are paced across every replica by the store (`store.pace`, about
one message a second): each call books the channel's next slot, then waits for it.

A ts Slack returned is a fact: it is stored at once, the write retried through a store outage
(never the post), then kept in process memory and written before the next round (see `posting`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.kit import Message
from bot.alerts.posting import StoreUnavailableError, store_retrying
from bot.alerts.records import AlertRecord
from bot.slack.client import without_retries
from bot.slack.failures import FailureKind, classify_api_error
from bot.store import STORE_ERRORS, Store, claims, pace

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
SaveTs = Callable[..., Awaitable[bool]]


class ClaimLostError(Exception):
    """Another process took the row over (our claim expired): stop working on it."""


class Sender:
    """Posts, edits and thread replies for alert rows, paced per channel, with their ts kept in the store."""

    def __init__(
        self,
        store: Store,
        slack: AsyncWebClient,
        *,
        clock: Callable[[], float],
        interval: float,
        sleep: Sleep,
        store_budget: float,
    ) -> None:
        self._store = store
        self.slack = without_retries(slack)
        self._clock = clock
        self._interval = interval
        self._sleep = sleep
        self._store_budget = store_budget
        self._unsaved: dict[tuple[int, str], tuple[SaveTs, str]] = {}
        """ts values Slack returned that the store could not take yet (written before the next round)."""

    async def flush_unsaved(self) -> bool:
        """Write the ts values a store outage left in memory; False while the store is still down."""
        for key, (save, ts) in list(self._unsaved.items()):
            try:
                async with self._store.transaction() as conn:
                    await save(conn, key[0], None, ts=ts, now=self._clock())
            except STORE_ERRORS:
                return False
            del self._unsaved[key]
        return True

    async def post_or_clear(
        self,
        alert: AlertRecord,
        token: str,
        message: Message,
        metadata: dict[str, Any],
        *,
        thread_ts: str | None = None,
        broadcast: bool = False,
    ) -> str:
        """Post; when Slack answered "no" or was never reached, nothing was posted, so nothing is uncertain."""
        try:
            return await self.post(alert.channel_id, message, metadata, thread_ts=thread_ts, broadcast=broadcast)
        except (SlackApiError, aiohttp.ClientConnectorError):
            async with self._store.transaction() as conn:
                await claims.clear_started(conn, alert.id, token, now=self._clock())
            raise

    async def keep(self, alert: AlertRecord, token: str, ts: str, *, save: SaveTs, what: str) -> None:
        """Store what Slack returned with `save` (a `claims.save_*`), retrying the write, never the post."""

        async def write() -> bool:
            async with self._store.transaction() as conn:
                return await save(conn, alert.id, token, ts=ts, now=self._clock())

        try:
            kept = await store_retrying(
                write, what=what, alert_id=alert.id, sleep=self._sleep, budget=self._store_budget
            )
        except StoreUnavailableError:
            self._unsaved[(alert.id, what)] = (save, ts)
            raise
        if not kept:  # our claim expired meanwhile: the ts is still a fact worth keeping
            async with self._store.transaction() as conn:
                await save(conn, alert.id, None, ts=ts, now=self._clock())
            raise ClaimLostError

    async def post(
        self,
        channel_id: str,
        message: Message,
        metadata: dict[str, Any],
        *,
        thread_ts: str | None = None,
        broadcast: bool = False,
    ) -> str:
        extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts is not None else {}
        if broadcast and thread_ts is not None:
            extra["reply_broadcast"] = True  # the channel sees the resolution too (`alerts broadcast on`)
        await self.slot(channel_id)
        response = await self.slack.chat_postMessage(
            channel=channel_id,
            text=message["text"],
            blocks=message["blocks"],
            metadata=metadata,
            unfurl_links=False,
            unfurl_media=False,
            **extra,
        )
        return str(response["ts"])

    async def update(self, alert: AlertRecord, message: Message, metadata: dict[str, Any]) -> None:
        """Edit the alert in place (idempotent); a message deleted or too old to edit is skipped."""
        try:
            await self.slot(alert.channel_id)
            await self.slack.chat_update(
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

    async def slot(self, channel_id: str) -> None:
        """Book the channel's next slot in the store (shared by every replica) and wait for it."""
        async with self._store.transaction() as conn:
            wait = await pace.take_slot(conn, channel_id, now=self._clock(), interval=self._interval)
        if wait > 0:
            await self._sleep(wait)
