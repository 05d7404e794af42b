"""What the team figures read of a session, and a model that validates only that, straight from JSON. Pure.

A 30-day summary of a large org reads 20,000 sessions with their analyses. Validating each as a whole
`SessionInsights` (every field, enums, null-to-default on every nested object) cost about 4 s; the figures
read a dozen fields. `SummarySession` declares only those, each nullable, so pydantic-core parses a page's
bytes in one call (`Page.model_validate_json`) with no Python per item; what a `null` means (an empty list,
0, "new") is said once, in a property. `SessionInsights` satisfies the same `SessionFacts` protocol, so the
figures take either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field


class PullRequestFacts(Protocol):
    @property
    def pr_state(self) -> str | None: ...


class IssueFacts(Protocol):
    @property
    def label(self) -> str: ...


class ActionFacts(Protocol):
    @property
    def action_item(self) -> str: ...

    @property
    def type(self) -> str | None: ...


class AnalysisFacts(Protocol):
    @property
    def issues(self) -> Sequence[IssueFacts]: ...

    @property
    def action_items(self) -> Sequence[ActionFacts]: ...


class SessionFacts(Protocol):
    """The fields `figures.aggregate` reads (a `SessionInsights` has them all)."""

    @property
    def session_id(self) -> str: ...

    @property
    def title(self) -> str | None: ...

    @property
    def status(self) -> str: ...

    @property
    def status_detail(self) -> str | None: ...

    @property
    def origin(self) -> str | None: ...

    @property
    def created_at(self) -> int: ...

    @property
    def updated_at(self) -> int: ...

    @property
    def acus_consumed(self) -> float: ...

    @property
    def user_id(self) -> str | None: ...

    @property
    def service_user_id(self) -> str | None: ...

    @property
    def automation_id(self) -> str | None: ...

    @property
    def pull_requests(self) -> Sequence[PullRequestFacts]: ...

    @property
    def analysis(self) -> AnalysisFacts | None: ...


class _Lean(BaseModel):
    # Frozen like every Devin model; unknown fields (most of an analysis) are skipped by the JSON parser.
    model_config = ConfigDict(frozen=True, extra="ignore")


class SummaryPullRequest(_Lean):
    pr_state: str | None = None


class SummaryIssue(_Lean):
    label_: str | None = Field(None, alias="label")

    @property
    def label(self) -> str:
        return self.label_ or ""


class SummaryAction(_Lean):
    action_item_: str | None = Field(None, alias="action_item")
    type: str | None = None

    @property
    def action_item(self) -> str:
        return self.action_item_ or ""


class SummaryAnalysis(_Lean):
    issues_: list[SummaryIssue] | None = Field(None, alias="issues")
    action_items_: list[SummaryAction] | None = Field(None, alias="action_items")

    @property
    def issues(self) -> Sequence[SummaryIssue]:
        return self.issues_ or ()

    @property
    def action_items(self) -> Sequence[SummaryAction]:
        return self.action_items_ or ()


class SummarySession(_Lean):
    """One `/sessions/insights` item, as much as the figures read; `null` anywhere reads as the default."""

    session_id: str
    title: str | None = None
    status_: str | None = Field(None, alias="status")
    status_detail: str | None = None
    origin: str | None = None
    created_at_: int | None = Field(None, alias="created_at")
    updated_at_: int | None = Field(None, alias="updated_at")
    acus_consumed_: float | None = Field(None, alias="acus_consumed")
    user_id: str | None = None
    service_user_id: str | None = None
    automation_id: str | None = None
    pull_requests_: list[SummaryPullRequest] | None = Field(None, alias="pull_requests")
    analysis: SummaryAnalysis | None = None

    @property
    def status(self) -> str:
        return self.status_ or "new"

    @property
    def created_at(self) -> int:
        return self.created_at_ or 0

    @property
    def updated_at(self) -> int:
        return self.updated_at_ or 0

    @property
    def acus_consumed(self) -> float:
        return self.acus_consumed_ or 0.0

    @property
    def pull_requests(self) -> Sequence[SummaryPullRequest]:
        return self.pull_requests_ or ()


class SummaryPage(_Lean):
    """`PaginatedResponse[SummarySession]` (§2.3): one bad item fails this, and the caller goes item by item."""

    items: list[SummarySession]
    end_cursor: str | None = None
    has_next_page: bool | None = False
    total: int | None = None
