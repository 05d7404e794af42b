"""Storm grouping: many new episodes with one reason, in one poll, for one channel → one grouped alert.

The poller records alerts page by page (one transaction each), but a storm may straddle pages,
so the tracker keeps the poll's counts across pages. When a (channel, reason) passes the
threshold it gets a group; the alerts recorded singly on earlier pages of the same poll join it
if they have not been posted yet (a conditional update: another replica may already be posting
them, and then they stay single — never lost, never doubled).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.alerts.records import NewAlert
from bot.alerts.rules import is_storm
from bot.store import outbox

StormKey = tuple[str, str]
"""(channel_id, reason)"""


class StormTracker:
    """Per-poll bookkeeping of new alerts; `add()` while applying a page, `flush()` inside its transaction."""

    def __init__(self) -> None:
        self._page: dict[StormKey, list[NewAlert]] = defaultdict(list)
        self._singles: dict[StormKey, list[int]] = defaultdict(list)
        self._groups: dict[StormKey, str] = {}

    def add(self, alert: NewAlert) -> None:
        """Queue a new alert of the current page."""
        self._page[(alert.channel_id, alert.reason)].append(alert)

    @property
    def group_keys(self) -> list[str]:
        """Groups created during this poll."""
        return list(self._groups.values())

    async def flush(self, conn: AsyncConnection, *, now: float) -> int:
        """Record the page's queued alerts (singly or grouped); returns how many rows were recorded."""
        recorded = 0
        for key, news in self._page.items():
            recorded += await self._record(conn, key, news, now=now)
        self._page.clear()
        return recorded

    async def _record(self, conn: AsyncConnection, key: StormKey, news: list[NewAlert], *, now: float) -> int:
        group_key = self._groups.get(key)
        if group_key is None and is_storm(len(self._singles[key]) + len(news)):
            channel_id, reason = key
            opened_at = min(n.opened_at for n in news)
            group_key = await outbox.create_group(
                conn, channel_id=channel_id, reason=reason, opened_at=opened_at, now=now
            )
            moved = await outbox.join_group(conn, self._singles.pop(key, []), group_key, now=now)
            self._groups[key] = group_key
            members = await self._record_members(conn, news, group_key, now=now)
            if not moved and not members:
                await outbox.delete_group(conn, group_key)  # every episode already had an alert here
                del self._groups[key]
            return members
        if group_key is not None:
            return await self._record_members(conn, news, group_key, now=now)
        recorded = 0
        for new in news:
            alert_id = await outbox.record_alert(conn, new, now=now)
            if alert_id is not None:
                self._singles[key].append(alert_id)
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
