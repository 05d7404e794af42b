"""Aggregation of a window's figures (pure) and the windows themselves: billing days, months, periods."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.insights.figures import Gap
from bot.insights.period import DAY, Window, billing_day, billing_month, month_key
from tests import insights_samples as team


def _ts(*parts: int) -> int:
    return int(datetime(*parts, tzinfo=UTC).timestamp())  # type: ignore[misc]


def test_figures_from_sessions_alone_count_what_the_list_holds() -> None:
    figures = team.figures()
    assert (figures.sessions, figures.sessions_previous) == (5, 2)
    assert figures.merged_sessions == 1
    assert figures.acus == 24.25 and figures.acus_previous == 24.0
    assert (figures.prs_opened, figures.prs_merged) == (2, 1)
    assert figures.by_status == {"exit": 3, "suspended": 1, "running": 1}
    assert figures.by_origin == {"slack": 3, "jira": 1, "webapp": 1}
    assert figures.counts_estimated and figures.acus_estimated
    assert sum(d.acus for d in figures.acus_per_day) == figures.acus


def test_figures_biggest_sessions_are_the_five_largest_of_the_window() -> None:
    top = team.figures().top
    assert [line.session_id for line in top] == [team.hexid(n) for n in (1, 3, 2, 5, 4)]
    assert team.hexid(6) not in {line.session_id for line in top}  # 20 ACUs, but in the previous period


def test_figures_attention_lists_alert_suspensions_and_waiting_sessions() -> None:
    figures = team.figures()
    assert [(a.session_id, a.status_detail) for a in figures.attention] == [
        (team.hexid(3), "out_of_credits"),
        (team.hexid(4), "waiting_for_user"),
    ]
    inactivity = team.session(9, ago=0.1, status="suspended", status_detail="inactivity")
    assert team.figures([inactivity]).attention_total == 0  # not an alert reason


def test_figures_aggregate_devins_analyses_without_inventing_any() -> None:
    figures = team.figures()
    assert figures.analysed == 2
    assert figures.labels == [("Testing", 2), ("CI", 1)]
    assert [(g.type, g.count, g.example) for g in figures.action_groups] == [("knowledge", 1, "Add a note")]


def test_figures_label_counted_once_per_session() -> None:
    one = team.session(1, ago=1, analysis=team.analysis("Testing", "Testing", " testing "))
    assert team.figures([one]).labels == [("Testing", 1), ("testing", 1)]


def test_figures_org_parts_win_over_the_session_list() -> None:
    figures = team.with_org_parts()
    assert (figures.sessions, figures.sessions_previous, figures.merged_sessions) == (40, 32, 10)
    assert figures.by_origin == {"api": 25, "slack": 15}
    assert (figures.prs_opened, figures.prs_merged) == (14, 9)
    assert figures.acus == sum(10.0 + i for i in range(8))
    assert not figures.counts_estimated and not figures.acus_estimated
    assert figures.acus_window == team.WINDOW.billing()
    assert figures.by_status == {"exit": 3, "suspended": 1, "running": 1}  # metrics have no status: the list


def test_figures_keep_the_gaps_they_were_given() -> None:
    assert team.degraded().gaps == (Gap("metrics", "ViewOrgMetrics"), Gap("consumption", "ViewOrgConsumption"))


def test_figures_of_an_empty_org() -> None:
    figures = team.figures([])
    assert (figures.sessions, figures.acus, figures.merged_share, figures.top) == (0, 0, None, [])


def test_billing_day_starts_at_eight_utc() -> None:
    assert billing_day(_ts(2026, 12, 1, 7, 59)) == _ts(2026, 11, 30, 8)
    assert billing_day(_ts(2026, 12, 1, 8, 0)) == _ts(2026, 12, 1, 8)
    assert Window(_ts(2026, 12, 1, 3), _ts(2026, 12, 2)).billing().start == _ts(2026, 11, 30, 8)


def test_billing_month_rolls_over_at_eight_utc_on_the_first() -> None:
    assert month_key(_ts(2026, 12, 1, 7, 59)) == "2026-11"
    assert month_key(_ts(2026, 12, 1, 8, 0)) == "2026-12"
    december = billing_month(_ts(2026, 12, 15))
    assert (december.start, december.end) == (_ts(2026, 12, 1, 8), _ts(2027, 1, 1, 8))


def test_window_previous_has_the_same_length() -> None:
    window = Window.last_days(7, 1_000_000)
    assert window.previous() == Window(1_000_000 - 14 * DAY, 1_000_000 - 7 * DAY)
    assert window.holds(window.start) and not window.holds(window.end)
