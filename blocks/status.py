"""Words and emoji for Devin's open enums: status, status detail, size, origin, PR state, impact, action type.

Every function takes the raw API value (a known enum member or any string a newer API sends) and never
fails: unknown values are shown as they are. Results are escaped mrkdwn unless `plain=True` is asked for
(plain_text contexts such as headers, where Slack parses no markup).
"""

from __future__ import annotations

from blocks.text import inline, one_line
from bot.devin.models import SessionSize, SessionStatus, StatusDetail

UNKNOWN_EMOJI = ":grey_question:"
RAW_VALUE_MAX = 60
"""Unknown enum values are shown as they are, but never longer than this."""

STATUS_LABELS: dict[str, str] = {
    SessionStatus.NEW: "Starting",
    SessionStatus.CREATING: "Starting",
    SessionStatus.CLAIMED: "Starting",
    SessionStatus.RUNNING: "Running",
    SessionStatus.EXIT: "Ended",
    SessionStatus.ERROR: "Failed",
    SessionStatus.SUSPENDED: "Suspended",
    SessionStatus.RESUMING: "Resuming",
}
STATUS_EMOJI: dict[str, str] = {
    SessionStatus.NEW: ":hourglass_flowing_sand:",
    SessionStatus.CREATING: ":hourglass_flowing_sand:",
    SessionStatus.CLAIMED: ":hourglass_flowing_sand:",
    SessionStatus.RUNNING: ":large_green_circle:",
    SessionStatus.EXIT: ":checkered_flag:",
    SessionStatus.ERROR: ":x:",
    SessionStatus.SUSPENDED: ":double_vertical_bar:",
    SessionStatus.RESUMING: ":arrows_counterclockwise:",
}
DETAIL_LABELS: dict[str, str] = {
    StatusDetail.WORKING: "working",
    StatusDetail.WAITING_FOR_USER: "waiting for a reply",
    StatusDetail.WAITING_FOR_APPROVAL: "waiting for approval",
    StatusDetail.FINISHED: "task finished",
    StatusDetail.INACTIVITY: "inactive",
    StatusDetail.USER_REQUEST: "paused by a user",
    StatusDetail.USAGE_LIMIT_EXCEEDED: "usage limit reached",
    StatusDetail.OUT_OF_CREDITS: "out of credits",
    StatusDetail.OUT_OF_QUOTA: "out of quota",
    StatusDetail.NO_QUOTA_ALLOCATION: "no quota allocated",
    StatusDetail.PAYMENT_DECLINED: "payment declined",
    StatusDetail.ORG_USAGE_LIMIT_EXCEEDED: "organization usage limit reached",
    StatusDetail.USER_USAGE_LIMIT_EXCEEDED: "personal usage limit reached",
    StatusDetail.TOTAL_SESSION_LIMIT_EXCEEDED: "session limit reached",
    StatusDetail.ERROR: "error",
}
DETAIL_EXPLANATIONS: dict[str, str] = {
    StatusDetail.WORKING: "Devin is working on the task.",
    StatusDetail.WAITING_FOR_USER: "Devin is waiting for a reply from a user.",
    StatusDetail.WAITING_FOR_APPROVAL: "Devin is waiting for an action to be approved.",
    StatusDetail.FINISHED: "Devin considers the task done.",
    StatusDetail.INACTIVITY: "Devin went to sleep after a while without activity; a new message wakes it up.",
    StatusDetail.USER_REQUEST: "Someone paused the session.",
    StatusDetail.USAGE_LIMIT_EXCEEDED: "The session reached a usage limit.",
    StatusDetail.OUT_OF_CREDITS: "Your organization ran out of ACU credits.",
    StatusDetail.OUT_OF_QUOTA: "Your organization used up its ACU quota.",
    StatusDetail.NO_QUOTA_ALLOCATION: "No ACU quota is allocated to whoever runs this session.",
    StatusDetail.PAYMENT_DECLINED: "A payment for your Devin plan was declined.",
    StatusDetail.ORG_USAGE_LIMIT_EXCEEDED: "Your organization reached its ACU usage limit.",
    StatusDetail.USER_USAGE_LIMIT_EXCEEDED: "The person who started the session reached their own ACU cap.",
    StatusDetail.TOTAL_SESSION_LIMIT_EXCEEDED: "Your organization reached its limit on the number of sessions.",
    StatusDetail.ERROR: "The session stopped because of an error.",
}
DETAIL_EMOJI: dict[str, str] = {
    StatusDetail.WORKING: ":gear:",
    StatusDetail.WAITING_FOR_USER: ":speech_balloon:",
    StatusDetail.WAITING_FOR_APPROVAL: ":raised_hand:",
    StatusDetail.FINISHED: ":white_check_mark:",
    StatusDetail.INACTIVITY: ":zzz:",
    StatusDetail.USER_REQUEST: ":double_vertical_bar:",
    StatusDetail.USAGE_LIMIT_EXCEEDED: ":no_entry:",
    StatusDetail.OUT_OF_CREDITS: ":credit_card:",
    StatusDetail.OUT_OF_QUOTA: ":no_entry:",
    StatusDetail.NO_QUOTA_ALLOCATION: ":no_entry:",
    StatusDetail.PAYMENT_DECLINED: ":credit_card:",
    StatusDetail.ORG_USAGE_LIMIT_EXCEEDED: ":no_entry:",
    StatusDetail.USER_USAGE_LIMIT_EXCEEDED: ":bust_in_silhouette:",
    StatusDetail.TOTAL_SESSION_LIMIT_EXCEEDED: ":no_entry:",
    StatusDetail.ERROR: ":x:",
}
SIZE_LABELS: dict[str, str] = {
    SessionSize.XS: "XS",
    SessionSize.S: "S",
    SessionSize.M: "M",
    SessionSize.L: "L",
    SessionSize.XL: "XL",
}
UNHEALTHY_SIZES: frozenset[str] = frozenset({SessionSize.L, SessionSize.XL})
"""Devin flags L and XL sessions as unhealthy (reference/devin-api.md §3.3)."""
UNHEALTHY_NOTE = ":warning: flagged unhealthy"
PR_STATE_EMOJI: dict[str, str] = {
    "open": ":large_green_circle:",
    "draft": ":white_circle:",
    "merged": ":large_purple_circle:",
    "closed": ":red_circle:",
}
ORIGIN_LABELS: dict[str, str] = {
    "webapp": "Devin web app",
    "slack": "Slack",
    "teams": "Microsoft Teams",
    "api": "API",
    "linear": "Linear",
    "jira": "Jira",
    "scheduled": "Schedule",  # removed in 2026; older sessions may still carry it
    "automation": "Automation",
    "cli": "CLI",
    "desktop": "Desktop app",
    "code_scan": "Code scan",
    "other": "Other",
}
DEVIN_MODE_LABELS: dict[str, str] = {
    "normal": "Normal",
    "fast": "Fast",
    "lite": "Lite",
    "ultra": "Ultra",
    "fusion": "Fusion",
}
CATEGORY_LABELS: dict[str, str] = {
    "code_review": "Code review",
    "production_investigation": "Production investigation",
    "security": "Security",
}
"""The 2026 categories; older slugs read well humanized (`bug_fixing` → Bug fixing)."""
ACTION_TYPE_LABELS: dict[str, str] = {
    "machine_setup": "Machine setup",
    "repo_config": "Repo config",
    "knowledge": "Knowledge",
    "prompt_improvement": "Prompt",
    "external": "External",
    "other": "Other",
}
IMPACT_RANKS: dict[str, int] = {
    "critical": 0,
    "blocker": 0,
    "severe": 0,
    "high": 1,
    "medium": 2,
    "moderate": 2,
    "low": 3,
    "minor": 3,
}
IMPACT_EMOJI = (":bangbang:", ":red_circle:", ":large_orange_circle:", ":large_yellow_circle:", ":white_circle:")
"""By rank: critical, high, medium, low, anything else."""


def raw(value: str | None, *, plain: bool = False) -> str:
    """An unknown API value shown as it is: one line, at most `RAW_VALUE_MAX` characters, escaped unless plain."""
    return one_line(value, RAW_VALUE_MAX) if plain else inline(value, RAW_VALUE_MAX)


def status_label(status: str, *, plain: bool = False) -> str:
    """`Running`, `Suspended`, … or the raw value."""
    return STATUS_LABELS.get(status) or raw(status, plain=plain) or "Unknown"


def detail_label(detail: str | None, *, plain: bool = False) -> str:
    """`out of credits`, `waiting for a reply`, … or the raw value; empty when there is no detail."""
    return DETAIL_LABELS.get(detail or "") or raw(detail, plain=plain)


def status_emoji(status: str, detail: str | None = None) -> str:
    """The detail's emoji when it has one (it says more), else the status's."""
    return DETAIL_EMOJI.get(detail or "") or STATUS_EMOJI.get(status, UNKNOWN_EMOJI)


def explanation(detail: str | None) -> str:
    """A plain-language sentence for a known status detail; empty for unknown ones (their label says it all)."""
    return DETAIL_EXPLANATIONS.get(detail or "", "")


def status_summary(status: str, detail: str | None = None, *, plain: bool = False) -> str:
    """`Suspended (out of credits)`: for fallback text and headers."""
    words = detail_label(detail, plain=plain)
    return f"{status_label(status, plain=plain)} ({words})" if words else status_label(status, plain=plain)


def status_line(status: str, detail: str | None = None, *, explain: bool = True) -> str:
    """mrkdwn: `:credit_card: *Suspended* · out of credits — Your organization ran out of ACU credits.`"""
    line = f"{status_emoji(status, detail)} *{status_label(status)}*"
    if words := detail_label(detail):
        line += f" · {words}"
    if explain and (sentence := explanation(detail)):
        line += f" — {sentence}"
    return line


def size_text(size: str | None) -> str:
    """`M`, or `XL :warning: flagged unhealthy`; the raw value when unknown, `—` when missing."""
    if not size:
        return "—"
    label = SIZE_LABELS.get(size) or raw(size)
    return f"{label} {UNHEALTHY_NOTE}" if size in UNHEALTHY_SIZES else label


def pr_state_emoji(state: str | None) -> str:
    """Emoji for a pull request state (a plain string in the API)."""
    return PR_STATE_EMOJI.get((state or "").strip().lower(), UNKNOWN_EMOJI)


def origin_label(origin: str | None) -> str:
    """`Slack`, `Devin web app`, … or the raw value; empty when missing."""
    return ORIGIN_LABELS.get(origin or "") or raw(origin)


def devin_mode_label(mode: str | None) -> str:
    """`Fast`, `Ultra`, … or the raw value; empty when missing or `normal` (nothing worth showing)."""
    if not mode or mode == "normal":
        return ""
    return DEVIN_MODE_LABELS.get(mode) or raw(mode)


def action_type_label(kind: str | None) -> str:
    """`Machine setup`, `Knowledge`, … or the raw value; empty when missing."""
    return ACTION_TYPE_LABELS.get(kind or "") or raw(kind)


def impact_rank(impact: str | None) -> int:
    """0 for critical, 1 high, 2 medium, 3 low, 4 anything else (impact is free text in the API)."""
    return IMPACT_RANKS.get((impact or "").strip().lower(), len(IMPACT_EMOJI) - 1)


def impact_emoji(impact: str | None) -> str:
    """Coloured circle by impact rank."""
    return IMPACT_EMOJI[impact_rank(impact)]
