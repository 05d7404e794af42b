"""`conversations.history` and `conversations.replies` for the recording Slack, with message metadata.

As Slack does: the `channels:history` scope reads public channels, `groups:history` private ones
(`missing_scope` otherwise; neither is in `manifest.yml`, tests grant them); newest first; `oldest`
and `latest` bound by ts (exclusive unless `inclusive`); `metadata` only with `include_all_metadata`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from bot.slack.scopes import OPTIONAL_SCOPES

Json = dict[str, Any]
HISTORY_SCOPES = tuple(OPTIONAL_SCOPES)
HISTORY_LIMIT_MAX = 999


class HistoryError(Exception):
    """A Web API error code (`missing_scope`, `thread_not_found`, …)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def required_scope(is_private: bool) -> str:
    """The scope Slack asks for reading a channel's history."""
    return "groups:history" if is_private else "channels:history"


def history(messages: Iterable[Json], params: Json) -> Json:
    """The answer of `conversations.history` over a channel's stored messages (top-level only)."""
    top = [m for m in messages if m.get("thread_ts", m["ts"]) == m["ts"]]
    return {"messages": _window(top, params), "has_more": False}


def replies(messages: Iterable[Json], params: Json) -> Json:
    """The answer of `conversations.replies`: the parent first, then its replies, oldest first."""
    parent_ts = str(params.get("ts") or "")
    thread = [m for m in messages if m["ts"] == parent_ts or m.get("thread_ts") == parent_ts]
    if not any(m["ts"] == parent_ts for m in thread):
        raise HistoryError("thread_not_found")
    return {"messages": list(reversed(_window(thread, params))), "has_more": False}


def _window(messages: list[Json], params: Json) -> list[Json]:
    inclusive = _flag(params.get("inclusive"))
    oldest, latest = _ts(params.get("oldest"), 0.0), _ts(params.get("latest"), float("inf"))
    limit = max(1, min(HISTORY_LIMIT_MAX, int(params.get("limit") or 100)))
    with_metadata = _flag(params.get("include_all_metadata"))

    def inside(ts: float) -> bool:
        after: Callable[[float, float], bool] = (lambda a, b: a >= b) if inclusive else (lambda a, b: a > b)
        return after(ts, oldest) and after(latest, ts)

    picked = sorted((m for m in messages if inside(float(m["ts"]))), key=lambda m: float(m["ts"]), reverse=True)
    out = []
    for message in picked[:limit]:
        shown = copy.deepcopy(message)
        if not with_metadata:
            shown.pop("metadata", None)
        out.append(shown)
    return out


def _ts(value: Any, default: float) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        raise HistoryError("invalid_ts_oldest") from None


def _flag(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")
