"""Pydantic models of the Devin API v3 responses the app reads (reference/devin-api.md §3–§10).

Every enum is open-ended: a value a newer API adds parses as a plain string instead of failing,
and every optional field has a default, so a response that omits it still parses.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.devin.enums import (
    SUSPENSION_REASONS,
    ActionItemType,
    DevinMode,
    SessionOrigin,
    SessionSize,
    SessionStatus,
    StatusDetail,
    unknown_suspension_reasons,
)

# The enums live in bot.devin.enums; they stay importable from here, where most call sites look for them.
__all__ = [
    "SUSPENSION_REASONS",
    "ActionItem",
    "ActionItemType",
    "Analysis",
    "Classification",
    "DevinMode",
    "DevinModel",
    "FeedbackItem",
    "GenerateInsightsResult",
    "Issue",
    "Member",
    "NoteUsage",
    "NoteUsageItem",
    "Page",
    "Principal",
    "PullRequest",
    "RawPage",
    "RejectedItem",
    "RoleAssignment",
    "Session",
    "SessionInsights",
    "SessionOrigin",
    "SessionSize",
    "SessionStatus",
    "StatusDetail",
    "SuggestedPrompt",
    "TimelineEvent",
    "unknown_suspension_reasons",
]


_NULL_DEFAULTED: dict[type[BaseModel], frozenset[str]] = {}


def _null_defaulted(model: type[BaseModel]) -> frozenset[str]:
    """Fields of `model` whose default is not None (a `null` for them means "the default")."""
    names = _NULL_DEFAULTED.get(model)
    if names is None:
        names = frozenset(
            name
            for name, info in model.model_fields.items()
            if not info.is_required() and (info.default_factory is not None or info.default is not None)
        )
        _NULL_DEFAULTED[model] = names
    return names


def _open(default: Any = None) -> Any:
    # Try the enum first; an unknown value falls through to plain `str` and survives.
    return Field(default=default, union_mode="left_to_right")


class DevinModel(BaseModel):
    """Base of every response model: immutable, tolerant of fields a newer API adds.

    Tolerance (§17): the generated SDK types lists and booleans as optional, so `null` arrives where
    a list, a boolean or a number is expected. A `null` for a field that has a non-null default is read
    as that default (an empty list, false, 0, ""); a `null` for a required field (`url`) still fails.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _null_is_default(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        nulls = _null_defaulted(cls)
        if not nulls or not any(data.get(name, 0) is None for name in nulls):
            return data
        return {k: v for k, v in data.items() if not (v is None and k in nulls)}


class PullRequest(DevinModel):
    """A pull request opened by the session."""

    pr_url: str
    pr_state: str | None = None
    """Plain string; seen: open, merged, closed."""


class Session(DevinModel):
    """`SessionResponse` (§8)."""

    session_id: str
    """API id, `devin-` + 32 hex; the web URL carries the hex without the prefix."""
    url: str
    org_id: str = ""
    status: SessionStatus | str = _open("new")
    status_detail: StatusDetail | str | None = _open()
    tags: list[str] = Field(default_factory=list)
    created_at: int = 0
    """Unix seconds."""
    updated_at: int = 0
    """Unix seconds; the poller's watermark."""
    acus_consumed: float = 0.0
    pull_requests: list[PullRequest] = Field(default_factory=list)
    title: str | None = None
    user_id: str | None = None
    service_user_id: str | None = None
    playbook_id: str | None = None
    parent_session_id: str | None = None
    child_session_ids: list[str] | None = None
    is_archived: bool = False
    structured_output: dict[str, object] | None = None
    origin: SessionOrigin | str | None = _open()
    category: str | None = None
    """Session-level use-case category slug (open set, §10.4)."""
    subcategory: str | None = None
    devin_mode: DevinMode | str | None = _open()
    """`normal`, `fast`, `lite`, `ultra`, `fusion` (2026); None on older sessions."""
    automation_id: str | None = None
    """Set when an automation started the session (2026)."""

    @property
    def is_suspended(self) -> bool:
        return self.status == SessionStatus.SUSPENDED


class Issue(DevinModel):
    """One problem the analysis found."""

    id: str | None = None
    issue: str = ""
    impact: str = ""
    """Free text, e.g. High / Medium."""
    label: str = ""


class ActionItem(DevinModel):
    """One recommended follow-up."""

    action_item: str = ""
    issue_id: str | None = None
    type: ActionItemType | str | None = _open()


class Classification(DevinModel):
    """The analysis' classification of the session."""

    category: str = ""
    confidence: float | None = None
    """Likely 0–1 (range unverified)."""
    programming_languages: list[str] = Field(default_factory=list)
    tools_and_frameworks: list[str] = Field(default_factory=list)


class TimelineEvent(DevinModel):
    """One step of the session's story, in chronological order; no timestamps."""

    title: str = ""
    description: str = ""
    color: str | None = None
    """Undocumented UI colour hint."""
    issue_id: str | None = None


class NoteUsageItem(DevinModel):
    """How one Knowledge note was used."""

    note_id: str = ""
    message: str = ""
    reason: str = ""


class NoteUsage(DevinModel):
    """Knowledge notes used well and badly."""

    good_usages: list[NoteUsageItem] = Field(default_factory=list)
    bad_usages: list[NoteUsageItem] = Field(default_factory=list)


class FeedbackItem(DevinModel):
    """One piece of feedback on the original prompt."""

    summary: str = ""
    excerpt: str = ""
    details: str = ""
    issue_id: str | None = None


class SuggestedPrompt(DevinModel):
    """A rewritten, better first prompt."""

    original_prompt: str = ""
    suggested_prompt: str = ""
    feedback_items: list[FeedbackItem] = Field(default_factory=list)


class Analysis(DevinModel):
    """`SessionInsightsAnalysis` (§3.2); lists missing from the response become empty."""

    action_items: list[ActionItem] = Field(default_factory=list)
    classification: Classification | None = None
    issues: list[Issue] = Field(default_factory=list)
    note_usage: NoteUsage | None = None
    suggested_prompt: SuggestedPrompt | None = None
    timeline: list[TimelineEvent] = Field(default_factory=list)


class SessionInsights(Session):
    """`SessionInsightsResponse` (§3.1): a session plus metrics and the AI analysis."""

    num_user_messages: int = 0
    num_devin_messages: int = 0
    session_size: SessionSize | str | None = _open()
    analysis: Analysis | None = None
    """None until insights have been generated (never, in progress, or failed)."""


class GenerateInsightsResult(DevinModel):
    """Answer of `POST …/insights/generate`: `started` or `already_exists`."""

    session_id: str = ""
    status: str = ""


class RoleAssignment(DevinModel):
    """One role a member holds (§16.3); only the names are read."""

    org_id: str | None = None
    role: dict[str, object] | None = None


class Member(DevinModel):
    """`GET /v3beta1/organizations/{org}/members/users/{user_id}` (§16.3): a person in the org."""

    user_id: str
    email: str | None = None
    """Nullable: a member may have no e-mail (then nobody in Slack can be matched)."""
    name: str | None = None
    role_assignments: list[RoleAssignment] | None = None


class Principal(DevinModel):
    """`GET /v3/self`: who the key belongs to."""

    principal_type: str = ""
    service_user_id: str | None = None
    service_user_name: str | None = None
    user_id: str | None = None
    org_id: str | None = None


ItemT = TypeVar("ItemT", bound=DevinModel)


class RejectedItem(DevinModel):
    """A list item that did not parse: which one (when its id is readable) and which fields, never the values."""

    session_id: str | None = None
    fields: tuple[str, ...] = ()


class Page(DevinModel, Generic[ItemT]):
    """`PaginatedResponse[T]` (§2.3).

    `rejected` is ours, not the API's: items that failed to parse are left out of `items` and listed
    there, so one malformed session never costs the rest of its page.
    """

    items: list[ItemT]
    end_cursor: str | None = None
    has_next_page: bool = False
    total: int | None = None
    rejected: tuple[RejectedItem, ...] = ()


class RawPage(DevinModel):
    """The page envelope with its items unparsed, so each item can be parsed (and fail) on its own."""

    items: list[Any]
    end_cursor: str | None = None
    has_next_page: bool = False
    total: int | None = None
