"""Delivery of the `team_posts` outbox (digests, budget warnings): post, update in place, reply in the thread.

The alert outbox's rules, in small: a row is claimed before Slack is called, its `ts` committed as soon as
Slack accepts the post, transient failures (429, 5xx, timeouts, a Devin outage while a digest is rendered)
retried with backoff, and a permanent channel error (`not_in_channel`, …) recorded on the row and on the
channel's delivery-problem row, logged once with its fix, and not retried.

Posted once, as alerts (see `posted_once`): Slack has no idempotency key, so a post whose answer never came
(a timeout, a dropped connection, a crash before its `ts` was committed) is uncertain, retried no sooner than
the uncertain wait, and first looked for in the channel's history by its message metadata. Without the
optional history scopes it is posted again (logged `team.post.unverifiable`), which may double it. A budget
warning's thread reply is marked and looked for in its thread the same way (`posted_once.send_reply`).

Pacing, as for alerts and in the same `channel_pace` rows: every post, edit and thread reply first books the
channel's next slot in the store (one message a second per channel, shared by every replica and with the
alerts of that channel) and waits for it; a channel whose next slot is more than `SLOT_WAIT_MAX_SECONDS` away
(a 429's Retry-After pushes it out for everyone) is left for a later round, its rows unclaimed. Channels are
delivered side by side, each in order. Counters in `bot.metrics` (`team_post_*`) count what was delivered,
retried and refused; `team_outbox_depth` is what is owed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.budget import budget_message, budget_reply
from blocks.digest import digest_message
from blocks.kit import Message
from bot import metrics
from bot.devin.errors import DevinError
from bot.insights.budget import BudgetStatus
from bot.insights.period import Window
from bot.insights.posted_once import ReplyClaimLostError, find_post, post_metadata, send_reply
from bot.insights.records import PostKind, PostState, TeamPost
from bot.insights.source import InsightsSource
from bot.slack.client import without_retries
from bot.slack.failures import FailureKind, SlackFailure, backoff_seconds, classify_api_error, transport_failure
from bot.slack.history import UNCERTAIN_WAIT_SECONDS
from bot.store import Store, pace, team
from bot.store import channels as channel_queries

log = logging.getLogger(__name__)

CHANNEL_INTERVAL_SECONDS = 1.0
"""Slack allows about one message a second in a channel (the alerts' `CHANNEL_RATE`)."""
SLOT_WAIT_MAX_SECONDS = 5.0
"""Waited for inside a claim at most this long; further away, the channel waits for a later round."""

Sleep = Callable[[float], Awaitable[None]]


class _ClaimLostError(Exception):
    """Another replica took the row over (our claim expired) before the post was started: leave it to them."""


@dataclass
class TeamDeliveryReport:
    posted: int = 0
    updated: int = 0
    replied: int = 0
    retried: int = 0
    failed: int = 0
    reconciled: int = 0
    """Uncertain posts (or budget replies) found in history (or the thread) instead of being posted again."""


class TeamDeliverer:
    """Sends what `team_posts` owes; safe in several processes at once (rows are claimed)."""

    def __init__(
        self,
        store: Store,
        slack: AsyncWebClient,
        source: InsightsSource,
        *,
        holder_id: str,
        clock: Callable[[], float],
        app_url: str,
        interval: float = CHANNEL_INTERVAL_SECONDS,
        sleep: Sleep = asyncio.sleep,
        uncertain_wait: float = UNCERTAIN_WAIT_SECONDS,
    ) -> None:
        # Retries are this outbox's to decide (backoff, the channel's rest after a 429), never slack_sdk's.
        self._store, self._slack, self._source = store, without_retries(slack), source
        self._holder_id, self._clock, self._app_url = holder_id, clock, app_url
        self._interval, self._sleep, self._uncertain_wait = interval, sleep, uncertain_wait

    async def deliver_due(self) -> TeamDeliveryReport:
        async with self._store.transaction() as conn:
            due = await team.due_posts(conn, now=self._clock())
        report = TeamDeliveryReport()
        by_channel: dict[str, list[TeamPost]] = {}
        for post in due:
            by_channel.setdefault(post.channel_id, []).append(post)
        async with self._store.transaction() as conn:
            # Rate limited or busy: those channels' rows stay due, unclaimed, for a later round.
            resting = await team.resting_channels(conn, by_channel, after=self._clock() + SLOT_WAIT_MAX_SECONDS)
        # Channels side by side, each in order; digests due together still render from one shared fetch
        # (the source's cache). gather, not a TaskGroup: a store error reaches the engine as itself.
        channels = [posts for channel, posts in by_channel.items() if channel not in resting]
        await asyncio.gather(*(self._deliver_channel(posts, report) for posts in channels))
        return report

    async def _deliver_channel(self, posts: list[TeamPost], report: TeamDeliveryReport) -> None:
        for post in posts:
            if not await self._deliver_one(post, report):
                return  # the channel failed or was told to rest: the rest of its rows wait for a later round

    async def _slot(self, channel_id: str) -> None:
        """Book the channel's next slot in the store (shared by every replica and the alerts) and wait for it."""
        async with self._store.transaction() as conn:
            wait = await pace.take_slot(conn, channel_id, now=self._clock(), interval=self._interval)
        if wait > 0:
            await self._sleep(wait)

    async def _deliver_one(self, post: TeamPost, report: TeamDeliveryReport) -> bool:
        """Claim and send one post; False when Slack asked the channel to wait (the rest of it waits too)."""
        token = team.new_claim_token(self._holder_id)
        async with self._store.transaction() as conn:
            claimed = await team.claim(conn, post.id, token, now=self._clock())
        if claimed is None:
            return True  # another replica has it, or it is done
        try:
            await self._send(claimed, token, report)
        except (_ClaimLostError, ReplyClaimLostError):
            log.warning("team.post.claim_lost", extra={"kind": post.kind.value, "post_id": post.id})
        except SlackApiError as exc:
            return await self._failed(claimed, token, classify_api_error(exc), report)
        except (aiohttp.ClientError, TimeoutError) as exc:
            # A refused connection never reached Slack; a timeout or a dropped connection before the ts (or the
            # budget reply recorded) may have posted: uncertain, so it waits until a late post would show.
            replying = claimed.kind is PostKind.BUDGET and claimed.version > claimed.replied_version
            uncertain = (claimed.ts is None or replying) and not isinstance(exc, aiohttp.ClientConnectorError)
            return await self._failed(claimed, token, transport_failure(exc), report, uncertain=uncertain)
        except DevinError as exc:  # a digest's figures could not be fetched: later (Slack is not the trouble)
            failure = SlackFailure(FailureKind.TRANSIENT, f"devin:{type(exc).__name__}")
            await self._failed(claimed, token, failure, report)
        return True

    async def _send(self, post: TeamPost, token: str, report: TeamDeliveryReport) -> None:
        message = await self._render(post)
        found = None
        if post.ts is None and post.post_started_at is not None:  # uncertain: Slack may have posted it already
            found = await find_post(self._slack, post, since=post.post_started_at)
        ts = post.ts or found
        if ts is None:
            ts = await self._first_post(post, token, message)
            await self._keep_ts(post, token, ts)
            report.posted += 1
            metrics.TEAM_POST_DELIVERIES.labels(post.kind.value, "posted").inc()
            log.info("team.post.sent", extra={"kind": post.kind.value, "channel": post.channel_id, "post_id": post.id})
        elif found is not None:
            await self._keep_ts(post, token, ts)
            report.reconciled += 1
            metrics.TEAM_POST_DELIVERIES.labels(post.kind.value, "reconciled").inc()
        # A message found in history shows the payload as it was when its post started: one edit makes it current.
        if found is not None or (post.ts is not None and post.version > post.delivered_version):
            await self._slot(post.channel_id)
            await self._slack.chat_update(
                channel=post.channel_id, ts=ts, text=message["text"], blocks=message["blocks"],
                metadata=post_metadata(post),
            )  # fmt: skip
            report.updated += 1
            metrics.TEAM_POST_DELIVERIES.labels(post.kind.value, "updated").inc()
        if post.kind is PostKind.BUDGET and post.version > post.replied_version:
            reply = budget_reply(BudgetStatus.from_json(post.payload))
            threaded = replace(post, ts=ts)  # a post made this round has its ts only here

            async def post_reply(metadata: dict[str, Any]) -> str:
                return await self._post(post.channel_id, reply, thread_ts=ts, metadata=metadata)

            posted = await send_reply(self._store, self._slack, threaded, token, post_reply, clock=self._clock)
            report.replied += posted
            report.reconciled += not posted
            metrics.TEAM_POST_DELIVERIES.labels(post.kind.value, "replied" if posted else "reconciled").inc()
        async with self._store.transaction() as conn:
            now = self._clock()
            await team.settle(
                conn,
                post.id,
                token,
                delivered_version=post.version,
                attempts=0,
                last_error=None,
                claim_token=None,
                next_attempt_at=now,
                updated_at=now,
            )

    async def _render(self, post: TeamPost) -> Message:
        if post.kind is PostKind.BUDGET:
            return budget_message(BudgetStatus.from_json(post.payload))
        data = json.loads(post.payload)
        figures = await self._source.window(Window(int(data["start"]), int(data["end"])))
        return digest_message(
            figures, cadence=data["cadence"], when=data["when"], scheduled_by=data.get("by"), app_url=self._app_url
        )

    async def _keep_ts(self, post: TeamPost, token: str, ts: str) -> None:
        async with self._store.transaction() as conn:
            await team.settle(
                conn, post.id, token, ts=ts, state=PostState.SENT.value, post_started_at=None, updated_at=self._clock()
            )

    async def _first_post(self, post: TeamPost, token: str, message: Message) -> str:
        """Mark the post started (committed), then post it; an answer that says nothing was posted clears the mark."""
        async with self._store.transaction() as conn:
            if not await team.mark_post_started(conn, post.id, token, now=self._clock()):
                raise _ClaimLostError
        try:
            return await self._post(post.channel_id, message, metadata=post_metadata(post))
        except (SlackApiError, aiohttp.ClientConnectorError):
            async with self._store.transaction() as conn:
                await team.clear_started(conn, post.id, token, now=self._clock())
            raise

    async def _post(
        self, channel: str, message: Message, *, thread_ts: str | None = None, metadata: dict[str, Any] | None = None
    ) -> str:
        await self._slot(channel)
        extra: dict[str, Any] = {"metadata": metadata} if metadata is not None else {}
        response = await self._slack.chat_postMessage(
            channel=channel, text=message["text"], blocks=message["blocks"], thread_ts=thread_ts, unfurl_links=False,
            **extra,
        )  # fmt: skip
        return str(response["ts"])

    async def _failed(
        self, post: TeamPost, token: str, failure: SlackFailure, report: TeamDeliveryReport, *, uncertain: bool = False
    ) -> bool:
        """Record the failure; True when the channel's next post may still be tried this round."""
        now = self._clock()
        if failure.kind is FailureKind.CHANNEL:
            report.failed += 1
            metrics.TEAM_POST_FAILURES.labels(post.kind.value).inc()
            async with self._store.transaction() as conn:
                await team.settle(
                    conn,
                    post.id,
                    token,
                    state=PostState.FAILED.value,
                    attempts=post.attempts + 1,
                    last_error=team.error_text(failure.error),
                    claim_token=None,
                    updated_at=now,
                )
                first = await channel_queries.record_problem(
                    conn, post.channel_id, error=failure.error, fix=failure.fix, now=now
                )
            if first:
                log.warning(
                    "team.post.failed_permanently",
                    extra={
                        "kind": post.kind.value,
                        "channel": post.channel_id,
                        "error": failure.error,
                        "fix": failure.fix,
                    },
                )
            return True  # each of the channel's posts is recorded as refused, none is retried
        report.retried += 1
        metrics.TEAM_POST_RETRIES.labels(post.kind.value).inc()
        wait = failure.retry_after if failure.retry_after is not None else backoff_seconds(post.attempts + 1)
        if uncertain:
            wait = max(wait, self._uncertain_wait)  # let a late post show up in history first
        async with self._store.transaction() as conn:
            if failure.retry_after is not None:  # Slack asked the channel to rest: every replica and the alerts wait
                await pace.push_back(conn, post.channel_id, until=now + wait)
            await team.settle(
                conn,
                post.id,
                token,
                attempts=post.attempts + 1,
                last_error=team.error_text(failure.error),
                claim_token=None,
                next_attempt_at=now + wait,
                updated_at=now,
            )
        log.info("team.post.retry", extra={"kind": post.kind.value, "channel": post.channel_id, "error": failure.error})
        return False


async def refresh_outbox_depth(store: Store) -> None:
    """Set `team_outbox_depth` per kind from the store."""
    async with store.transaction() as conn:
        owed = await team.owed_counts(conn)
    for kind, count in owed.items():
        metrics.TEAM_OUTBOX_DEPTH.labels(kind.value).set(count)
