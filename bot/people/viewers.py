"""App Home's "Your sessions": which Devin member is looking (Slack user → Devin user), and their recent sessions.

The match is the store's (the people directory already paired them, `devin_user_for`) or, the first time, the
viewer's Slack e-mail (`users.info`, scope `users:read.email`) looked up among Devin's members by exact e-mail
(`GET /v3beta1/…/members/users?email=`, `ViewOrgMembership`); a match is written to the directory so both
directions share it. Every failure is a result (`Unmatched`), never an exception.

Their sessions cost one paged listing filtered by the member (`user_ids`, `updated_after`): requests grow with
pages, never with sessions, and a short cache answers a tab opened again. The list is filtered again here by
`user_id`, so a server that ignored the filter could never show one person another's sessions.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.devin.client import DevinClient
from bot.devin.errors import DevinAuthError, DevinError, DevinNotFoundError
from bot.devin.filters import SessionFilters
from bot.devin.models import Session
from bot.people.directory import FOUND_TTL_SECONDS
from bot.people.records import WAITING_DETAILS, LookupResult, MemberLookup, Unmatched, ViewerMatch
from bot.store import STORE_ERRORS, Store
from bot.store import people as people_queries

log = logging.getLogger(__name__)

LOOKBACK_DAYS = 14
"""How far back "Your sessions" looks (by last update)."""
PAGES_MAX = 3
"""At most this many pages (200 sessions each) per viewer: a person, not the org."""
PAGE_SIZE = 200
SESSIONS_TTL_SECONDS = 30.0
"""A tab opened again within this long is answered from memory."""
UNMATCHED_TTL_SECONDS = 600.0
"""A viewer we could not match is asked about again after ten minutes (they may have joined Devin since)."""
CACHE_ENTRIES_MAX = 512


def ordered(sessions: list[Session]) -> list[Session]:
    """Waiting for the viewer first, then the most recently updated (the API's order is not documented)."""
    return sorted(sessions, key=lambda s: ((s.status_detail or "") not in WAITING_DETAILS, -s.updated_at, s.session_id))


def _retrieved(task: asyncio.Task[list[Session]]) -> None:
    # A failure nobody waited for any more (the tab gave up) is not an orphan: the next opening asks again.
    if not task.cancelled():
        task.exception()


@dataclass
class _Listing:
    at: float
    task: asyncio.Task[list[Session]]


class Viewers:
    """Slack viewer → Devin member → their recent sessions, cached; shared by every App Home opening.

    Args:
        store: where the directory keeps its pairs; a callable, because the alert engine opens it after start-up
            (None: match by e-mail every `found_ttl`, in memory only).
    """

    def __init__(
        self,
        devin: DevinClient,
        slack: AsyncWebClient,
        *,
        store: Callable[[], Store | None],
        clock: Callable[[], float] = time.time,
        found_ttl: float = FOUND_TTL_SECONDS,
    ) -> None:
        self._devin, self._slack, self._store, self._clock = devin, slack, store, clock
        self._found_ttl = found_ttl
        self._matches: dict[str, tuple[ViewerMatch, float]] = {}
        self._listings: dict[str, _Listing] = {}
        self.listings = 0
        """How many session listings went to Devin (tests read it)."""

    async def match(self, slack_user_id: str) -> ViewerMatch:
        """The Devin member behind `slack_user_id`, or why not."""
        cached = self._matches.get(slack_user_id)
        if cached is not None and cached[1] > self._clock():
            return cached[0]
        found = await self._stored(slack_user_id)
        if found is not None:
            return self._remember(slack_user_id, ViewerMatch(found))
        email = await self._slack_email(slack_user_id)
        if isinstance(email, Unmatched):
            return self._remember(slack_user_id, ViewerMatch(None, email))
        return self._remember(slack_user_id, await self._devin_member(slack_user_id, email))

    async def sessions(self, devin_user_id: str) -> list[Session]:
        """The member's sessions updated in the last `LOOKBACK_DAYS`, waiting first (cached briefly).

        Raises:
            DevinError: the listing failed (the next opening asks again).
        """
        listing = self._listings.get(devin_user_id)
        now = self._clock()
        stale = listing is None or now - listing.at >= SESSIONS_TTL_SECONDS
        if stale or (listing is not None and listing.task.done() and listing.task.exception() is not None):
            self._evict(now)
            task = asyncio.create_task(self._list(devin_user_id, int(now)))
            task.add_done_callback(_retrieved)
            listing = _Listing(now, task)
            self._listings[devin_user_id] = listing
        assert listing is not None
        # Shielded: a tab that stops waiting leaves the listing to finish and fill the cache.
        return await asyncio.shield(listing.task)

    async def _list(self, devin_user_id: str, now: int) -> list[Session]:
        self.listings += 1
        filters = SessionFilters(user_ids=(devin_user_id,), updated_after=now - LOOKBACK_DAYS * 86_400)
        found: list[Session] = []
        after: str | None = None
        for _ in range(PAGES_MAX):
            page = await self._devin.list_sessions_page(filters, first=PAGE_SIZE, after=after)
            found += [s for s in page.items if s.user_id == devin_user_id]
            if not page.has_next_page or not page.end_cursor:
                break
            after = page.end_cursor
        return ordered(found)

    def _evict(self, now: float) -> None:
        for key in [k for k, v in self._listings.items() if now - v.at >= SESSIONS_TTL_SECONDS and v.task.done()]:
            del self._listings[key]
        while len(self._listings) >= CACHE_ENTRIES_MAX:
            del self._listings[next(iter(self._listings))]

    def _remember(self, slack_user_id: str, match: ViewerMatch) -> ViewerMatch:
        ttl = self._found_ttl if match.devin_user_id is not None else UNMATCHED_TTL_SECONDS
        if len(self._matches) >= CACHE_ENTRIES_MAX:
            del self._matches[next(iter(self._matches))]
        self._matches[slack_user_id] = (match, self._clock() + ttl)
        return match

    async def _stored(self, slack_user_id: str) -> str | None:
        store = self._store()
        if store is None:
            return None
        try:
            async with store.transaction() as conn:
                return await people_queries.devin_user_for(conn, slack_user_id)
        except STORE_ERRORS as error:  # the e-mail route still works
            log.warning("people.viewer.store_failed", extra={"error": type(error).__name__})
            return None

    async def _slack_email(self, slack_user_id: str) -> str | Unmatched:
        try:
            response = await self._slack.users_info(user=slack_user_id)
        except SlackApiError as error:
            log.info("people.viewer.slack_failed", extra={"error": error.response.get("error")})
            return Unmatched.UNAVAILABLE
        except (aiohttp.ClientError, TimeoutError) as error:
            log.info("people.viewer.slack_failed", extra={"error": type(error).__name__})
            return Unmatched.UNAVAILABLE
        user = response.get("user")
        profile = user.get("profile") if isinstance(user, dict) else None
        email = profile.get("email") if isinstance(profile, dict) else None
        return email.strip() if isinstance(email, str) and email.strip() else Unmatched.NO_EMAIL

    async def _devin_member(self, slack_user_id: str, email: str) -> ViewerMatch:
        try:
            member = await self._devin.find_member_by_email(email)
        except DevinAuthError:
            return ViewerMatch(None, Unmatched.NO_PERMISSION)
        except DevinNotFoundError:  # an org without the (Beta) members endpoint: nobody to match
            return ViewerMatch(None, Unmatched.NOT_MEMBER)
        except DevinError as error:
            log.info("people.viewer.devin_failed", extra={"error": type(error).__name__})
            return ViewerMatch(None, Unmatched.UNAVAILABLE)
        if member is None:
            return ViewerMatch(None, Unmatched.NOT_MEMBER)
        await self._pair(member.user_id, member.name, email, slack_user_id)
        return ViewerMatch(member.user_id)

    async def _pair(self, user_id: str, name: str | None, email: str, slack_user_id: str) -> None:
        """Write the pair into the directory, so alerts and cards know this person too (and the next opening)."""
        store = self._store()
        if store is None:
            return
        now = self._clock()
        lookup = MemberLookup(
            user_id, name=name, email=email, slack_user_id=slack_user_id,
            devin_result=LookupResult.FOUND, slack_result=LookupResult.FOUND,
        )  # fmt: skip
        expires = now + self._found_ttl
        try:
            async with store.transaction() as conn:
                await people_queries.put_member(
                    conn, lookup, devin_expires_at=expires, slack_expires_at=expires, now=now
                )
        except STORE_ERRORS as error:
            log.warning("people.viewer.store_failed", extra={"error": type(error).__name__})
