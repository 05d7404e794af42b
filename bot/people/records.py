"""The people domain's records: plain immutable values (no I/O), shared by the store, the builders and the engine."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.devin.models import Session, SessionOrigin, StatusDetail

WAITING_DETAILS = frozenset({StatusDetail.WAITING_FOR_USER.value, StatusDetail.WAITING_FOR_APPROVAL.value})
"""The `status_detail` values that mean a session waits for its creator (an answer, or an approval)."""


class PersonKind(StrEnum):
    """Who (or what) started a session."""

    USER = "user"
    """A Devin member (`user_id`)."""
    SERVICE_USER = "service_user"
    """An API key's service user (`service_user_id`)."""
    AUTOMATION = "automation"
    """An automation or schedule (`automation_id`, or `origin == automation`)."""
    UNKNOWN = "unknown"
    """The session names nobody."""


class LookupResult(StrEnum):
    """How one half of a lookup (Devin member, Slack user) ended; cached with its expiry."""

    FOUND = "found"
    NOT_FOUND = "not_found"
    """Devin 404 / no e-mail / Slack `users_not_found`: normal, cached as long as a hit."""
    FORBIDDEN = "forbidden"
    """Devin 401/403 or Slack `missing_scope`: a configuration gap, retried after the short expiry."""
    FAILED = "failed"
    """5xx, timeouts, rate limits: retried after the short expiry."""


@dataclass(frozen=True)
class MemberLookup:
    """A Devin user as the directory knows them (both halves of the lookup)."""

    user_id: str
    name: str | None = None
    email: str | None = None
    slack_user_id: str | None = None
    devin_result: LookupResult = LookupResult.FOUND
    slack_result: LookupResult | None = None
    """None when Slack was not asked (no e-mail, or the Devin half failed)."""


@dataclass(frozen=True)
class Person:
    """Who started a session, ready to render: a mention only when Slack knows them."""

    kind: PersonKind
    devin_id: str | None = None
    """`user_id`, `service_user_id` or `automation_id`."""
    name: str | None = None
    """The Devin member's name, when the members endpoint gave one."""
    email: str | None = None
    slack_user_id: str | None = None

    @property
    def mentionable(self) -> bool:
        return self.kind is PersonKind.USER and self.slack_user_id is not None


class Started(Protocol):
    """What says who started a session: a Devin `Session`, or a summary's `SessionLine`."""

    @property
    def session_id(self) -> str: ...
    @property
    def user_id(self) -> str | None: ...
    @property
    def service_user_id(self) -> str | None: ...
    @property
    def automation_id(self) -> str | None: ...
    @property
    def origin(self) -> str | None: ...


def creator_id(session: Started) -> str | None:
    """The Devin `user_id` to look up for a session, or None (service users and automations are not members)."""
    user = (session.user_id or "").strip()
    return user or None


def person_of(session: Started, members: dict[str, MemberLookup]) -> Person:
    """Who started `session`, from the looked-up members (missing entries fall back to the Devin id)."""
    user = creator_id(session)
    if user is not None:
        member = members.get(user)
        if member is None:
            return Person(PersonKind.USER, user)
        return Person(PersonKind.USER, user, member.name, member.email, member.slack_user_id)
    if session.automation_id or session.origin == SessionOrigin.AUTOMATION:
        return Person(PersonKind.AUTOMATION, session.automation_id or (session.service_user_id or None))
    if (service := (session.service_user_id or "").strip()) != "":
        return Person(PersonKind.SERVICE_USER, service)
    return Person(PersonKind.UNKNOWN)


class NoticeKind(StrEnum):
    """Why a creator gets a direct message."""

    SUSPENDED = "suspended"
    """Their session was suspended for an alert reason."""
    WAITING = "waiting"
    """Their session has been waiting for them (`waiting_for_user` / `waiting_for_approval`)."""


class NoticeState(StrEnum):
    """Where one DM is in its life."""

    PENDING = "pending"
    """Recorded; sent once `due_at` passes (a waiting episode that ends first is cancelled)."""
    SENT = "sent"
    """Posted; `version > delivered_version` means the edit (resolution) is owed."""
    CANCELLED = "cancelled"
    """Never sent and no longer wanted (the episode ended before the DM was due)."""
    SKIPPED = "skipped"
    """Not sent: nobody in Slack to send it to, or they turned DMs off (`notify off`)."""
    FAILED = "failed"
    """Slack refused it for good (or after every retry)."""


@dataclass(frozen=True)
class Notice:
    """One row of the DM outbox: one message per episode to the session's creator."""

    id: int
    session_id: str
    kind: NoticeKind
    episode: int
    user_id: str
    """The Devin user the DM is for (looked up to a Slack user when it is sent)."""
    reason: str | None
    """The suspension reason, or the waiting status."""
    state: NoticeState
    due_at: float
    opened_at: int
    resolved_at: int | None
    resolved_status: str | None
    version: int
    delivered_version: int
    slack_user_id: str | None
    dm_channel: str | None
    ts: str | None
    session_json: str
    attempts: int


class Unmatched(StrEnum):
    """Why App Home could not tell which Devin member is looking at it."""

    NO_EMAIL = "no_email"
    """Slack gave no e-mail for the viewer (none set, or the app lacks `users:read.email`)."""
    NOT_MEMBER = "not_member"
    """No Devin member has the viewer's Slack e-mail."""
    NO_PERMISSION = "no_permission"
    """The Devin key may not read members (`ViewOrgMembership`)."""
    UNAVAILABLE = "unavailable"
    """Slack or Devin did not answer just now."""


@dataclass(frozen=True)
class ViewerMatch:
    """The Devin user behind a Slack viewer, or why there is none."""

    devin_user_id: str | None
    unmatched: Unmatched | None = None


@dataclass(frozen=True)
class YourSessions:
    """App Home's "Your sessions" for one viewer, ready to render."""

    match: ViewerMatch
    sessions: tuple[Session, ...] = ()
    """Waiting for the viewer first, then the most recently updated; at most what the tab shows."""
    total: int = 0
    """How many of the viewer's sessions the lookback found (more than `sessions` when some are left out)."""
    lookback_days: int = 14
    sessions_failed: bool = False
    """Devin did not answer the sessions list (the rest of the tab still renders)."""
    slow: bool = False
    """The lookups took longer than the tab waits; they go on and fill the cache for the next opening."""
    notify: bool | None = None
    """The viewer's DM setting (`notify on|off`); None when this deployment keeps no per-person settings."""
    dms_enabled: bool = True
    """`NOTIFY_CREATORS`: False when the deployment sends no creator DMs at all."""
