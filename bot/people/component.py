"""People: the component `create_app` builds. It owns the directory and hands the alert engine its hooks."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Iterable, Sequence

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.alerts.delivery import ExtrasSource
from bot.alerts.rules import Decision
from bot.config import Settings
from bot.devin.client import DevinClient
from bot.devin.models import Session
from bot.people.alerting import AlertPeople
from bot.people.directory import PeopleDirectory
from bot.people.notices import NoticeRecorder
from bot.people.notifier import NoticeReport, Notifier
from bot.people.records import Person, Started
from bot.people.viewers import Viewers
from bot.store import STORE_ERRORS, Store
from bot.store import people as people_queries

log = logging.getLogger(__name__)

CARD_LOOKUP_SECONDS = 2.0
"""A card or preview waits at most this long for a name, then shows the Devin id (the lookup still caches)."""
SUMMARY_LOOKUP_SECONDS = 1.5
"""A summary or digest waits at most this long for its listed creators' names (it has its own fetch to do)."""


class People:
    """Who started a session, as a Slack person; shared by the alert engine and the listeners.

    The store is the alert engine's: `alert_extras` is the factory the engine calls with it at start,
    which also makes the directory cache there (before that, and without alerts, it caches in memory).
    """

    def __init__(
        self,
        directory: PeopleDirectory,
        slack: AsyncWebClient,
        *,
        app_url: str,
        reasons: Collection[str],
        waiting_after_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.directory = directory
        self._slack = slack
        self._app_url = app_url
        self._reasons = tuple(reasons)
        self._waiting_after = waiting_after_seconds
        self._clock = clock
        self._store: Store | None = None
        self.viewers: Viewers | None = None
        """App Home's "Your sessions" (set by `from_settings`; None in narrow tests)."""

    @classmethod
    def from_settings(
        cls, settings: Settings, devin: DevinClient, slack: AsyncWebClient, *, clock: Callable[[], float] = time.time
    ) -> People:
        ttl = settings.people_cache_hours * 3600.0
        directory = PeopleDirectory(devin, slack, clock=clock, found_ttl=ttl, missing_ttl=ttl)
        people = cls(
            directory,
            slack,
            app_url=settings.devin_app_url,
            reasons=settings.alert_reasons,
            waiting_after_seconds=settings.notify_waiting_after_minutes * 60.0,
            clock=clock,
        )
        people.viewers = Viewers(devin, slack, store=lambda: people.store, clock=clock, found_ttl=ttl)
        return people

    @property
    def store(self) -> Store | None:
        return self._store

    def alert_extras(self, store: Store) -> ExtrasSource:
        """The Deliverer's hook (mentions), bound to the engine's store."""
        self._store = store
        self.directory.use_store(store)
        return AlertPeople(self.directory, store)

    def engine_observer(self, store: Store) -> DirectMessages:
        """The engine's observer: records DM notices from each poll and sends them each tick."""
        self._store = store
        self.directory.use_store(store)
        recorder = NoticeRecorder(reasons=self._reasons, waiting_after_seconds=self._waiting_after, clock=self._clock)
        notifier = Notifier(store, self._slack, self.directory, app_url=self._app_url, clock=self._clock)
        return DirectMessages(recorder, notifier)

    async def notify_setting(self, slack_user_id: str) -> bool:
        """Whether this person gets DMs (on unless they said `notify off`)."""
        async with self._require_store().transaction() as conn:
            return await people_queries.get_notify(conn, slack_user_id)

    async def set_notify(self, slack_user_id: str, *, notify: bool) -> None:
        """`notify on|off` for one person."""
        async with self._require_store().transaction() as conn:
            await people_queries.put_notify(conn, slack_user_id, notify=notify, now=self._clock())
        log.info("people.notify.changed", extra={"user": slack_user_id, "notify": notify})

    def _require_store(self) -> Store:
        if self._store is None:
            raise PeopleUnavailableError("the people store is not open (the alert engine has not started)")
        return self._store

    async def creators(self, sessions: Iterable[Started], *, budget: float = CARD_LOOKUP_SECONDS) -> dict[str, Person]:
        """Who started each session (by session id), within `budget` seconds; {} when that runs out."""
        lookup = asyncio.ensure_future(self.directory.people(sessions))
        done, _ = await asyncio.wait({lookup}, timeout=budget)
        if not done:
            # Let it finish in the background so the next card finds the person cached.
            log.info("people.lookup.slow", extra={"budget": budget})
            return {}
        return lookup.result()

    async def names(self, sessions: Iterable[Started], *, budget: float = SUMMARY_LOOKUP_SECONDS) -> dict[str, Person]:
        """`creators` for a team summary or digest, which must never fail for a name: the store down → {}."""
        try:
            return await self.creators(sessions, budget=budget)
        except STORE_ERRORS as error:
            log.warning("people.lookup.store_failed", extra={"error": type(error).__name__})
            return {}

    async def creator(self, session: Session, *, budget: float = CARD_LOOKUP_SECONDS) -> Person | None:
        """Who started one session, or None when the lookup takes longer than `budget`."""
        return (await self.creators([session], budget=budget)).get(session.session_id)


class PeopleUnavailableError(RuntimeError):
    """Per-person settings need the store, which the alert engine opens."""


class DirectMessages:
    """`EngineObserver`: the notice recorder (poller side) and the notifier (tick side) as one."""

    def __init__(self, recorder: NoticeRecorder, notifier: Notifier) -> None:
        self.recorder = recorder
        self.notifier = notifier

    async def observe(self, conn: AsyncConnection, changes: Sequence[tuple[Session, Decision]]) -> None:
        await self.recorder.observe(conn, changes)

    async def deliver_due(self) -> NoticeReport:
        return await self.notifier.deliver_due()
