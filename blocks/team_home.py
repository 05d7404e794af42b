"""The org at a glance, for App Home: this week's figures, the budget bar, active suspensions, where digests go.

A separate builder composed into `blocks.home.home_view`, so other App Home sections stay independent. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence

from blocks.budget import budget_bar, month_name
from blocks.kit import Block, context, divider, header, lines_within, section
from blocks.text import channel_mention, humanize, inline, plural
from bot.insights.budget import BudgetStatus
from bot.insights.figures import Figures

GLANCE_TITLE = "Your Devin org this week"
LIST_MAX = 1500
FIGURES_UNAVAILABLE = ":hourglass: This week's figures are not available right now; open this tab again in a minute."
NO_BUDGET = "No ACU budget is set (`ACU_BUDGET`), so there are no budget warnings."
BUDGET_NOT_CHECKED = "The ACU budget has not been checked yet since the app started."
NO_DIGESTS = ":calendar: No channel gets a digest yet: run `/devin-insights digest daily 09:00` in one."


def team_glance_blocks(
    figures: Figures | None,
    *,
    budget: BudgetStatus | None,
    budget_set: bool,
    digest_channels: Sequence[tuple[str, str]],
) -> list[Block]:
    """The glance: figures (or why not), budget, suspensions now, and `(channel, schedule)` for each digest."""
    blocks: list[Block] = [divider(), header(GLANCE_TITLE)]
    if figures is None:
        blocks.append(section(FIGURES_UNAVAILABLE))
    else:
        estimate = " _(estimate)_" if figures.counts_estimated or figures.acus_estimated else ""
        blocks.append(
            section(
                f":bar_chart: *{plural(figures.sessions, 'session')}* · *{figures.acus:,.1f} ACUs* · "
                f"*{figures.prs_merged:,}* pull requests merged in the last 7 days{estimate}"
            )
        )
        blocks.append(section(_suspensions(figures)))
    blocks.append(section(_budget(budget, budget_set)))
    blocks.append(section(_digests(digest_channels)))
    blocks.append(context("`/devin-insights summary 30d` for more; figures refresh at most once a minute."))
    return blocks


def _suspensions(figures: Figures) -> str:
    suspended = [s for s in figures.attention if s.status == "suspended"]
    if not suspended:
        return ":white_check_mark: No session is suspended for an alert reason right now."
    lines = [f"{inline(s.title or s.session_id, 80)} ({humanize(s.status_detail)})" for s in suspended]
    shown = lines_within(lines, LIST_MAX, lambda n: f"+{n:,} more", sep=" · ")
    return f":warning: *Suspended now:* {shown}"


def _budget(status: BudgetStatus | None, budget_set: bool) -> str:
    if not budget_set:
        return f":moneybag: {NO_BUDGET}"
    if status is None:
        return f":moneybag: {BUDGET_NOT_CHECKED}"
    estimate = " _(estimate)_" if status.estimated else ""
    return (
        f":moneybag: *ACU budget, {month_name(status.month)}:* {status.used:,.1f} of {status.budget:,.0f}{estimate}\n"
        f"`{budget_bar(status.percent)}`"
    )


def _digests(channels: Sequence[tuple[str, str]]) -> str:
    lines = [f"{mention} {inline(when, 120)}" for channel, when in channels if (mention := channel_mention(channel))]
    if not lines:
        return NO_DIGESTS
    return ":calendar: *Digests:* " + lines_within(lines, LIST_MAX, lambda n: f"+{n:,} more", sep=" · ")
