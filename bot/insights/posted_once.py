"""Team posts (digests, budget warnings) posted once: the metadata that names a post, and the history lookup.

As for alerts (`bot.alerts.posting`): the row is marked `post_started_at` (committed) right before
chat.postMessage and the mark cleared with the ts. A row found later with the mark and no ts is uncertain
(Slack may have posted it and its answer was lost): the channel's history is searched for a message whose
metadata names this row, and a match is adopted instead of posting again. Without the optional history
scopes the lookup cannot be made; the post is then posted again and `team.post.unverifiable` says so.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.insights.records import TeamPost
from bot.slack.history import find_message

log = logging.getLogger(__name__)

TEAM_POST_EVENT = "devin_insights_team_post"
"""`event_type` of a digest's or budget warning's message metadata."""


def post_metadata(post: TeamPost) -> dict[str, Any]:
    """The message metadata of a team post: ids only (metadata is readable by every app in the workspace)."""
    payload = {"team_post_id": post.id, "kind": post.kind.value, "channel": post.channel_id, "period": post.period_key}
    return {"event_type": TEAM_POST_EVENT, "event_payload": payload}


def _is_post(found: Any, post: TeamPost) -> bool:
    if not isinstance(found, dict) or found.get("event_type") != TEAM_POST_EVENT:
        return False
    payload = found.get("event_payload")
    return isinstance(payload, dict) and payload == post_metadata(post)["event_payload"]


async def find_post(slack: AsyncWebClient, post: TeamPost, *, since: float) -> str | None:
    """The ts of the post's message if an uncertain post did reach the channel; None if not, or unknowable."""
    lookup = await find_message(slack, post.channel_id, lambda found: _is_post(found, post), since=since)
    extra = {"kind": post.kind.value, "channel": post.channel_id, "post_id": post.id}
    if lookup.error is not None:
        log.warning("team.post.unverifiable", extra={**extra, "error": lookup.error})
    elif lookup.ts is not None:
        log.info("team.post.reconciled", extra=extra)
    return lookup.ts
