"""Records of the team capability: scheduled digests and the posts (digests, budget warnings) owed to Slack. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PostKind(StrEnum):
    """What a team post is; with the channel and the period it is unique in the database."""

    DIGEST = "digest"
    BUDGET = "budget"


class PostState(StrEnum):
    PENDING = "pending"
    """Not posted yet."""
    SENT = "sent"
    """Posted; an update may still be owed (`version > delivered_version`)."""
    FAILED = "failed"
    """Slack refused the channel for good (not_in_channel, …); recorded and shown, not retried."""


@dataclass(frozen=True)
class TeamPost:
    """One row of the `team_posts` outbox."""

    id: int
    kind: PostKind
    channel_id: str
    period_key: str
    """Digest: its due time (Unix seconds); budget: the billing month (`YYYY-MM`)."""
    state: PostState
    payload: str
    """JSON the message is rendered from at send time."""
    version: int
    delivered_version: int
    replied_version: int
    ts: str | None
    attempts: int
    last_error: str | None
    created_at: float
    post_started_at: float | None = None
    """When a post was last sent without its ts being stored yet: the post's outcome is uncertain."""
    reply_started_at: float | None = None
    """The same for a budget warning's thread reply not yet recorded as replied."""


@dataclass(frozen=True)
class DigestSchedule:
    """A channel's digest: daily or weekly at `hour:minute` in the scheduling user's time zone."""

    channel_id: str
    cadence: str
    """`daily` or `weekly`."""
    weekday: int | None
    """0 = Monday … 6 = Sunday, for weekly digests."""
    hour: int
    minute: int
    tz: str
    """IANA name from Slack's `users.info`."""
    created_by: str
    created_at: float
    last_due_at: int | None
    """The due time of the last digest recorded for this channel (the next one covers the time since)."""


@dataclass(frozen=True)
class DigestState:
    """What `digest` shows: the schedule, when the next one is due, and the last delivery problem."""

    schedule: DigestSchedule | None
    next_due_at: int | None
    last: TeamPost | None
