"""The ACU budget warning (posted once a month to the alert channels, updated in place) and its thread notes. Pure."""

from __future__ import annotations

from datetime import datetime

from blocks.kit import Block, Message, context, header, message, section
from blocks.text import inline, slack_date, utc
from bot.insights.budget import BudgetStatus

BAR_CELLS = 20
ESTIMATE_NOTE = (
    ":information_source: Estimated from the sessions' own ACUs: the Devin service user lacks the consumption "
    "permission (*ViewOrgConsumption*)."
)
WHY = "Crossing a threshold updates this message; when credits run out, sessions are suspended (`out_of_credits`)."


def month_name(key: str) -> str:
    """`2026-12` → `December 2026` (the key as given when it is not one)."""
    try:
        return datetime.strptime(key, "%Y-%m").strftime("%B %Y")
    except ValueError:
        return inline(key, 20)


def budget_bar(percent: float) -> str:
    """`▓▓▓▓▓░░░░░ 52%`: a text bar every client renders."""
    share = percent / 100 if percent == percent else 0.0  # NaN draws an empty bar
    filled = max(0, min(BAR_CELLS, round(min(max(share, 0.0), 1.0) * BAR_CELLS)))
    return "▓" * filled + "░" * (BAR_CELLS - filled) + f" {percent:.0f}%"


def _emoji(status: BudgetStatus) -> str:
    return ":rotating_light:" if status.threshold >= 100 else ":warning:" if status.threshold >= 80 else ":chart:"


def forecast_line(status: BudgetStatus) -> str:
    """What the recent rate means for the rest of the month."""
    rate = f"{status.rate_per_day:,.1f} ACUs a day over the last 7 days"
    if status.used >= status.budget:
        return f"The budget is used up ({rate})."
    if status.runs_out_at is not None:
        return f"At the last 7 days' rate ({rate}) the budget runs out on {slack_date(status.runs_out_at)}."
    return f"At the last 7 days' rate ({rate}) the budget lasts until the month ends ({utc(status.month_end)})."


def budget_message(status: BudgetStatus) -> Message:
    """The month's budget warning at its highest threshold so far."""
    title = f"ACU budget: {status.threshold}% of this month's budget used"
    blocks: list[Block] = [
        header(title),
        section(
            f"{_emoji(status)} *{status.used:,.1f}* of *{status.budget:,.0f}* ACUs used in {month_name(status.month)} "
            f"(billing days from 08:00 UTC on the 1st)\n`{budget_bar(status.percent)}`"
        ),
        section(forecast_line(status)),
    ]
    if status.estimated:
        blocks.append(context(ESTIMATE_NOTE))
    blocks.append(context(f"Checked {slack_date(status.checked_at)}. {WHY}"))
    return message(f"{title}: {status.used:,.1f} of {status.budget:,.0f} ACUs", blocks)


def budget_reply(status: BudgetStatus) -> Message:
    """The thread note when a higher threshold is crossed."""
    line = f"{_emoji(status)} Now past *{status.threshold}%*: {status.used:,.1f} of {status.budget:,.0f} ACUs used."
    return message(line, [section(line), context(forecast_line(status))])
