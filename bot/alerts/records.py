"""The alert domain's records and enums: plain immutable values the store persists and the rules decide on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AlertKind(StrEnum):
    """What an `alerts` row is."""

    SINGLE = "single"
    """One session's episode, delivered as its own message."""
    GROUP = "group"
    """A storm: one message for many episodes (no session of its own)."""
    MEMBER = "member"
    """One session's episode inside a group; never delivered on its own."""


class AlertState(StrEnum):
    """Where an alert message is in its life."""

    PENDING = "pending"
    """Recorded, not yet posted (or posting failed and will be retried)."""
    SENT = "sent"
    """Posted; `version > delivered_version` means an update is owed."""
    RESOLVED = "resolved"
    """Posted, the session recovered, and the update and reply went out."""
    CANCELLED = "cancelled"
    """Never posted and no longer wanted (the channel turned alerts off)."""
    GROUPED = "grouped"
    """A member row: its group's message carries it."""


class EventKind(StrEnum):
    """A later state change of an alerted session, owed as one reply in the alert's thread."""

    REASON_CHANGED = "reason_changed"
    """Still suspended, for another reason."""
    FINISHED = "finished"
    """Ended after it recovered (`exit`), with or without pull requests."""
    ERRORED = "errored"
    """Stopped with an error after it recovered."""

    @property
    def after_recovery(self) -> bool:
        """Replied after the recovery note (the order things happened in)."""
        return self is not EventKind.REASON_CHANGED


LATER_STATES: dict[str, EventKind] = {"exit": EventKind.FINISHED, "error": EventKind.ERRORED}
"""Statuses a recovered session may reach that its alert's thread hears about."""


@dataclass(frozen=True)
class AlertEvent:
    """One row of `alert_events`: a state change its alert's thread owes (or has) a reply for."""

    id: int
    alert_id: int
    kind: EventKind
    status: str | None
    detail: str | None
    previous: str | None
    """The reason before (REASON_CHANGED)."""
    seen_at: int
    session_json: str
    """The session as Devin returned it with this change (what the reply shows)."""
    reply_ts: str | None
    started_at: float | None


@dataclass(frozen=True)
class SessionRecord:
    """The last state of one Devin session the poller stored."""

    session_id: str
    status: str
    status_detail: str | None
    updated_at: int
    """Devin's `updated_at` (Unix seconds)."""
    episode: int = 0
    """Number of the latest suspension episode; 0 before the first."""
    episode_open: bool = False
    """True while that episode lasts (the session is still suspended)."""
    suspended_since: int | None = None
    """Devin's `updated_at` when the open episode began."""


@dataclass(frozen=True)
class PollerState:
    """Progress of the poller, shared by every replica."""

    watermark: int | None = None
    """Largest Devin `updated_at` fully processed; None before the first complete poll."""
    last_success_at: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None


@dataclass(frozen=True)
class NewAlert:
    """An alert the poller wants recorded (pending) for one episode in one channel."""

    session_id: str
    episode: int
    channel_id: str
    reason: str
    opened_at: int
    session_json: str
    """The session as Devin last returned it (JSON), so delivery can render without calling Devin."""


@dataclass(frozen=True)
class AlertRecord:
    """One row of the `alerts` outbox."""

    id: int
    kind: AlertKind
    session_id: str | None
    episode: int | None
    channel_id: str
    group_key: str | None
    reason: str | None
    reason_changed_from: str | None
    state: AlertState
    version: int
    delivered_version: int
    ts: str | None
    reply_ts: str | None
    session_json: str | None
    attempts: int
    next_attempt_at: float
    claim_token: str | None
    last_error: str | None
    opened_at: int
    resolved_at: int | None
    resolved_status: str | None
    post_started_at: float | None = None
    """When a post was last sent without its ts being stored yet: the post's outcome is uncertain."""
    reply_started_at: float | None = None
    """The same for the thread reply."""

    @property
    def needs_update(self) -> bool:
        """Posted, but a later change (recovery, new reason, group progress) is not shown yet."""
        return self.ts is not None and self.version > self.delivered_version


@dataclass(frozen=True)
class ChannelSubscription:
    """A channel's alert setting as stored from Slack (`alerts on …` / `alerts off`)."""

    channel_id: str
    enabled: bool
    reasons: tuple[str, ...]
    """Empty means the app's default reasons."""
    updated_by: str | None
    updated_at: float


@dataclass(frozen=True)
class DeliveryProblem:
    """The last permanent Slack error for a channel; delivery there waits until it is cleared."""

    channel_id: str
    error: str
    fix: str
    first_at: float
    last_at: float


@dataclass(frozen=True)
class AlertHealth:
    """How the alert engine is doing, for `/healthz` and `check`."""

    last_success_at: float | None
    """When a poll last completed (the service clock); None before the first."""
    watermark: int | None
    """Newest Devin `updated_at` processed."""
    watermark_lag_seconds: float | None
    """Now minus the watermark; it also grows while the org is simply idle, so judge liveness by last_success_at."""
    pending_alerts: int
    """Alerts recorded but not posted yet (waiting for a retry, or for a channel problem to be fixed)."""
    pending_updates: int
    """Posted alerts whose message still owes an update."""
    last_error: str | None
    """Why the last poll failed, if the last poll failed."""
    lease_holder: str | None
    """The replica polling now."""


@dataclass(frozen=True)
class QuietRule:
    """A snooze (`until` set) or mute (`until` None) of one suspension reason in one channel."""

    channel_id: str
    reason: str
    until: float | None
    by_user: str
    at: float

    def active(self, now: float) -> bool:
        """A mute lasts until `alerts on`; a snooze until its time (expiry needs no job: it is read this way)."""
        return self.until is None or self.until > now


@dataclass(frozen=True)
class ChannelSettings:
    """A channel's effective alert setting."""

    channel_id: str
    enabled: bool
    reasons: tuple[str, ...]
    source: str
    """`subscription` (set from Slack), `default` (ALERT_CHANNEL) or `none`."""
    updated_by: str | None
    updated_at: float | None
    problem: DeliveryProblem | None
    """The last permanent delivery error (with its fix), while unresolved."""
    is_default_channel: bool = False
    """The channel is ALERT_CHANNEL (even if a stored setting now overrides it)."""
    quiet: tuple[QuietRule, ...] = ()
    """Reasons snoozed or muted here now."""
    suppressed: int = 0
    """Suspensions recorded but not posted here while their reason was quiet (the current quiet periods)."""
    broadcast: bool = False
    """Resolution replies are also sent to the channel (`alerts broadcast on`)."""
