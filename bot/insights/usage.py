"""This billing month's ACU usage from Devin: daily consumption when the key may read it, else the sessions' sums."""

from __future__ import annotations

import logging

from bot.devin.client import DevinClient
from bot.devin.errors import DevinAuthError
from bot.devin.filters import SessionFilters
from bot.insights.budget import RATE_DAYS, BudgetStatus, crossed, runs_out_at
from bot.insights.period import DAY, billing_day, billing_month, month_key

log = logging.getLogger(__name__)


async def month_usage(devin: DevinClient, budget: float, thresholds: tuple[int, ...], now: float) -> BudgetStatus:
    """Usage this month and the last seven days' rate, in one request (consumption) or one paged listing.

    Raises:
        DevinError: Devin could not be read (the caller tries again at the next check).
    """
    month = billing_month(now)
    today = billing_day(int(now))
    rate_start = today - (RATE_DAYS - 1) * DAY  # the last seven billing days, today included
    since = min(month.start, rate_start)
    estimated = False
    try:
        consumption = await devin.get_daily_consumption(since, int(now))
        days = {d.date: d.acus for d in consumption.consumption_by_date}
    except DevinAuthError:
        log.info("budget.consumption.forbidden")
        estimated = True
        days = {}
        async for session in devin.list_sessions(SessionFilters(created_after=since)):
            day = billing_day(session.created_at)
            days[day] = days.get(day, 0.0) + session.acus_consumed
    used = round(sum(a for d, a in days.items() if month.start <= d < month.end), 2)
    rate = sum(a for d, a in days.items() if d >= rate_start) / RATE_DAYS
    percent = used / budget * 100
    return BudgetStatus(
        month=month_key(now),
        used=used,
        budget=budget,
        threshold=crossed(percent, thresholds) or 0,
        rate_per_day=round(rate, 2),
        runs_out_at=runs_out_at(used, budget, rate, int(now), month.end),
        month_end=month.end,
        checked_at=int(now),
        estimated=estimated,
    )
