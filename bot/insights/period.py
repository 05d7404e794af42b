"""Time windows for team figures: plain periods, Devin's billing days (08:00 UTC) and calendar months. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

DAY = 86_400
BILLING_DAY_OFFSET = 8 * 3600
"""Devin's billing days start at 08:00 UTC (midnight PST, reference §16.2)."""
PERIOD_DEFAULT_DAYS = 7
PERIOD_MAX_DAYS = 90


@dataclass(frozen=True)
class Window:
    """`[start, end)` in Unix seconds."""

    start: int
    end: int

    @classmethod
    def last_days(cls, days: int, now: float) -> Window:
        """The `days` days ending now."""
        end = int(now)
        return cls(end - days * DAY, end)

    @property
    def seconds(self) -> int:
        return self.end - self.start

    @property
    def days(self) -> float:
        return self.seconds / DAY

    def previous(self) -> Window:
        """The window of the same length just before this one."""
        return Window(self.start - self.seconds, self.start)

    def holds(self, ts: int) -> bool:
        return self.start <= ts < self.end

    def billing(self) -> Window:
        """The billing days this window touches: from the start of its first billing day to its end."""
        return Window(billing_day(self.start), self.end)


def billing_day(ts: int) -> int:
    """The start (Unix seconds) of the billing day holding `ts`."""
    return (ts - BILLING_DAY_OFFSET) // DAY * DAY + BILLING_DAY_OFFSET


def billing_month(now: float) -> Window:
    """The calendar month holding `now`, in billing days: from 08:00 UTC on the 1st to 08:00 UTC on the next 1st."""
    day = datetime.fromtimestamp(billing_day(int(now)), UTC)
    start = day.replace(day=1)
    following = (
        start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    )
    return Window(int(start.timestamp()), int(following.timestamp()))


def month_key(now: float) -> str:
    """`YYYY-MM` of the billing month holding `now`."""
    return datetime.fromtimestamp(billing_month(now).start, UTC).strftime("%Y-%m")
