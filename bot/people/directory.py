"""PeopleDirectory: Devin `user_id` → member (name, e-mail) → Slack user, cached with expiry in memory and the store.

Every failure is a result, never an exception: a member without e-mail, an e-mail Slack does not know
(`users_not_found`), a missing permission (Devin 403, Slack `missing_scope`), 5xx, timeouts and rate limits
all end in a cached `MemberLookup` that renders as the Devin name or id. Hits and misses are cached for
`found_ttl`/`missing_ttl`; configuration gaps and transient failures for the shorter `error_ttl`, so they
are retried soon but never once per alert.

Lookups do not grow with alerts: ids are de-duplicated per call, concurrent calls for the same id share one
lookup (in-flight futures), and the in-memory layer answers repeats without a database round trip.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import replace

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.devin.client import DevinClient
from bot.devin.errors import DevinAuthError, DevinError, DevinNotFoundError
from bot.people.records import LookupResult, MemberLookup, Person, Started, creator_id, person_of
from bot.store import Store
from bot.store import people as people_queries

log = logging.getLogger(__name__)

FOUND_TTL_SECONDS = 24 * 3600.0
"""A person found (or cleanly not found) is looked up again a day later: names and e-mails change rarely."""
MISSING_TTL_SECONDS = 24 * 3600.0
ERROR_TTL_SECONDS = 600.0
"""A missing permission or a failing API is asked again after ten minutes, not once per alert."""
MEMORY_TTL_SECONDS = 60.0
"""An entry read from the store is kept in memory this long, so replicas see each other's refreshes soon."""
LOOKUP_CONCURRENCY = 8
"""Lookups in flight at once: `users.lookupByEmail` is Tier 3 (about 50 a minute)."""
SLACK_NOT_FOUND = frozenset({"users_not_found", "user_not_found"})
SLACK_FORBIDDEN = frozenset({"missing_scope", "not_allowed_token_type", "no_permission", "invalid_auth", "not_authed"})


class PeopleDirectory:
    """Looks people up across Devin and Slack; safe to share between the engine and the listeners.

    Args:
        store: the second cache level, shared by replicas and restarts; `use_store()` can hand it in later
            (the alert engine opens it at start). Without one only the in-memory level caches.
    """

    def __init__(
        self,
        devin: DevinClient,
        slack: AsyncWebClient,
        *,
        store: Store | None = None,
        clock: Callable[[], float] = time.time,
        found_ttl: float = FOUND_TTL_SECONDS,
        missing_ttl: float = MISSING_TTL_SECONDS,
        error_ttl: float = ERROR_TTL_SECONDS,
    ) -> None:
        self._devin = devin
        self._slack = slack
        self._store = store
        self._clock = clock
        self._ttl = {
            LookupResult.FOUND: found_ttl,
            LookupResult.NOT_FOUND: missing_ttl,
            LookupResult.FORBIDDEN: error_ttl,
            LookupResult.FAILED: error_ttl,
        }
        self._memory: dict[str, tuple[MemberLookup, float]] = {}
        self._inflight: dict[str, asyncio.Future[MemberLookup]] = {}
        self._limit = asyncio.Semaphore(LOOKUP_CONCURRENCY)
        self._warned: set[str] = set()

    def use_store(self, store: Store | None) -> None:
        """Cache in `store` from now on (None: memory only)."""
        self._store = store

    async def people(self, sessions: Iterable[Started]) -> dict[str, Person]:
        """Who started each session, keyed by session id; one lookup per distinct person at most."""
        sessions = list(sessions)
        members = await self.members(uid for s in sessions if (uid := creator_id(s)) is not None)
        return {s.session_id: person_of(s, members) for s in sessions}

    async def person(self, session: Started) -> Person:
        """Who started one session."""
        return (await self.people([session]))[session.session_id]

    async def members(self, user_ids: Iterable[str]) -> dict[str, MemberLookup]:
        """The lookups for these Devin user ids (cached, shared with concurrent callers, never raising)."""
        wanted = list(dict.fromkeys(user_ids))
        now = self._clock()
        found: dict[str, MemberLookup] = {}
        for uid in wanted:
            cached = self._memory.get(uid)
            if cached is not None and cached[1] > now:
                found[uid] = cached[0]
        rest = [uid for uid in wanted if uid not in found]
        if rest and self._store is not None:
            async with self._store.transaction() as conn:
                stored = await people_queries.cached_members(conn, rest, now=now)
            for uid, member in stored.items():
                # A Slack half that expired while the Devin half is fresh: look the whole person up again.
                if member.slack_result is not None or not member.email or member.devin_result != LookupResult.FOUND:
                    found[uid] = member
                    self._memory[uid] = (member, now + MEMORY_TTL_SECONDS)
        missing = [uid for uid in wanted if uid not in found]
        if missing:
            looked = await asyncio.gather(*(self._shared_lookup(uid) for uid in missing))
            found.update(zip(missing, looked, strict=True))
        return found

    async def _shared_lookup(self, user_id: str) -> MemberLookup:
        cached = self._memory.get(user_id)
        if cached is not None and cached[1] > self._clock():
            return cached[0]  # a concurrent caller finished this lookup while we read the store
        running = self._inflight.get(user_id)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[MemberLookup] = asyncio.get_running_loop().create_future()
        self._inflight[user_id] = future
        try:
            member = await self._lookup(user_id)
            future.set_result(member)
            return member
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: a failure here is the caller's, not an orphan's
            raise
        finally:
            del self._inflight[user_id]

    async def _lookup(self, user_id: str) -> MemberLookup:
        async with self._limit:
            member = await self._devin_half(user_id)
            if member.devin_result is LookupResult.FOUND and member.email:
                member = await self._slack_half(member)
        now = self._clock()
        devin_expires = now + self._ttl[member.devin_result]
        slack_expires = now + self._ttl[member.slack_result] if member.slack_result is not None else None
        expires = min(devin_expires, slack_expires or devin_expires)
        self._memory[user_id] = (member, expires)
        if self._store is not None:
            async with self._store.transaction() as conn:
                await people_queries.put_member(
                    conn, member, devin_expires_at=devin_expires, slack_expires_at=slack_expires, now=now
                )
        log.info(
            "people.looked_up",
            extra={"devin": member.devin_result.value, "slack": member.slack_result and member.slack_result.value},
        )
        return member

    async def _devin_half(self, user_id: str) -> MemberLookup:
        try:
            found = await self._devin.get_member(user_id)
        except (DevinNotFoundError, ValueError):
            return MemberLookup(user_id, devin_result=LookupResult.NOT_FOUND)
        except DevinAuthError:
            self._warn_once("people.devin.forbidden", fix="give the service user a role with ViewOrgMembership")
            return MemberLookup(user_id, devin_result=LookupResult.FORBIDDEN)
        except DevinError as exc:
            log.warning("people.devin.failed", extra={"error": type(exc).__name__})
            return MemberLookup(user_id, devin_result=LookupResult.FAILED)
        email = (found.email or "").strip() or None
        name = (found.name or "").strip() or None
        return MemberLookup(user_id, name=name, email=email, devin_result=LookupResult.FOUND)

    async def _slack_half(self, member: MemberLookup) -> MemberLookup:
        try:
            response = await self._slack.users_lookupByEmail(email=member.email or "")
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            if error in SLACK_NOT_FOUND:
                return replace(member, slack_result=LookupResult.NOT_FOUND)
            if error in SLACK_FORBIDDEN:
                self._warn_once("people.slack.forbidden", fix="add users:read.email and reinstall the app")
                return replace(member, slack_result=LookupResult.FORBIDDEN)
            log.warning("people.slack.failed", extra={"error": error or exc.response.status_code})
            return replace(member, slack_result=LookupResult.FAILED)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("people.slack.failed", extra={"error": type(exc).__name__})
            return replace(member, slack_result=LookupResult.FAILED)
        user = response.get("user") or {}
        slack_id = user.get("id") if isinstance(user, dict) and not user.get("deleted") else None
        if not isinstance(slack_id, str) or not slack_id:
            return replace(member, slack_result=LookupResult.NOT_FOUND)
        return replace(member, slack_user_id=slack_id, slack_result=LookupResult.FOUND)

    def _warn_once(self, key: str, *, fix: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning(key, extra={"fix": fix})
