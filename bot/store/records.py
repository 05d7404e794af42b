"""Plain immutable records the store reads and writes; no I/O, so the pure alert rules can use them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.schema import AlertKind, AlertState


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
