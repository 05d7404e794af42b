"""Team posts (digests, budget warnings) posted once: the metadata that names a post, and the history lookup.

As for alerts (`bot.alerts.posting`): the row is marked `post_started_at` (committed) right before
chat.postMessage and the mark cleared with the ts. A row found later with the mark and no ts is uncertain
(Slack may have posted it and its answer was lost): the channel's history is searched for a message whose
metadata names this row, and a match is adopted instead of posting again. Without the optional history
scopes the lookup cannot be made; the post is then posted again and `team.post.unverifiable` says so.

A budget warning's thread reply (one per threshold crossed, i.e. per payload version) is posted once the same
way (`send_reply`): `reply_started_at` is marked before its chat.postMessage, and an uncertain reply is looked
for in the thread (`conversations.replies`) by its own metadata (the post's, plus `part` and `version`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.insights.records import TeamPost
from bot.slack.history import find_message
from bot.store import Store, team

log = logging.getLogger(__name__)

TEAM_POST_EVENT = "devin_insights_team_post"
"""`event_type` of a digest's or budget warning's message metadata."""


def post_metadata(post: TeamPost) -> dict[str, Any]:
    """The message metadata of a team post: ids only (metadata is readable by every app in the workspace)."""
    payload = {"team_post_id": post.id, "kind": post.kind.value, "channel": post.channel_id, "period": post.period_key}
    return {"event_type": TEAM_POST_EVENT, "event_payload": payload}


def reply_metadata(post: TeamPost) -> dict[str, Any]:
    """A budget warning's thread reply: the post's ids, which reply (`version`: one per threshold crossed)."""
    payload = {**post_metadata(post)["event_payload"], "part": "reply", "version": post.version}
    return {"event_type": TEAM_POST_EVENT, "event_payload": payload}


def _is_post(found: Any, post: TeamPost, wanted: dict[str, Any] | None = None) -> bool:
    if not isinstance(found, dict) or found.get("event_type") != TEAM_POST_EVENT:
        return False
    payload = found.get("event_payload")
    return isinstance(payload, dict) and payload == (wanted or post_metadata(post))["event_payload"]


async def find_post(slack: AsyncWebClient, post: TeamPost, *, since: float) -> str | None:
    """The ts of the post's message if an uncertain post did reach the channel; None if not, or unknowable."""
    lookup = await find_message(slack, post.channel_id, lambda found: _is_post(found, post), since=since)
    extra = {"kind": post.kind.value, "channel": post.channel_id, "post_id": post.id}
    if lookup.error is not None:
        log.warning("team.post.unverifiable", extra={**extra, "error": lookup.error})
    elif lookup.ts is not None:
        log.info("team.post.reconciled", extra=extra)
    return lookup.ts


async def find_reply(slack: AsyncWebClient, post: TeamPost, *, since: float) -> str | None:
    """The ts of the budget warning's reply for this version if an uncertain one did reach the thread."""
    wanted = reply_metadata(post)
    lookup = await find_message(
        slack, post.channel_id, lambda found: _is_post(found, post, wanted), since=since, thread_ts=post.ts or ""
    )
    extra = {"kind": post.kind.value, "channel": post.channel_id, "post_id": post.id, "part": "reply"}
    if lookup.error is not None:
        log.warning("team.post.unverifiable", extra={**extra, "error": lookup.error})
    elif lookup.ts is not None:
        log.info("team.post.reconciled", extra=extra)
    return lookup.ts


class ReplyClaimLostError(Exception):
    """Another replica took the row over before the reply was started: leave it to them."""


async def send_reply(
    store: Store,
    slack: AsyncWebClient,
    post: TeamPost,
    token: str,
    reply: Callable[[dict[str, Any]], Awaitable[str]],
    *,
    clock: Callable[[], float],
) -> bool:
    """Post the budget warning's thread reply for `post.version` once; True if posted, False if found in the thread.

    `reply(metadata)` posts it (paced by the caller). The mark is committed first; an answer that says nothing
    was posted (a Slack error, a refused connection) clears it. A timeout leaves it, so the next try looks first.
    """
    if post.reply_started_at is not None and await find_reply(slack, post, since=post.reply_started_at):
        async with store.transaction() as conn:
            await team.settle(conn, post.id, token, replied_version=post.version, reply_started_at=None)
        return False
    async with store.transaction() as conn:
        if not await team.mark_reply_started(conn, post.id, token, now=clock()):
            raise ReplyClaimLostError
    try:
        await reply(reply_metadata(post))
    except (SlackApiError, aiohttp.ClientConnectorError):
        async with store.transaction() as conn:
            await team.clear_started(conn, post.id, token, now=clock())
        raise
    async with store.transaction() as conn:
        await team.settle(conn, post.id, token, replied_version=post.version, reply_started_at=None)
    return True
