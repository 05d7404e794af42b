"""Remembers Slack event ids briefly, so a re-delivered event is not handled twice."""

from __future__ import annotations

import time
from collections.abc import Callable

from cachetools import TTLCache

EVENT_MEMORY_SECONDS = 15 * 60.0
"""Slack retries for about 5 minutes (3 retries: immediately, 1 min, 5 min); keep ids well past that."""
EVENT_MEMORY_SIZE = 20_000


class EventDeduper:
    """`first_time(key)` is True once per key within the memory window (per process)."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._seen: TTLCache[str, bool] = TTLCache(maxsize=EVENT_MEMORY_SIZE, ttl=EVENT_MEMORY_SECONDS, timer=clock)

    def first_time(self, key: str) -> bool:
        if not key:
            return True  # nothing to de-duplicate on; handle it
        if key in self._seen:
            return False
        self._seen[key] = True
        return True
