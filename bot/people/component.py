"""People: the component `create_app` builds. It owns the directory and hands the alert engine its hooks."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable

from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.delivery import ExtrasSource
from bot.config import Settings
from bot.devin.client import DevinClient
from bot.devin.models import Session
from bot.people.alerting import AlertPeople
from bot.people.directory import PeopleDirectory
from bot.people.records import Person
from bot.store import Store

log = logging.getLogger(__name__)

CARD_LOOKUP_SECONDS = 2.0
"""A card or preview waits at most this long for a name, then shows the Devin id (the lookup still caches)."""


class People:
    """Who started a session, as a Slack person; shared by the alert engine and the listeners.

    The store is the alert engine's: `alert_extras` is the factory the engine calls with it at start,
    which also makes the directory cache there (before that, and without alerts, it caches in memory).
    """

    def __init__(self, directory: PeopleDirectory, *, clock: Callable[[], float] = time.time) -> None:
        self.directory = directory
        self._clock = clock
        self._store: Store | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, devin: DevinClient, slack: AsyncWebClient, *, clock: Callable[[], float] = time.time
    ) -> People:
        ttl = settings.people_cache_hours * 3600.0
        directory = PeopleDirectory(devin, slack, clock=clock, found_ttl=ttl, missing_ttl=ttl)
        return cls(directory, clock=clock)

    @property
    def store(self) -> Store | None:
        return self._store

    def alert_extras(self, store: Store) -> ExtrasSource:
        """The Deliverer's hook (mentions), bound to the engine's store."""
        self._store = store
        self.directory.use_store(store)
        return AlertPeople(self.directory, store)

    async def creators(self, sessions: Iterable[Session], *, budget: float = CARD_LOOKUP_SECONDS) -> dict[str, Person]:
        """Who started each session (by session id), within `budget` seconds; {} when that runs out."""
        lookup = asyncio.ensure_future(self.directory.people(sessions))
        done, _ = await asyncio.wait({lookup}, timeout=budget)
        if not done:
            # Let it finish in the background so the next card finds the person cached.
            log.info("people.lookup.slow", extra={"budget": budget})
            return {}
        return lookup.result()

    async def creator(self, session: Session, *, budget: float = CARD_LOOKUP_SECONDS) -> Person | None:
        """Who started one session, or None when the lookup takes longer than `budget`."""
        return (await self.creators([session], budget=budget)).get(session.session_id)
