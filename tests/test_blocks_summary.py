"""The summary card and chart builders: limits and escaping for any sessions, and the chart's text twin."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from blocks.budget import budget_message, budget_reply
from blocks.chart import BARS_MAX, bar_chart, bucketed
from blocks.digest import digest_message, digest_schedule_message
from blocks.home import home_view
from blocks.summary import summary_message
from blocks.team_home import team_glance_blocks
from bot.devin.models import SessionInsights
from bot.insights.figures import Gap, OrgData, aggregate
from tests import insights_samples as team
from tests.blockkit_limits import assert_message_limits, assert_no_unescaped_control, assert_view_limits, mrkdwn_texts
from tests.test_blocks_properties import HOSTILE, SETTINGS, insights, texts

in_window = st.integers(team.WINDOW.previous().start, team.WINDOW.end - 1)
gaps = st.lists(st.builds(Gap, st.sampled_from(["metrics", "consumption"]), st.none() | texts), max_size=2)


def _placed(item: SessionInsights, created: int) -> SessionInsights:
    return item.model_copy(update={"created_at": created})


@SETTINGS
@given(
    st.lists(st.builds(_placed, insights, in_window), max_size=10),
    gaps,
    st.none() | st.sampled_from(["U024BE7LH", "<!channel>"]) | texts,
    st.sampled_from(HOSTILE) | texts,
)
def test_summary_any_sessions_within_limits_and_escaped(
    rows: list[SessionInsights], missing: list[Gap], user: Any, title: str
) -> None:
    figures = aggregate(OrgData(rows, gaps=tuple(missing)), team.WINDOW, alert_reasons=team.REASONS)
    message = summary_message(
        app_url="https://app.devin.ai", figures=figures, title=title, shareable_days=7, shared_by_user_id=user
    )
    assert_message_limits(message)
    assert_no_unescaped_control(message, allowed_hosts={"app.devin.ai"})  # links from app_url, never Devin's url


def test_summary_hostile_strings_never_ping_or_link() -> None:
    message = summary_message(
        app_url="https://app.devin.ai",
        figures=team.figures(team.hostile_sessions()),
        title="<!channel> hi",
        shared_by_user_id="<!here>",
    )
    text = json.dumps(list(mrkdwn_texts(message)), ensure_ascii=False)  # plain_text (the header) parses no markup
    assert "<!channel>" not in text and "<!here>" not in text and "<https://evil.example" not in text
    assert_no_unescaped_control(message, allowed_hosts=("app.devin.ai", "github.com"))


def test_summary_chart_has_a_text_twin_with_the_same_numbers() -> None:
    message = summary_message(app_url="https://app.devin.ai", figures=team.with_org_parts(), title="t")
    (chart,) = [b for b in message["blocks"] if b["type"] == "data_visualization"]
    twin = message["blocks"][message["blocks"].index(chart) + 1]["elements"][0]["text"]
    for point in chart["chart"]["series"][0]["data"]:
        assert f"{point['label']} {point['value']:,.2f}" in twin


def test_summary_without_acus_has_no_chart() -> None:
    message = summary_message(app_url="https://app.devin.ai", figures=team.figures([]), title="t")
    assert not [b for b in message["blocks"] if b["type"] == "data_visualization"]


def test_chart_buckets_long_periods_and_keeps_the_sum() -> None:
    points = [(f"d{n}", 1.0) for n in range(90)]
    bars = bucketed(points)
    assert len(bars) <= BARS_MAX and sum(v for _, v in bars) == 90
    block = bar_chart("x" * 80, bars, series="ACUs", y_label="ACUs")
    assert len(block["title"]) <= 50
    assert_message_limits({"text": "t", "blocks": [block]})


def test_summary_links_come_from_the_app_url_and_the_id_not_from_devins_url() -> None:
    rows = [team.session(1, ago=1, acus=5.0, url="https://evil.example/phish"), team.session(2, ago=1, session_id="x")]
    message = summary_message(app_url="https://devin.example.com/", figures=team.figures(rows), title="t")
    text = json.dumps(message)
    assert "evil.example" not in text
    assert f"<https://devin.example.com/sessions/{1:032x}|Session 1>" in text
    assert "Session 2" in text and "devin.example.com/sessions/x" not in text  # no link for a bad id


budgets = st.builds(
    team.budget,
    used=st.floats(allow_nan=True, allow_infinity=True),
    budget=st.floats(min_value=0.001, max_value=1e12),
    threshold=st.integers(0, 1000),
    rate_per_day=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e12),
    runs_out_at=st.none() | st.integers(-(2**40), 2**40),
    month=st.sampled_from(["2026-12", "bogus"]) | texts,
    estimated=st.booleans(),
)


@SETTINGS
@given(budgets)
def test_budget_builders_any_status_within_limits(status: Any) -> None:
    for message in (budget_message(status), budget_reply(status)):
        assert_message_limits(message)
        assert_no_unescaped_control(message, allowed_hosts=())


@SETTINGS
@given(st.none() | texts, texts, st.none() | texts, st.none() | texts, st.none() | st.integers(0, 2**34))
def test_digest_builders_any_text_within_limits(
    who: str | None, when: str, error: str | None, fix: str | None, due: int | None
) -> None:
    digest = digest_message(
        team.figures(), cadence="daily", when=when, scheduled_by=who, app_url="https://app.devin.ai"
    )
    schedule = digest_schedule_message(
        channel_id="C0123ABCDEF", when=when, scheduled_by=who, next_due_at=due, last_error=error, last_error_fix=fix
    )
    for message in (digest, schedule):
        assert_message_limits(message)
        assert_no_unescaped_control(message, allowed_hosts=("app.devin.ai",))


@SETTINGS
@given(
    st.lists(st.builds(_placed, insights, in_window), max_size=6),
    st.none() | budgets,
    st.lists(st.tuples(st.sampled_from(["C0123ABCDEF", "bogus"]) | texts, texts), max_size=5),
)
def test_team_glance_any_input_within_limits(rows: list[SessionInsights], budget: Any, digests: Any) -> None:
    figures = aggregate(OrgData(rows), team.WINDOW, alert_reasons=team.REASONS)
    view = home_view(
        alert_channels=[], sections=team_glance_blocks(figures, budget=budget, budget_set=True, digest_channels=digests)
    )
    assert_view_limits(view)
    assert_no_unescaped_control(view, allowed_hosts=())
