"""When a channel's digest is due, in the scheduling user's time zone (zoneinfo: DST-correct). Pure."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.insights.period import DAY
from bot.insights.records import DigestSchedule

DAILY = "daily"
WEEKLY = "weekly"
FALLBACK_TZ = "UTC"


def zone(name: str) -> ZoneInfo:
    """The IANA zone, or UTC when Slack gave a name this system does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(FALLBACK_TZ)


def cadence_seconds(cadence: str) -> int:
    return 7 * DAY if cadence == WEEKLY else DAY


def latest_due(schedule: DigestSchedule, now: float) -> int:
    """The most recent due time at or before `now` (Unix seconds), walking back over local dates.

    A local time a DST change skips (02:30 on the spring-forward night) is read with the offset before the
    change, as zoneinfo does for fold=0, so it still falls on that day.
    """
    tz = zone(schedule.tz)
    local_now = datetime.fromtimestamp(now, tz)
    at = time(schedule.hour, schedule.minute)
    for back in range(8):
        day = local_now.date() - timedelta(days=back)
        if schedule.cadence == WEEKLY and day.weekday() != schedule.weekday:
            continue
        due = int(datetime.combine(day, at, tzinfo=tz).timestamp())
        if due <= now:
            return due
    raise AssertionError("a daily or weekly due time always lies within the last eight days")


def describe(schedule: DigestSchedule) -> str:
    """`daily at 09:00 (Europe/Paris)`, `weekly on Monday at 08:30 (America/New_York)`."""
    clock = f"{schedule.hour:02d}:{schedule.minute:02d}"
    if schedule.cadence == WEEKLY and schedule.weekday is not None:
        day = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[schedule.weekday]
        return f"weekly on {day} at {clock} ({schedule.tz})"
    return f"daily at {clock} ({schedule.tz})"
