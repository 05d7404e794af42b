"""The pure episode rules and channel selection."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.alerts.records import ChannelSubscription, SessionRecord
from bot.alerts.rules import (
    STORM_THRESHOLD,
    Change,
    ChannelRule,
    Observation,
    alert_channels,
    decide,
    effective_channels,
    is_storm,
    is_unchanged,
)

SID = "devin-" + "a" * 32
DEFAULTS = ("out_of_credits", "usage_limit_exceeded", "error")


def seen(status: str, detail: str | None = None, at: int = 1000) -> Observation:
    return Observation(SID, status, detail, at)


def suspended_record(detail: str = "out_of_credits", *, episode: int = 1, since: int = 1000) -> SessionRecord:
    return SessionRecord(SID, "suspended", detail, since, episode=episode, episode_open=True, suspended_since=since)


def test_decide_first_sight_of_a_suspended_session_opens_episode_one() -> None:
    decision = decide(None, seen("suspended", "out_of_credits"))
    assert decision.change is Change.OPENED and decision.reason == "out_of_credits"
    assert (decision.record.episode, decision.record.episode_open, decision.record.suspended_since) == (1, True, 1000)


def test_decide_first_sight_of_a_running_session_changes_nothing() -> None:
    decision = decide(None, seen("running", "working"))
    assert decision.change is Change.NONE
    assert (decision.record.episode, decision.record.episode_open) == (0, False)


def test_decide_running_to_suspended_opens_the_next_episode() -> None:
    previous = SessionRecord(SID, "running", "working", 900, episode=2)
    decision = decide(previous, seen("suspended", "usage_limit_exceeded"))
    assert decision.change is Change.OPENED and decision.record.episode == 3


def test_decide_suspended_again_with_a_newer_timestamp_stays_in_the_episode() -> None:
    decision = decide(suspended_record(), seen("suspended", "out_of_credits", at=1500))
    assert decision.change is Change.NONE
    assert (decision.record.episode, decision.record.updated_at, decision.record.suspended_since) == (1, 1500, 1000)


def test_decide_reason_change_while_suspended() -> None:
    decision = decide(suspended_record(), seen("suspended", "out_of_quota", at=1200))
    assert decision.change is Change.REASON_CHANGED
    assert (decision.reason, decision.previous_reason, decision.record.episode) == ("out_of_quota", "out_of_credits", 1)


@pytest.mark.parametrize("status", ["resuming", "running", "exit", "error", "new", "claimed", "hibernating"])
def test_decide_leaving_suspended_for_any_status_closes_the_episode(status: str) -> None:
    decision = decide(suspended_record(since=1000), seen(status, None, at=1600))
    assert decision.change is Change.CLOSED
    assert (decision.resolved_status, decision.down_seconds, decision.previous_reason) == (
        status,
        600,
        "out_of_credits",
    )
    assert (decision.record.episode, decision.record.episode_open, decision.record.suspended_since) == (1, False, None)


def test_decide_a_later_suspension_is_a_new_episode() -> None:
    closed = decide(suspended_record(), seen("running", "working", at=1100)).record
    again = decide(closed, seen("suspended", "out_of_credits", at=1200))
    assert again.change is Change.OPENED and again.record.episode == 2


def test_decide_a_change_stamped_before_the_stored_one_is_still_a_change() -> None:
    # Devin's clock went back: the status is what counts, not the timestamp.
    previous = suspended_record(since=1000)
    decision = decide(previous, seen("running", "working", at=940))
    assert decision.change is Change.CLOSED and decision.down_seconds == 0
    assert decision.record.updated_at == 940
    reopened = decide(decision.record, seen("suspended", "out_of_credits", at=400))
    assert reopened.change is Change.OPENED and reopened.record.episode == 2


def test_decide_same_state_stamped_earlier_is_no_change() -> None:
    decision = decide(suspended_record(since=1000), seen("suspended", "out_of_credits", at=900))
    assert decision.change is Change.NONE and decision.record.updated_at == 900


def test_decide_same_second_status_change_is_applied() -> None:
    # Timestamps are whole seconds: two changes within one second share updated_at.
    decision = decide(suspended_record(since=1000), seen("running", "working", at=1000))
    assert decision.change is Change.CLOSED and decision.down_seconds == 0


def test_decide_unknown_statuses_and_missing_reason_do_not_crash() -> None:
    assert decide(None, seen("quantum_nap", "zzz")).change is Change.NONE
    opened = decide(None, seen("suspended", None))
    assert opened.change is Change.OPENED and opened.reason is None
    assert alert_channels([ChannelRule("C1", frozenset(DEFAULTS))], opened.reason) == []


def test_is_unchanged_compares_status_detail_and_timestamp() -> None:
    record = suspended_record()
    assert is_unchanged(record, seen("suspended", "out_of_credits", at=1000))
    assert not is_unchanged(record, seen("suspended", "out_of_credits", at=1001))
    assert not is_unchanged(record, seen("suspended", "error", at=1000))
    assert not is_unchanged(None, seen("suspended", "out_of_credits"))


@pytest.mark.parametrize(
    ("reason", "expected"),
    [("out_of_credits", ["C1", "C2"]), ("error", ["C1"]), ("inactivity", []), ("user_request", []), (None, [])],
)
def test_alert_channels_filters_by_each_channels_reasons(reason: str | None, expected: list[str]) -> None:
    rules = [ChannelRule("C1", frozenset(DEFAULTS)), ChannelRule("C2", frozenset({"out_of_credits"}))]
    assert alert_channels(rules, reason) == expected


def _sub(channel: str, enabled: bool, reasons: tuple[str, ...] = ()) -> ChannelSubscription:
    return ChannelSubscription(channel, enabled, reasons, "U1", 1.0)


def test_effective_channels_combines_the_default_and_subscriptions() -> None:
    rules = effective_channels("C0", DEFAULTS, [_sub("C1", True, ("inactivity",)), _sub("C2", True), _sub("C3", False)])
    assert rules == [
        ChannelRule("C0", frozenset(DEFAULTS)),
        ChannelRule("C1", frozenset({"inactivity"})),
        ChannelRule("C2", frozenset(DEFAULTS)),
    ]


def test_effective_channels_an_explicit_off_wins_over_the_default_channel() -> None:
    assert effective_channels("C0", DEFAULTS, [_sub("C0", False)]) == []
    assert effective_channels("C0", DEFAULTS, [_sub("C0", True, ("error",))]) == [
        ChannelRule("C0", frozenset({"error"}))
    ]
    assert effective_channels(None, DEFAULTS, []) == []


def test_is_storm_starts_above_the_threshold() -> None:
    assert not is_storm(STORM_THRESHOLD)
    assert is_storm(STORM_THRESHOLD + 1)


STATUSES = st.sampled_from(["new", "running", "suspended", "resuming", "exit", "error", "hibernating"])
DETAILS = st.sampled_from([None, "working", "inactivity", "out_of_credits", "error", "quantum_nap"])


@given(st.lists(st.tuples(STATUSES, DETAILS, st.integers(min_value=0, max_value=3)), max_size=40))
def test_decide_one_episode_per_entry_into_suspended(steps: list[tuple[str, str | None, int]]) -> None:
    record: SessionRecord | None = None
    at, opened, entries, was_suspended = 1000, 0, 0, False
    for status, detail, gap in steps:
        at += gap
        decision = decide(record, Observation(SID, status, detail, at))
        record = decision.record
        entries += status == "suspended" and not was_suspended
        was_suspended = status == "suspended"
        opened += decision.change is Change.OPENED
        assert record.episode == opened and record.episode_open == was_suspended
    assert opened == entries
