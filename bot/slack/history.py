"""Finding an uncertain post in the channel's history by its message metadata (alerts and team posts).

Slack has no idempotency key for `chat.postMessage`: a post whose answer never came (a timeout, a dropped
connection) may be in the channel. Before posting it again, the outbox reads the channel's history (or the
thread) since a little before the post was started and adopts a message whose metadata says it is that post.
Reading history needs the optional `channels:history` / `groups:history` scopes; without them (or when Slack
refuses the read) the lookup says why, and the caller posts again and logs it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

UNCERTAIN_WAIT_TIMEOUTS = 1.5
"""An uncertain post is looked for (and perhaps posted again) no sooner than this many Slack timeouts
(`SLACK_TIMEOUT_SECONDS`) later, so a post Slack accepted but answered late is in history by then."""
UNCERTAIN_WAIT_SECONDS = UNCERTAIN_WAIT_TIMEOUTS * 10
"""The wait with Slack's default 10 s timeout."""
HISTORY_SLACK_SECONDS = 300.0
"""History is read from this long before the post was started: replicas' clocks may differ, and
Slack's ts is Slack's clock. The newest HISTORY_LIMIT messages since then are searched."""
HISTORY_LIMIT = 200

Matches = Callable[[Any], bool]
"""Whether a message's `metadata` (as history returns it, possibly absent) says it is the post looked for."""


@dataclass(frozen=True)
class Lookup:
    """What a history read found: the message's ts, nothing, or why it could not be read (`error`)."""

    ts: str | None = None
    error: str | None = None


async def find_message(
    slack: AsyncWebClient, channel_id: str, matches: Matches, *, since: float, thread_ts: str | None = None
) -> Lookup:
    """Look for the message `matches` accepts in the channel (or in the thread of `thread_ts`) since `since`."""
    params: dict[str, Any] = {
        "channel": channel_id,
        "oldest": f"{since - HISTORY_SLACK_SECONDS:.6f}",
        "inclusive": True,
        "limit": HISTORY_LIMIT,
        "include_all_metadata": True,
    }
    try:
        if thread_ts is None:
            response = await slack.conversations_history(**params)
        else:
            response = await slack.conversations_replies(ts=thread_ts, **params)
    except SlackApiError as exc:
        # missing_scope (history scopes not granted), not_in_channel, …: the caller cannot know.
        error = exc.response.get("error") if exc.response is not None else None
        return Lookup(error=str(error or "unknown"))
    for message in response.get("messages") or []:
        if matches(message.get("metadata")) and message.get("ts"):
            return Lookup(ts=str(message["ts"]))
    return Lookup()
