"""Storm grouping: many new episodes with one reason for one channel → one grouped alert, however many
polls (and pages) the storm spans.

The store, not the poll, holds a storm: new alerts for a (channel, reason) join its open group (not
resolved, and joined within the last STORM_WINDOW_SECONDS), whether that group was created on an
earlier page, an earlier poll or by another replica's poll. Without one, a group is created once
the singles still waiting to be posted plus the new ones pass the threshold; those waiting singles
join it by a conditional update (a replica may be posting one right now, and then it stays single:
never lost, never doubled). Singles already posted stay as they are.

Quiet. New episodes of a reason snoozed or muted in a channel are recorded as suppressed there
(`quiet_suppressed`, once per episode) instead of becoming alerts; a snooze that has expired by
the time of the poll no longer counts, so the next poll after it posts new episodes again.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.alerts.records import NewAlert
from bot.alerts.rules import STORM_WINDOW_SECONDS, is_storm
from bot.store import outbox, quiet

log = logging.getLogger(__name__)

StormKey = tuple[str, str]
"""(channel_id, reason)"""


class StormTracker:
    """Per-poll bookkeeping of new alerts; `add()` while applying a page, `flush()` inside its transaction."""

    def __init__(self, *, window_seconds: float = STORM_WINDOW_SECONDS) -> None:
        self._page: dict[StormKey, list[NewAlert]] = defaultdict(list)
        self._groups: dict[StormKey, str] = {}
        self._window = window_seconds

    def add(self, alert: NewAlert) -> None:
        """Queue a new alert of the current page."""
        self._page[(alert.channel_id, alert.reason)].append(alert)

    @property
    def group_keys(self) -> list[str]:
        """Groups new alerts went into during this poll (created now or still open from earlier polls)."""
        return list(self._groups.values())

    async def flush(self, conn: AsyncConnection, *, now: float) -> int:
        """Record the page's queued alerts (singly or grouped); returns how many rows were recorded."""
        recorded = 0
        quiet_now = await self._quiet(conn, now=now)
        for key, news in self._page.items():
            if key in quiet_now:
                await self._suppress(conn, key, news, now=now)
            else:
                recorded += await self._record(conn, key, news, now=now)
        self._page.clear()
        return recorded

    async def _quiet(self, conn: AsyncConnection, *, now: float) -> set[StormKey]:
        if not self._page:
            return set()  # no query on the pages that bring no new episode (most of them)
        return {(r.channel_id, r.reason) for r in await quiet.active_quiet(conn, now=now)}

    async def _suppress(self, conn: AsyncConnection, key: StormKey, news: list[NewAlert], *, now: float) -> None:
        channel_id, reason = key
        kept = 0
        for new in news:
            kept += await quiet.record_suppressed(conn, channel_id, reason, new.session_id, new.episode, now=now)
        if kept:
            log.info("alerts.quiet.suppressed", extra={"channel": channel_id, "reason": reason, "count": kept})

    async def _record(self, conn: AsyncConnection, key: StormKey, news: list[NewAlert], *, now: float) -> int:
        channel_id, reason = key
        since = now - self._window
        group_key = self._groups.get(key) or await outbox.open_group(
            conn, channel_id=channel_id, reason=reason, since=since
        )
        if group_key is not None:  # a storm already under way, from this poll or an earlier one
            self._groups[key] = group_key
            return await self._record_members(conn, news, group_key, now=now)
        waiting = await outbox.unposted_singles(conn, channel_id=channel_id, reason=reason, since=since)
        # The same episode may already wait as a single (another replica polled it a moment ago).
        if is_storm(len(waiting.keys() | {(n.session_id, n.episode) for n in news})):
            opened_at = min(n.opened_at for n in news)
            group_key = await outbox.create_group(
                conn, channel_id=channel_id, reason=reason, opened_at=opened_at, now=now
            )
            moved = await outbox.join_group(conn, waiting.values(), group_key, now=now)
            self._groups[key] = group_key
            members = await self._record_members(conn, news, group_key, now=now)
            if not moved and not members:
                await outbox.delete_group(conn, group_key)  # every episode already had an alert here
                del self._groups[key]
            return members
        recorded = 0
        for new in news:
            if await outbox.record_alert(conn, new, now=now) is not None:
                recorded += 1
        return recorded

    async def _record_members(self, conn: AsyncConnection, news: list[NewAlert], group_key: str, *, now: float) -> int:
        recorded = 0
        for new in news:
            if await outbox.record_alert(conn, new, now=now, group_key=group_key) is not None:
                recorded += 1
        if recorded:
            await outbox.touch_group(conn, group_key, now=now)
        return recorded
