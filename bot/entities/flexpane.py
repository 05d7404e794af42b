"""The side panel's data, inside Slack's 3-second trigger: the viewer's workspace and the session's insights,
fetched concurrently under one budget, from short-lived caches; a fetch that misses the budget keeps running
and fills the cache, so the next opening of the panel is instant."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import TLRUCache
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.devin.cache import ACTIVE_TTL_SECONDS, ENDED_TTL_SECONDS, NOT_FOUND_TTL_SECONDS, SessionCache
from bot.devin.client import DevinClient
from bot.devin.errors import DevinError, DevinNotFoundError
from bot.devin.models import Session, SessionInsights, SessionStatus

log = logging.getLogger(__name__)

FLEXPANE_BUDGET_SECONDS = 2.25
"""Slack's trigger lasts 3 s from the click; the event's delivery and our `entity.presentDetails` call need the
rest. With Devin answering in 2 s the panel still opens, at about 2.1 s."""
VIEWER_TTL_SECONDS = 600.0
"""A person's workspace does not change; their Slack profile is looked up once per ten minutes."""
CACHE_SIZE = 2048
_ENDED = frozenset({SessionStatus.EXIT, SessionStatus.ERROR})


@dataclass(frozen=True)
class Viewer:
    """The workspace (and Grid org) of the person who opened the panel, from `users.info`."""

    team_id: str
    enterprise_id: str


@dataclass(frozen=True)
class Loaded:
    """What the budget allowed: the insights, else the session alone, and why the insights are missing."""

    session: Session | None
    """`SessionInsights` when the insights arrived; a plain `Session` (from the unfurl's cache) otherwise."""
    failure: DevinError | None = None
    timed_out: bool = False


class FlexpaneData:
    """Component: looks up viewers and insights for the panel; `stop()` cancels fetches still running."""

    def __init__(
        self,
        devin: DevinClient,
        sessions: SessionCache,
        *,
        budget: float = FLEXPANE_BUDGET_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget = budget
        self._devin = devin
        self._sessions = sessions
        self._insights: TLRUCache[str, SessionInsights | DevinNotFoundError] = TLRUCache(
            maxsize=CACHE_SIZE, ttu=_insights_expiry, timer=clock
        )
        self._viewers: TLRUCache[str, Viewer] = TLRUCache(
            maxsize=CACHE_SIZE, ttu=lambda _k, _v, now: now + VIEWER_TTL_SECONDS, timer=clock
        )
        self._inflight: dict[str, asyncio.Task[SessionInsights]] = {}

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def viewer(self, client: AsyncWebClient, user_id: str) -> Viewer | None:
        """The viewer's team, or None when Slack would not say (the panel then refuses: no data on a guess)."""
        cached = self._viewers.get(user_id)
        if cached is not None:
            return cached
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as error:
            log.warning("flexpane.viewer_unknown", extra={"error": error.response.get("error")})
            return None
        user = response.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("team_id"), str):
            return None
        grid = user.get("enterprise_user")
        enterprise = grid.get("enterprise_id") if isinstance(grid, dict) else None
        viewer = Viewer(team_id=user["team_id"], enterprise_id=enterprise if isinstance(enterprise, str) else "")
        self._viewers[user_id] = viewer
        return viewer

    async def load(self, session_id: str, deadline: float) -> Loaded:
        """Insights and the plain session at once; by `deadline` (loop time) the best of what arrived."""
        insights = self._insights_task(session_id)
        session = asyncio.ensure_future(self._sessions.get_session(session_id))
        try:
            await asyncio.wait({insights}, timeout=max(deadline - _now(), 0))
            if insights.done() and insights.exception() is None:
                return Loaded(insights.result())
            if not session.done():
                await asyncio.wait({session}, timeout=max(deadline - _now(), 0))
            failure = insights.exception() if insights.done() else None
            known = session.result() if session.done() and session.exception() is None else None
            if isinstance(failure, DevinNotFoundError) or (failure is not None and not isinstance(failure, DevinError)):
                raise failure
            return Loaded(known, failure=failure, timed_out=not insights.done())
        finally:
            if not insights.done():
                insights.cancel()  # only the shield: the fetch itself goes on and fills the cache
            if not session.done():
                session.cancel()
            elif not session.cancelled():
                session.exception()  # retrieved: a failure here only means no fallback

    def _insights_task(self, session_id: str) -> asyncio.Future[SessionInsights]:
        cached = self._insights.get(session_id)
        future: asyncio.Future[SessionInsights] = asyncio.get_running_loop().create_future()
        if isinstance(cached, DevinNotFoundError):
            future.set_exception(cached)
            return future
        if cached is not None:
            future.set_result(cached)
            return future
        task = self._inflight.get(session_id)
        if task is None:
            task = asyncio.create_task(self._fetch(session_id), name=f"flexpane.insights.{session_id}")
            task.add_done_callback(_retrieve)
            self._inflight[session_id] = task
        # Shielded: a viewer's deadline passing must not cancel the fetch that will warm the cache.
        return asyncio.shield(task)

    async def _fetch(self, session_id: str) -> SessionInsights:
        try:
            insights = await self._devin.get_session_insights(session_id)
        except DevinNotFoundError as error:
            self._insights[session_id] = error
            raise
        finally:
            self._inflight.pop(session_id, None)
        self._insights[session_id] = insights
        return insights


def _retrieve(task: asyncio.Task[SessionInsights]) -> None:
    # Nobody may be waiting any more (the viewer's deadline passed): the outcome is in the cache, or logged here.
    if not task.cancelled() and (error := task.exception()) is not None and not isinstance(error, DevinError):
        log.error("flexpane.insights_failed", exc_info=error)


def deadline_after(seconds: float) -> float:
    """A deadline in event-loop time."""
    return _now() + seconds


def _now() -> float:
    return asyncio.get_running_loop().time()


def _insights_expiry(_key: str, value: SessionInsights | DevinNotFoundError, now: float) -> float:
    if isinstance(value, DevinNotFoundError):
        return now + NOT_FOUND_TTL_SECONDS
    return now + (ENDED_TTL_SECONDS if value.status in _ENDED else ACTIVE_TTL_SECONDS)
