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
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.alerts.records import NewAlert
from bot.alerts.rules import Change, ChannelRule, Decision, Observation, alert_channels, decide, is_unchanged
from bot.alerts.snapshot import snapshot_json
from bot.alerts.storm import StormTracker
from bot.devin.client import DevinClient
from bot.devin.errors import DevinError
from bot.devin.filters import SessionFilters
from bot.devin.links import is_session_id
from bot.devin.models import Session
from bot.store import Store, alert_changes, outbox, sessions

log = logging.getLogger(__name__)

OVERLAP_SECONDS = 120
"""Re-read this much before the watermark: equal timestamps and the unknown bound inclusivity."""
SWEEP_SECONDS = 900
"""Every `SWEEP_EVERY`-th poll re-reads this much: a suspension Devin stamped up to 15 minutes behind
the watermark (its clock went back) is still seen within two polls."""
SWEEP_EVERY = 2
PAGE_SIZE = 200
"""The API maximum (§2.3): the fewest requests per poll."""
MAX_PAGES = 500
"""At most 100,000 changed sessions per poll; a cursor that changes but never ends stops here (reported)."""
SESSION_FIELD_MAX = 64
"""Stored status and reason columns are this wide (schema.ID_LENGTH); longer values are no known enum."""

Renew = Callable[[], Awaitable[bool]]


def window_start(watermark: int, now: int, *, sweep: bool) -> int:
    """`updated_after` for a poll: the overlap before the watermark, or on a sweep the last SWEEP_SECONDS.

    A sweep reaches back SWEEP_SECONDS from the watermark but never further than SWEEP_SECONDS
    before now: an org idle for an hour has nothing "15 minutes behind" to re-read, so its sweep
    costs what a plain poll costs (one request).
    """
    plain = watermark - OVERLAP_SECONDS
    if not sweep:
        return plain
    return min(plain, max(watermark - SWEEP_SECONDS, now - SWEEP_SECONDS))


@dataclass
class PollReport:
    """What one poll did (for logs, health and tests)."""

    pages: int = 0
    seen: int = 0
    changed: int = 0
    opened: int = 0
    closed: int = 0
    alerts_recorded: int = 0
    skipped: int = 0
    """Items left out: they did not parse, or carried no usable session id (logged with the fields)."""
    sweep: bool = False
    watermark: int | None = None
    error: str | None = None
    lease_lost: bool = False
    groups: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.error is None and not self.lease_lost


class PollStopped(Exception):
    """The pass cannot finish (a repeated cursor, too many pages); the watermark stays."""


class PageObserver(Protocol):
    """Sees every changed session of a page with its decision, inside the page's transaction (DM notices)."""

    async def observe(self, conn: AsyncConnection, changes: Sequence[tuple[Session, Decision]]) -> None: ...


class Poller:
    """Runs polls against one Devin org; `devin` should carry BACKGROUND_RETRY."""

    def __init__(
        self,
        store: Store,
        devin: DevinClient,
        *,
        lookback_minutes: int,
        clock: Callable[[], float],
        observer: PageObserver | None = None,
    ) -> None:
        self._store = store
        self._observer = observer
        self._devin = devin
        self._lookback_seconds = lookback_minutes * 60
        self._clock = clock
        self._polls = 0

    async def poll(self, channels: Sequence[ChannelRule], *, renew: Renew | None = None) -> PollReport:
        """One incremental pass. Failures are recorded (health reports them), not raised: the next poll resumes."""
        self._polls += 1
        report = PollReport(sweep=self._polls % SWEEP_EVERY == 0)
        try:
            await self._pass(channels, renew, report)
        except (DevinError, PollStopped) as exc:
            await self._failed(report, f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # noqa: BLE001 - anything else must still show as a failing poll
            log.exception("alerts.poll.crashed", extra={"pages": report.pages})
            await self._failed(report, f"{type(exc).__name__}: the poll failed unexpectedly")
        return report

    async def _pass(self, channels: Sequence[ChannelRule], renew: Renew | None, report: PollReport) -> None:
        watermark, first = await self._start_watermark()
        since = window_start(watermark, int(self._clock()), sweep=report.sweep and not first)
        storms = StormTracker()
        highest = watermark
        after: str | None = None
        cursors: set[str] = set()
        while True:
            page = await self._devin.list_sessions_page(
                SessionFilters(updated_after=since), first=PAGE_SIZE, after=after
            )
            report.pages += 1
            report.seen += len(page.items)
            report.skipped += len(page.rejected)
            async with self._store.transaction() as conn:
                highest = max(highest, await self._apply_page(conn, page.items, channels, storms, report))
            if not page.has_next_page or not page.end_cursor:
                break
            if page.end_cursor in cursors:
                log.error("alerts.poll.cursor_repeated", extra={"pages": report.pages})
                raise PollStopped(f"Devin repeated a page cursor after {report.pages} pages")
            if report.pages >= MAX_PAGES:
                log.error("alerts.poll.page_cap", extra={"pages": report.pages})
                raise PollStopped(f"more than {MAX_PAGES} pages in one poll")
            cursors.add(page.end_cursor)
            if renew is not None and not await renew():
                report.lease_lost = True
                log.warning("alerts.poll.lease_lost", extra={"pages": report.pages})
                return
            after = page.end_cursor
        # Sessions move the watermark up to our own clock, never past it: one session stamped in the
        # future must not blind the poller (a first start's window may begin later; see above).
        highest = max(watermark, min(highest, int(self._clock())))
        async with self._store.transaction() as conn:
            await sessions.save_poll_success(conn, watermark=highest, now=self._clock())
        report.watermark = highest
        report.groups = storms.group_keys

    async def _failed(self, report: PollReport, error: str) -> None:
        report.error = error
        async with self._store.transaction() as conn:
            await sessions.save_poll_error(conn, error=error, now=self._clock())
        log.warning("alerts.poll.failed", extra={"error": error, "pages": report.pages})

    async def _start_watermark(self) -> tuple[int, bool]:
        """The stored watermark (pulled back to now if a future one was stored), and whether this is the first."""
        now = int(self._clock())
        async with self._store.transaction() as conn:
            state = await sessions.get_poller_state(conn)
            if state.watermark is not None:
                if state.watermark > now + OVERLAP_SECONDS:  # stored by an older version from a future stamp
                    log.warning("alerts.poll.watermark_healed", extra={"ahead_seconds": state.watermark - now})
                    return now, False
                return state.watermark, state.last_success_at is None
            first = now - self._lookback_seconds + OVERLAP_SECONDS
            await sessions.save_poll_start(conn, watermark=first)
            log.info("alerts.poll.first_start", extra={"lookback_seconds": self._lookback_seconds})
            return first, True

    async def _apply_page(
        self,
        conn: AsyncConnection,
        items: Sequence[Session],
        channels: Sequence[ChannelRule],
        storms: StormTracker,
        report: PollReport,
    ) -> int:
        """Record the page's changes; returns its highest usable `updated_at` (0 for none)."""
        latest: dict[str, Session] = {}
        for item in items:
            if not is_session_id(item.session_id):
                report.skipped += 1
                log.warning("alerts.poll.item_skipped", extra={"fields": ["session_id"]})
                continue
            if item.session_id not in latest or item.updated_at >= latest[item.session_id].updated_at:
                latest[item.session_id] = item
        stored = await sessions.get_sessions(conn, latest.keys())
        decisions = []
        groups: set[str] = set()
        for item in latest.values():
            seen = Observation(item.session_id, _bounded(str(item.status)), _detail(item), item.updated_at)
            previous = stored.get(item.session_id)
            if is_unchanged(previous, seen):
                continue
            decision = decide(previous, seen)
            decisions.append(decision)
            groups |= await self._act(conn, item, decision, channels, storms, report)
        for group_key in sorted(groups):  # once per group, not once per member that changed
            await outbox.touch_group(conn, group_key, now=self._clock())
        await sessions.put_sessions(conn, [d.record for d in decisions], now=self._clock())
        if self._observer is not None and decisions:  # same transaction: a DM notice commits with its episode
            await self._observer.observe(conn, [(latest[d.record.session_id], d) for d in decisions])
        report.changed += len(decisions)
        report.alerts_recorded += await storms.flush(conn, now=self._clock())
        return max((item.updated_at for item in latest.values()), default=0)

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
                conn, item.session_id, record.episode, reason=decision.reason or "", session_json=_json(item), now=now,
                seen_at=item.updated_at,
            )  # fmt: skip
            wanted = set(alert_channels(channels, decision.reason)) - already
        elif decision.change is Change.CLOSED:
            report.closed += 1
            log.info(
                "alerts.resolved",
                extra={
                    "session_id": item.session_id,
                    "episode": record.episode,
                    "status": decision.resolved_status or str(item.status),
                    "reason": decision.previous_reason,
                    "suspended_seconds": decision.down_seconds,
                },
            )
            return await outbox.resolve_episode(
                conn,
                item.session_id,
                record.episode,
                resolved_at=item.updated_at,
                resolved_status=decision.resolved_status or str(item.status),
                session_json=_json(item),
                now=now,
            )
        else:  # a recovered session may go on to finish or fail: its alert's thread hears of it
            if record.episode and not record.episode_open:
                await alert_changes.note_later_state(
                    conn, item.session_id, record.episode, status=record.status, seen_at=item.updated_at,
                    session_json=_json(item), now=now,
                )  # fmt: skip
            return groups
        for channel_id in sorted(wanted):
            opened_at = record.suspended_since if record.suspended_since is not None else item.updated_at
            storms.add(
                NewAlert(item.session_id, record.episode, channel_id, decision.reason or "", opened_at, _json(item))
            )
        return groups


def _bounded(value: str) -> str:
    return value[:SESSION_FIELD_MAX]


def _detail(item: Session) -> str | None:
    return _bounded(str(item.status_detail)) if item.status_detail is not None else None


def _json(item: Session) -> str:
    return snapshot_json(item)
