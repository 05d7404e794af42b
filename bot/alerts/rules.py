"""Suspension episodes and who hears about them: pure decisions, no I/O.

An *episode* is one uninterrupted stay in `status == "suspended"`. It opens when a session is
first seen suspended (whatever the reason: the reason only decides which channels are told),
may change reason while it lasts, and closes when the session is seen in any other status,
known or not. The next suspension is a new episode with the next number, so it alerts again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from bot.alerts.records import ChannelSubscription, SessionRecord
from bot.devin.models import SessionStatus

STORM_THRESHOLD = 3
"""More new episodes than this, with one reason, for one channel, not yet posted → one grouped alert."""
STORM_WINDOW_SECONDS = 300
"""A storm's group stays open for new members while one joined within this long."""


class Change(StrEnum):
    """What an observation means for the session's episode."""

    NONE = "none"
    """Nothing anyone needs to hear (stored state is refreshed)."""
    OPENED = "opened"
    """The session entered `suspended`: a new episode."""
    REASON_CHANGED = "reason_changed"
    """Still suspended, for a different reason."""
    CLOSED = "closed"
    """The session left `suspended`: the episode is over."""


@dataclass(frozen=True)
class Observation:
    """A session's state as the API just returned it."""

    session_id: str
    status: str
    status_detail: str | None
    updated_at: int


@dataclass(frozen=True)
class Decision:
    """The outcome of one observation: what changed, and the state to store."""

    change: Change
    record: SessionRecord
    reason: str | None = None
    """The suspension reason now (OPENED, REASON_CHANGED)."""
    previous_reason: str | None = None
    """The reason before (REASON_CHANGED), or the episode's last reason (CLOSED)."""
    resolved_status: str | None = None
    """The status the session left `suspended` for (CLOSED)."""
    down_seconds: int | None = None
    """How long the episode lasted, by Devin's clock (CLOSED)."""


@dataclass(frozen=True)
class ChannelRule:
    """One channel that receives alerts, and for which reasons."""

    channel_id: str
    reasons: frozenset[str]


def is_unchanged(previous: SessionRecord | None, seen: Observation) -> bool:
    """True when the stored state already matches: the cheap skip for sessions seen again."""
    return previous is not None and (previous.status, previous.status_detail, previous.updated_at) == (
        seen.status,
        seen.status_detail,
        seen.updated_at,
    )


def decide(previous: SessionRecord | None, seen: Observation) -> Decision:
    """Apply one observation to the stored state of its session.

    What the API says now is the truth: a change of status or reason is a change even when its
    `updated_at` is older than the stored one (Devin's clock went back), and the stored
    `updated_at` follows the API's either way. Timestamps only measure durations here.
    """
    suspended = seen.status == SessionStatus.SUSPENDED
    base = previous or SessionRecord(seen.session_id, seen.status, seen.status_detail, seen.updated_at)
    record = replace(base, status=seen.status, status_detail=seen.status_detail, updated_at=seen.updated_at)
    was_open = previous is not None and previous.episode_open
    if suspended and not was_open:
        opened = replace(record, episode=base.episode + 1, episode_open=True, suspended_since=seen.updated_at)
        return Decision(Change.OPENED, opened, reason=seen.status_detail)
    if suspended:
        if previous is not None and previous.status_detail != seen.status_detail:
            return Decision(
                Change.REASON_CHANGED, record, reason=seen.status_detail, previous_reason=previous.status_detail
            )
        return Decision(Change.NONE, record, reason=seen.status_detail)
    if was_open and previous is not None:
        since = previous.suspended_since if previous.suspended_since is not None else previous.updated_at
        closed = replace(record, episode_open=False, suspended_since=None)
        return Decision(
            Change.CLOSED,
            closed,
            previous_reason=previous.status_detail,
            resolved_status=seen.status,
            down_seconds=max(0, seen.updated_at - since),  # 0 when the clock went back
        )
    return Decision(Change.NONE, record)


def alert_channels(channels: Iterable[ChannelRule], reason: str | None) -> list[str]:
    """The channels that want an alert for this suspension reason."""
    if reason is None:
        return []
    return [rule.channel_id for rule in channels if reason in rule.reasons]


def effective_channels(
    default_channel: str | None, default_reasons: Collection[str], subscriptions: Sequence[ChannelSubscription]
) -> list[ChannelRule]:
    """The configured default channel plus channels subscribed from Slack; a stored `off` always wins."""
    stored = {sub.channel_id: sub for sub in subscriptions}
    rules: list[ChannelRule] = []
    if default_channel is not None and default_channel not in stored:
        rules.append(ChannelRule(default_channel, frozenset(default_reasons)))
    for sub in subscriptions:
        if sub.enabled:
            rules.append(ChannelRule(sub.channel_id, frozenset(sub.reasons or default_reasons)))
    return rules


def is_storm(count: int) -> bool:
    """Whether this many new episodes (one reason, one poll, one channel) become one grouped alert."""
    return count > STORM_THRESHOLD
