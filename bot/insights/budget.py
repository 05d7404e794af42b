"""ACU budget: which threshold this month's usage has crossed, and when the budget runs out at the recent rate. Pure."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from bot.insights.period import DAY

RATE_DAYS = 7
"""The forecast extrapolates the last seven days' rate."""


@dataclass(frozen=True)
class BudgetStatus:
    """This billing month's usage against the budget, as one budget post shows it."""

    month: str
    """`YYYY-MM` of the billing month (from 08:00 UTC on the 1st)."""
    used: float
    budget: float
    threshold: int
    """The highest threshold (percent) crossed so far."""
    rate_per_day: float
    """ACUs per day over the last RATE_DAYS days."""
    runs_out_at: int | None
    """When the budget is used up at that rate; None when that is after the month ends (or the rate is 0)."""
    month_end: int
    checked_at: int
    estimated: bool
    """Summed from sessions because the consumption permission is missing."""

    @property
    def percent(self) -> float:
        return self.used / self.budget * 100 if self.budget > 0 else 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> BudgetStatus:
        return cls(**json.loads(text))


def crossed(percent: float, thresholds: Sequence[int]) -> int | None:
    """The highest threshold at or below `percent`; None below the lowest."""
    reached = [t for t in thresholds if percent >= t]
    return max(reached) if reached else None


def runs_out_at(used: float, budget: float, rate_per_day: float, now: int, month_end: int) -> int | None:
    """When `used` reaches `budget` at `rate_per_day`; now when already over; None if not before `month_end`."""
    if used >= budget:
        return now
    if rate_per_day <= 0:
        return None
    at = now + int((budget - used) / rate_per_day * DAY)
    return at if at < month_end else None
