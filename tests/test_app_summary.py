"""`/devin-insights summary` end to end: signed requests, the Slack stand-in, the simulated org over real HTTP.

Expected figures are computed here from the simulator's own sessions, never from the app's code.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.ids import ActionId
from bot.insights.listing import SLICES_MAX
from bot.insights.period import DAY, billing_day
from bot.listeners.deps import InsightsTiming
from bot.sandbox import SANDBOX_CHANNEL_ID
from tests.blockkit_limits import assert_message_limits, assert_no_unescaped_control
from tests.fixtures_app import RunningApp, running_app

HOSTS = ("app.devin.ai", "github.com")
MEMBER_PATH = "/members/users/"
_SESSION_LINK = re.compile(r"<https://app\.devin\.ai/sessions/([0-9a-f]{32})\|")


@pytest.fixture
async def frozen(tmp_path: Any) -> AsyncIterator[tuple[RunningApp, float]]:
    now = float(int(time.time()))  # whole seconds, as Devin's timestamps and the app's windows are
    async with running_app(tmp_path, clock=lambda: now) as running:
        yield running, now


def _text(message: dict[str, Any]) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def _figure(card: dict[str, Any], pattern: str) -> str:
    match = re.search(pattern, _text(card))
    assert match is not None, f"{pattern!r} not in the card"
    return match.group(1)


def _created(live: RunningApp, now: float, days: int) -> list[dict[str, Any]]:
    return [s for s in live.devin.sessions() if now - days * DAY <= s["created_at"] < now]


def _top_label(rows: list[dict[str, Any]]) -> str:
    counts: Counter[str] = Counter()
    for row in rows:
        if row.get("analysis"):
            counts.update({i["label"] for i in row["analysis"].get("issues") or [] if i.get("label")})
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


async def _summary(live: RunningApp, text: str) -> dict[str, Any]:
    result, hook = await live.command(text)
    assert result.status == 200 and result.body == ""  # ack first; the card follows
    (card,) = await live.responses(hook)
    assert card["response_type"] == "ephemeral"
    assert_message_limits(card)
    assert_no_unescaped_control(card, allowed_hosts=HOSTS)
    return card


@pytest.mark.parametrize("days", [7, 30])
async def test_summary_figures_equal_what_the_org_holds(frozen: tuple[RunningApp, float], days: int) -> None:
    live, now = frozen
    card = await _summary(live, f"summary {days}d")
    created = _created(live, now, days)
    merged = [s for s in created if any(p.get("pr_state") == "merged" for p in s["pull_requests"])]
    # Consumption is per billing day (from 08:00 UTC): the ACU figure covers the window's billing days.
    first_day = billing_day(int(now - days * DAY))
    acus = sum(s["acus_consumed"] for s in live.devin.sessions() if first_day <= s["created_at"] < now)
    assert int(_figure(card, r"\*([\d,]+) sessions\* created")) == len(created)
    assert int(_figure(card, r"([\d,]+) sessions? merged a pull request")) == len(merged)
    assert float(_figure(card, r"\*([\d,.]+) ACUs\* consumed").replace(",", "")) == pytest.approx(acus, abs=0.01)
    biggest = max(created, key=lambda s: s["acus_consumed"])
    assert _figure(card, r"Biggest sessions by ACUs\*\\n• <[^|]+\|([^>]+)>") == biggest["title"]
    assert f"*Most common issues:* {_top_label(created)} (" in _text(card)
    assert "data_visualization" in _text(card) and "ACUs per billing day:" in _text(card)
    assert "(estimate)" not in _text(card)
    assert ActionId.SHARE_SUMMARY.value in _text(card)


def _headline(card: dict[str, Any]) -> list[str]:
    """The card's three headline lines: sessions, ACUs, pull requests."""
    for block in card["blocks"]:
        text = (block.get("text") or {}).get("text", "")
        if text.startswith(":bar_chart:"):
            lines = str(text).split("\n")
            assert len(lines) == 3, text
            return lines
    raise AssertionError("no headline in the card")


def _biggest_title(card: dict[str, Any]) -> str:
    return _figure(card, r"Biggest sessions by ACUs\*\\n• <[^|]+\|([^>]+)>")


def _gap_lines(card: dict[str, Any]) -> list[str]:
    return re.findall(r":information_source: ([^\"]+)", _text(card))


def _before_the_window_on_its_first_billing_day(live: RunningApp, now: float, days: int) -> None:
    """A 50-ACU session that Devin's consumption counts (its billing day is the window's first) and the
    sessions' own ACUs do not (it was created before the window), so the card's ACU figure shows its source."""
    first_day = billing_day(int(now - days * DAY))
    if first_day < now - days * DAY:  # else the window starts exactly at 08:00 UTC and both sources agree
        live.devin.add_session(status="exit", created_at=first_day, acus_consumed=50.0)


@pytest.mark.parametrize("days", [7, 30])
async def test_summary_without_both_permissions_estimates_every_figure_and_the_biggest_session(
    frozen: tuple[RunningApp, float], days: int
) -> None:
    live, now = frozen
    live.devin.metrics_permission = live.devin.consumption_permission = False
    card = await _summary(live, f"summary {days}d")
    created = _created(live, now, days)
    merged = [s for s in created if any(p.get("pr_state") == "merged" for p in s["pull_requests"])]
    sessions, acus_line, prs = _headline(card)
    assert int(_figure(card, r"\*([\d,]+) sessions\* created")) == len(created)
    assert int(_figure(card, r"([\d,]+) sessions? merged a pull request")) == len(merged)
    acus = sum(s["acus_consumed"] for s in created)
    assert float(_figure(card, r"\*([\d,.]+) ACUs\* consumed").replace(",", "")) == pytest.approx(acus, abs=0.01)
    assert _biggest_title(card) == max(created, key=lambda s: s["acus_consumed"])["title"]
    assert all("_(estimate)_" in line for line in (sessions, acus_line, prs))
    assert f"*Most common issues:* {_top_label(created)} (" in _text(card)
    gaps = _gap_lines(card)
    assert len(gaps) == 2 and "*ViewOrgMetrics*" in gaps[0] + gaps[1] and "*ViewOrgConsumption*" in gaps[0] + gaps[1]


async def test_summary_without_only_consumption_keeps_devin_counts_and_estimates_only_the_acus(
    frozen: tuple[RunningApp, float],
) -> None:
    live, now = frozen
    live.devin.consumption_permission = False
    _before_the_window_on_its_first_billing_day(live, now, 7)
    card = await _summary(live, "summary 7d")
    created = _created(live, now, 7)
    sessions, acus_line, prs = _headline(card)
    assert "_(estimate)_" not in sessions and "_(estimate)_" not in prs  # the metrics endpoints answered
    assert "_(estimate)_" in acus_line
    assert int(_figure(card, r"\*([\d,]+) sessions\* created")) == len(created)
    acus = sum(s["acus_consumed"] for s in created)  # the sessions' own ACUs, for exactly the window
    assert float(_figure(card, r"\*([\d,.]+) ACUs\* consumed").replace(",", "")) == pytest.approx(acus, abs=0.01)
    assert _biggest_title(card) == max(created, key=lambda s: s["acus_consumed"])["title"]
    [gap] = _gap_lines(card)
    assert gap.startswith("ACUs are estimated") and "*ViewOrgConsumption*" in gap
    assert "ViewOrgMetrics" not in _text(card)
    assert live.devin.requests_to("/metrics/sessions") and live.devin.requests_to("/metrics/prs")


async def test_summary_without_only_metrics_keeps_devin_acus_and_estimates_only_the_counts(
    frozen: tuple[RunningApp, float],
) -> None:
    live, now = frozen
    live.devin.metrics_permission = False
    _before_the_window_on_its_first_billing_day(live, now, 7)
    card = await _summary(live, "summary 7d")
    created = _created(live, now, 7)
    merged = [s for s in created if any(p.get("pr_state") == "merged" for p in s["pull_requests"])]
    sessions, acus_line, prs = _headline(card)
    assert "_(estimate)_" in sessions and "_(estimate)_" in prs
    assert "_(estimate)_" not in acus_line and "(estimate)" not in _figure(card, r"\"(ACUs per billing day[^\"]*)\"")
    assert int(_figure(card, r"\*([\d,]+) sessions\* created")) == len(created)
    assert int(_figure(card, r"([\d,]+) sessions? merged a pull request")) == len(merged)
    first_day = billing_day(int(now - 7 * DAY))  # consumption's own figure: the window's billing days
    acus = sum(s["acus_consumed"] for s in live.devin.sessions() if first_day <= s["created_at"] < now)
    assert float(_figure(card, r"\*([\d,.]+) ACUs\* consumed").replace(",", "")) == pytest.approx(acus, abs=0.01)
    [gap] = _gap_lines(card)
    assert gap.startswith("Counts and pull requests are estimated") and "*ViewOrgMetrics*" in gap
    assert "ViewOrgConsumption" not in _text(card)
    assert live.devin.requests_to("/consumption/daily")


async def test_summary_costs_pages_not_sessions_and_a_repeat_is_cached(frozen: tuple[RunningApp, float]) -> None:
    live, _ = frozen
    live.devin.add_many(900, acus_consumed=1.5)
    await _summary(live, "summary 30d")
    listing = live.devin.requests_to("/sessions/insights")
    pages = -(-len(live.devin.sessions()) // 200)  # every session was updated in the window
    # The first page, then concurrent slices: each may end on a partial page (bot/insights/listing.py).
    assert pages <= len(listing) <= 1 + pages + SLICES_MAX
    members = [r for r in live.devin.requests if MEMBER_PATH in r.path]  # the listed creators' names
    assert len(live.devin.requests) == len(listing) + 4 + len(members)  # metrics ×2, prs, consumption
    before = len(live.devin.requests)
    await _summary(live, "summary 30d")
    assert len(live.devin.requests) == before


async def test_summary_share_posts_the_same_figures_in_the_channel(frozen: tuple[RunningApp, float]) -> None:
    live, _ = frozen
    card = await _summary(live, "summary")
    fetched = len(live.devin.requests)
    result, _ = await live.click(ActionId.SHARE_SUMMARY.value, "7")
    assert result.status == 200
    (post,) = await live.slack.wait_for("chat.postMessage", count=1)
    assert post.body["channel"] == SANDBOX_CHANNEL_ID
    shared = json.dumps(post.body["blocks"], ensure_ascii=False)
    assert _figure(card, r"\*([\d,]+) sessions\* created") in shared and "Shared by <@" in shared
    assert ActionId.SHARE_SUMMARY.value not in shared
    assert len(live.devin.requests) == fetched  # the cache answered


@pytest.mark.parametrize(
    ("text", "says"),
    [("summary 0d", "1 to 90 days"), ("summary 400d", "1 to 90 days"), ("summary yesterday", "is not a period")],
)
async def test_summary_bad_periods_get_a_clear_sentence(live: RunningApp, text: str, says: str) -> None:
    result, hook = await live.command(text)
    assert result.status == 200
    (reply,) = await live.responses(hook)
    assert says in _text(reply)
    assert live.devin.requests == []


async def test_summary_devin_down_is_one_sentence(live: RunningApp) -> None:
    live.devin.inject(status=503, path_contains="/sessions/insights", times=-1)
    result, hook = await live.command("summary")
    (reply,) = await live.responses(hook)
    assert "Devin" in _text(reply) and "sessions created" not in _text(reply)


async def test_summary_slow_fetch_first_says_it_is_counting_then_replaces_that(tmp_path: Any) -> None:
    timing = InsightsTiming(poll_interval=0.05, still_working_after=30.0, give_up_after=5.0, summary_notice_after=0.2)
    async with running_app(tmp_path, timing=timing) as live:
        live.devin.inject(latency=1.0, path_contains="/sessions/insights")
        result, hook = await live.command("summary 30d")
        assert result.status == 200 and result.body == ""
        notice, card = await live.responses(hook, count=2)
        assert "Counting the last 30 days" in _text(notice) and notice["replace_original"] is False
        assert "sessions* created" in _text(card) and card["replace_original"] is True
        assert_message_limits(card)


async def test_summary_fast_fetch_is_one_reply(frozen: tuple[RunningApp, float]) -> None:
    live, _ = frozen
    result, hook = await live.command("summary")
    (card,) = await live.responses(hook)
    assert "sessions* created" in _text(card)
    with pytest.raises(AssertionError):  # nothing else arrives
        await live.responses(hook, count=2, timeout=0.5)


def _listed_creators(live: RunningApp, card: dict[str, Any]) -> dict[str, str]:
    """Devin user id → the simulated member's name, for the sessions the card lists by line."""
    listed = {"devin-" + hex_id for hex_id in _SESSION_LINK.findall(_text(card))}
    users = {s["user_id"] for s in live.devin.sessions() if s["session_id"] in listed and s.get("user_id")}
    return {uid: str(live.devin.members.members[uid]["name"]) for uid in users if uid in live.devin.members.members}


async def test_summary_names_the_listed_creators_with_one_lookup_each_over_2000_sessions(
    frozen: tuple[RunningApp, float],
) -> None:
    live, _ = frozen
    for n in range(20):  # 2,000 small sessions by 20 other people: none of them is listed
        live.devin.add_many(100, acus_consumed=0.01, user_id=f"user-synthetic{n:02d}", status="exit")
    card = await _summary(live, "summary 30d")
    named = _listed_creators(live, card)
    assert len(named) >= 3  # the seed's biggest and waiting sessions have several creators
    looked_up = [r.path.rsplit("/", 1)[-1] for r in live.devin.requests if MEMBER_PATH in r.path]
    assert sorted(looked_up) == sorted(set(looked_up))  # one lookup per distinct person
    assert set(looked_up) <= set(named) | {
        s["user_id"] for s in live.devin.sessions() if s.get("user_id") and "synthetic" not in s["user_id"]
    }
    assert not any("synthetic" in uid for uid in looked_up)  # never the 2,000 sessions' creators
    text = _text(card)
    for name in named.values():
        assert f"· by {name}" in text
    assert "<@" not in text  # names, never mentions
    before = len(looked_up)
    await _summary(live, "summary 7d")  # another fetch: the people are cached
    assert len([r for r in live.devin.requests if MEMBER_PATH in r.path]) == before


async def test_summary_without_the_membership_permission_shows_devin_ids(frozen: tuple[RunningApp, float]) -> None:
    live, _ = frozen
    live.devin.members.view_membership = False
    card = await _summary(live, "summary 30d")
    listed = _listed_creators(live, card)
    assert listed and all(f"· by `{uid}`" in _text(card) for uid in listed)
    assert not any(name in _text(card) for name in listed.values())
