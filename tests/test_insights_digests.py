"""When a digest is due (bot/insights/digests.py): the latest due time at or before now, daily and weekly, in the
scheduling user's time zone. The engine's ticking over days is in tests/test_insights_engine.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.insights.digests import DAILY, WEEKLY, describe, latest_due, zone
from bot.insights.period import DAY
from bot.insights.records import DigestSchedule

ZONES = ("UTC", "Europe/Paris", "America/New_York", "Pacific/Auckland", "Asia/Kolkata")


def _schedule(cadence: str, weekday: int | None, hour: int, minute: int, tz: str = "UTC") -> DigestSchedule:
    return DigestSchedule("C0DIGEST", cadence, weekday, hour, minute, tz, "U0SCHEDULER", 0.0, None)


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("now", "due"),
    [
        ("2026-12-07T09:00:00", "2026-12-07T09:00:00"),  # Monday at the minute: due now
        ("2026-12-07T08:59:59", "2026-11-30T09:00:00"),  # a second before: still last week's
        ("2026-12-06T23:59:00", "2026-11-30T09:00:00"),  # Sunday night
        ("2026-12-10T12:00:00", "2026-12-07T09:00:00"),  # Thursday
        ("2026-12-14T09:00:01", "2026-12-14T09:00:00"),
    ],
)
def test_weekly_latest_due_is_the_last_monday_at_the_time(now: str, due: str) -> None:
    assert latest_due(_schedule(WEEKLY, 0, 9, 0), _at(now)) == _at(due)


def test_weekly_latest_due_reads_the_weekday_in_the_users_zone() -> None:
    # Monday 08:00 in Auckland (UTC+13 in December) is Sunday 19:00 UTC.
    schedule = _schedule(WEEKLY, 0, 8, 0, "Pacific/Auckland")
    assert latest_due(schedule, _at("2026-12-06T19:00:00")) == _at("2026-12-06T19:00:00")
    assert latest_due(schedule, _at("2026-12-07T18:00:00")) == _at("2026-12-06T19:00:00")
    assert latest_due(schedule, _at("2026-12-06T18:59:00")) == _at("2026-11-29T19:00:00")


def test_weekly_latest_due_keeps_the_local_time_across_dst() -> None:
    # Paris moves from UTC+1 to UTC+2 on Sunday 29 March 2026: Monday 09:00 is 08:00 UTC, then 07:00 UTC.
    schedule = _schedule(WEEKLY, 0, 9, 0, "Europe/Paris")
    assert latest_due(schedule, _at("2026-03-29T12:00:00")) == _at("2026-03-23T08:00:00")
    assert latest_due(schedule, _at("2026-03-30T07:00:00")) == _at("2026-03-30T07:00:00")


def test_describe_names_the_day_the_time_and_the_zone() -> None:
    assert describe(_schedule(WEEKLY, 2, 8, 30, "America/New_York")) == (
        "weekly on Wednesday at 08:30 (America/New_York)"
    )
    assert describe(_schedule(DAILY, None, 9, 0, "Europe/Paris")) == "daily at 09:00 (Europe/Paris)"


@given(
    now=st.integers(min_value=int(_at("2026-01-01T00:00:00")), max_value=int(_at("2028-12-31T00:00:00"))),
    weekday=st.integers(min_value=0, max_value=6),
    hour=st.sampled_from([0, 6, 9, 12, 18, 23]),  # never inside a DST gap in these zones (they shift at 1–3 h)
    minute=st.sampled_from([0, 15, 30, 59]),
    tz=st.sampled_from(ZONES),
)
def test_weekly_latest_due_is_the_chosen_local_day_and_time_within_the_last_week(
    now: int, weekday: int, hour: int, minute: int, tz: str
) -> None:
    due = latest_due(_schedule(WEEKLY, weekday, hour, minute, tz), now)
    local = datetime.fromtimestamp(due, zone(tz))
    assert due <= now < due + 7 * DAY + 3600  # a week, give or take the DST hour between them
    assert (local.weekday(), local.hour, local.minute) == (weekday, hour, minute)
    assert latest_due(_schedule(WEEKLY, weekday, hour, minute, tz), due) == due  # due exactly at its time
