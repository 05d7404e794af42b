"""The poller: list sessions changed since the watermark, apply the rules, record alerts per page.

Window. Each poll lists `updated_after = watermark - OVERLAP_SECONDS` (whole seconds, bound
inclusivity unverified, §2.2), `first=200`, paging to the end. Sessions whose (status,
status_detail, updated_at) equal the stored ones are skipped without a write, so an idle org
costs one request and no writes per poll whatever its size.

Atomicity. Every page's state changes and new pending alerts commit in one transaction, so a
crash never leaves an episode recorded without its alert (or the reverse). The watermark (the
largest `updated_at` seen) is saved only after the last page: the API's sort order is
unverified (§6.1), so a pass cut short must start over from the old watermark; the pages it
already stored are then skipped as unchanged, and alerts cannot repeat because each episode
has one alert per channel by a unique key.

First start. With no watermark stored, it is set to `now - lookback + OVERLAP_SECONDS` and
saved before the first request, so the first window starts exactly `lookback` ago (older
suspensions are never fetched, never alerted) and a failing first poll does not let the
window slide forward.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.alerts.records import NewAlert
from bot.alerts.rules import Change, ChannelRule, Decision, Observation, alert_channels, decide, is_unchanged
from bot.alerts.storm import StormTracker
from bot.devin.client import DevinClient
from bot.devin.errors import DevinError
from bot.devin.filters import SessionFilters
from bot.devin.models import Session
from bot.store import Store, outbox, sessions

log = logging.getLogger(__name__)

OVERLAP_SECONDS = 120
"""Re-read this much before the watermark: equal timestamps and the unknown bound inclusivity."""
PAGE_SIZE = 200
"""The API maximum (§2.3): the fewest requests per poll."""

Renew = Callable[[], Awaitable[bool]]


@dataclass
class PollReport:
    """What one poll did (for logs, health and tests)."""

    pages: int = 0
    seen: int = 0
    changed: int = 0
    opened: int = 0
    closed: int = 0
    alerts_recorded: int = 0
    watermark: int | None = None
    error: str | None = None
    lease_lost: bool = False
    groups: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.error is None and not self.lease_lost


class Poller:
    """Runs polls against one Devin org; `devin` should carry BACKGROUND_RETRY."""

    def __init__(self, store: Store, devin: DevinClient, *, lookback_minutes: int, clock: Callable[[], float]) -> None:
        self._store = store
        self._devin = devin
        self._lookback_seconds = lookback_minutes * 60
        self._clock = clock

    async def poll(self, channels: Sequence[ChannelRule], *, renew: Renew | None = None) -> PollReport:
        """One incremental pass. Devin failures are recorded, not raised: the next poll resumes."""
        report = PollReport()
        watermark = await self._start_watermark()
        since = watermark - OVERLAP_SECONDS
        storms = StormTracker()
        highest = watermark
        after: str | None = None
        try:
            while True:
                filters = SessionFilters(updated_after=since)
                page = await self._devin.list_sessions_page(filters, first=PAGE_SIZE, after=after)
                report.pages += 1
                report.seen += len(page.items)
                async with self._store.transaction() as conn:
                    await self._apply_page(conn, page.items, channels, storms, report)
                highest = max([highest, *(s.updated_at for s in page.items)])
                if not page.has_next_page or not page.end_cursor:
                    break
                if renew is not None and not await renew():
                    report.lease_lost = True
                    log.warning("alerts.poll.lease_lost", extra={"pages": report.pages})
                    return report
                after = page.end_cursor
        except DevinError as exc:
            report.error = f"{type(exc).__name__}: {exc}"
            async with self._store.transaction() as conn:
                await sessions.save_poll_error(conn, error=report.error, now=self._clock())
            log.warning("alerts.poll.failed", extra={"error": report.error, "pages": report.pages})
            return report
        async with self._store.transaction() as conn:
            await sessions.save_poll_success(conn, watermark=highest, now=self._clock())
        report.watermark = highest
        report.groups = storms.group_keys
        return report

    async def _start_watermark(self) -> int:
        async with self._store.transaction() as conn:
            state = await sessions.get_poller_state(conn)
            if state.watermark is not None:
                return state.watermark
            first = int(self._clock()) - self._lookback_seconds + OVERLAP_SECONDS
            await sessions.save_poll_start(conn, watermark=first)
            log.info("alerts.poll.first_start", extra={"lookback_seconds": self._lookback_seconds})
            return first

    async def _apply_page(
        self,
        conn: AsyncConnection,
        items: Sequence[Session],
        channels: Sequence[ChannelRule],
        storms: StormTracker,
        report: PollReport,
    ) -> None:
        latest: dict[str, Session] = {}
        for item in items:
            if item.session_id not in latest or item.updated_at >= latest[item.session_id].updated_at:
                latest[item.session_id] = item
        stored = await sessions.get_sessions(conn, latest.keys())
        decisions = []
        groups: set[str] = set()
        for item in latest.values():
            seen = Observation(item.session_id, str(item.status), _detail(item), item.updated_at)
            previous = stored.get(item.session_id)
            if is_unchanged(previous, seen):
                continue
            decision = decide(previous, seen)
            if decision.change is Change.STALE:
                continue
            decisions.append(decision)
            groups |= await self._act(conn, item, decision, channels, storms, report)
        for group_key in sorted(groups):  # once per group, not once per member that changed
            await outbox.touch_group(conn, group_key, now=self._clock())
        await sessions.put_sessions(conn, [d.record for d in decisions], now=self._clock())
        report.changed += len(decisions)
        report.alerts_recorded += await storms.flush(conn, now=self._clock())

    async def _act(
        self,
        conn: AsyncConnection,
        item: Session,
        decision: Decision,
        channels: Sequence[ChannelRule],
        storms: StormTracker,
        report: PollReport,
    ) -> set[str]:
        """Record what the decision means for alerts; returns the groups whose message must change."""
        record, now = decision.record, self._clock()
        groups: set[str] = set()
        if decision.change is Change.OPENED:
            report.opened += 1
            wanted = set(alert_channels(channels, decision.reason))
        elif decision.change is Change.REASON_CHANGED:
            already, groups = await outbox.change_reason(
                conn, item.session_id, record.episode, reason=decision.reason or "", session_json=_json(item), now=now
            )
            wanted = set(alert_channels(channels, decision.reason)) - already
        elif decision.change is Change.CLOSED:
            report.closed += 1
            return await outbox.resolve_episode(
                conn,
                item.session_id,
                record.episode,
                resolved_at=item.updated_at,
                resolved_status=decision.resolved_status or str(item.status),
                session_json=_json(item),
                now=now,
            )
        else:
            return groups
        for channel_id in sorted(wanted):
            opened_at = record.suspended_since if record.suspended_since is not None else item.updated_at
            storms.add(
                NewAlert(item.session_id, record.episode, channel_id, decision.reason or "", opened_at, _json(item))
            )
        return groups


def _detail(item: Session) -> str | None:
    return str(item.status_detail) if item.status_detail is not None else None


def _json(item: Session) -> str:
    return item.model_dump_json()
