"""The Devin API v3's enums (reference/devin-api.md §3, §10, §17) and the documented suspension reasons.

Every enum is open-ended where it is used: a model field typed `SessionStatus | str` takes a value a newer
API adds as a plain string instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class SessionStatus(StrEnum):
    """`status` (§10.1). `creating` appears only in some translated snapshots."""

    NEW = "new"
    CREATING = "creating"
    CLAIMED = "claimed"
    RUNNING = "running"
    EXIT = "exit"
    ERROR = "error"
    SUSPENDED = "suspended"
    RESUMING = "resuming"


class StatusDetail(StrEnum):
    """`status_detail` (§10.2): a sub-state while running, the reason while suspended."""

    WORKING = "working"
    WAITING_FOR_USER = "waiting_for_user"
    WAITING_FOR_APPROVAL = "waiting_for_approval"
    FINISHED = "finished"
    INACTIVITY = "inactivity"
    USER_REQUEST = "user_request"
    USAGE_LIMIT_EXCEEDED = "usage_limit_exceeded"
    OUT_OF_CREDITS = "out_of_credits"
    OUT_OF_QUOTA = "out_of_quota"
    NO_QUOTA_ALLOCATION = "no_quota_allocation"
    PAYMENT_DECLINED = "payment_declined"
    ORG_USAGE_LIMIT_EXCEEDED = "org_usage_limit_exceeded"
    USER_USAGE_LIMIT_EXCEEDED = "user_usage_limit_exceeded"
    """The creator's own ACU cap (2026, §17)."""
    TOTAL_SESSION_LIMIT_EXCEEDED = "total_session_limit_exceeded"
    ERROR = "error"


SUSPENSION_REASONS: frozenset[str] = frozenset(
    {
        StatusDetail.INACTIVITY,
        StatusDetail.USER_REQUEST,
        StatusDetail.USAGE_LIMIT_EXCEEDED,
        StatusDetail.OUT_OF_CREDITS,
        StatusDetail.OUT_OF_QUOTA,
        StatusDetail.NO_QUOTA_ALLOCATION,
        StatusDetail.PAYMENT_DECLINED,
        StatusDetail.ORG_USAGE_LIMIT_EXCEEDED,
        StatusDetail.USER_USAGE_LIMIT_EXCEEDED,
        StatusDetail.TOTAL_SESSION_LIMIT_EXCEEDED,
        StatusDetail.ERROR,
    }
)
"""Every documented reason for `status == "suspended"`."""


def unknown_suspension_reasons(reasons: Iterable[str]) -> list[str]:
    """The reasons that are not documented suspension reasons: the one check, at the edges where reasons
    come in (settings and the command grammar); the engine trusts what they let through."""
    return [reason for reason in reasons if reason not in SUSPENSION_REASONS]


class SessionOrigin(StrEnum):
    """`origin` (§10.3); 2026 removed `scheduled` (old sessions may still carry it) and added `code_scan`."""

    WEBAPP = "webapp"
    SLACK = "slack"
    TEAMS = "teams"
    API = "api"
    LINEAR = "linear"
    JIRA = "jira"
    AUTOMATION = "automation"
    CLI = "cli"
    DESKTOP = "desktop"
    CODE_SCAN = "code_scan"
    OTHER = "other"


class DevinMode(StrEnum):
    """`devin_mode` (2026, §17); nullable, and `normal` is not worth showing."""

    NORMAL = "normal"
    FAST = "fast"
    LITE = "lite"
    ULTRA = "ultra"
    FUSION = "fusion"


class SessionSize(StrEnum):
    """`session_size` (§3.3). L and XL sessions are flagged unhealthy by Devin."""

    XS = "xs"
    S = "s"
    M = "m"
    L = "l"
    XL = "xl"


class ActionItemType(StrEnum):
    """Action item `type` (§10.5); `external` is third-party-reported only."""

    MACHINE_SETUP = "machine_setup"
    REPO_CONFIG = "repo_config"
    KNOWLEDGE = "knowledge"
    PROMPT_IMPROVEMENT = "prompt_improvement"
    EXTERNAL = "external"
    OTHER = "other"
