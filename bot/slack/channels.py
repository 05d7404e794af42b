"""Whether a Slack conversation is shared with other organisations (Slack Connect), cached."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from cachetools import TTLCache
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

CHANNEL_INFO_TTL_SECONDS = 10 * 60.0
CHANNEL_INFO_SIZE = 4096


class SharedChannelDetector:
    """One `conversations.info` per channel per ten minutes (scopes: channels:read, groups:read, im:read, mpim:read).

    When Slack will not say (missing scope, unknown channel), the channel is treated as shared:
    a preview then shows less, never more.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._cache: TTLCache[str, bool] = TTLCache(
            maxsize=CHANNEL_INFO_SIZE, ttl=CHANNEL_INFO_TTL_SECONDS, timer=clock
        )

    async def is_shared(self, client: AsyncWebClient, channel_id: str) -> bool:
        cached = self._cache.get(channel_id)
        if cached is not None:
            return cached
        try:
            response = await client.conversations_info(channel=channel_id)
        except SlackApiError as error:
            log.info("unfurl.channel_info.failed", extra={"channel": channel_id, "error": error.response.get("error")})
            return True
        channel = response.get("channel") or {}
        shared = bool(channel.get("is_ext_shared") or channel.get("is_pending_ext_shared"))
        self._cache[channel_id] = shared
        return shared
