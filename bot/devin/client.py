"""Async client of the Devin API v3: one shared httpx.AsyncClient, models out, DevinError family raised."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import httpx
from pydantic import ValidationError

from bot.devin.errors import DevinInvalidResponseError
from bot.devin.filters import SessionFilters
from bot.devin.http import DevinRequests, shared_http_client
from bot.devin.links import is_session_id
from bot.devin.metrics import DailyConsumption, PrMetrics, SessionMetrics
from bot.devin.models import (
    DevinModel,
    GenerateInsightsResult,
    Member,
    Page,
    Principal,
    RawPage,
    Session,
    SessionInsights,
)
from bot.devin.parsing import parse, parse_page, without_lone_surrogates
from bot.devin.retry import INTERACTIVE_RETRY, RetryPolicy, Sleep

log = logging.getLogger(__name__)

_MEMBER_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")
"""What may go into a member path: Devin user ids look like `user-7a41c2e9d3b5`; nothing that could change the path."""
PAGE_SIZE_MAX = 200
PAGES_MAX = 500
"""Pages one listing may take: a Devin that always offers a fresh next cursor fails the listing instead of
never ending it (the alert poller and the summary listing stop at the same number)."""
"""The API's upper bound for `first` (§2.3)."""

ModelT = TypeVar("ModelT", bound=DevinModel)


class DevinClient:
    """Async Devin REST client bound to one organization. Raises only DevinError subclasses.

    Args:
        requests: requests on the shared httpx client (base URL: the API root; it carries the bearer key)
            under the default retry policy; `with_retry()` gives a view with another one.
        org_id: the `org-…` id every org-scoped path uses.
    """

    def __init__(self, requests: DevinRequests, org_id: str) -> None:
        self._requests, self._org_id = requests, org_id

    @classmethod
    def create(
        cls,
        *,
        api_url: str,
        api_key: str,
        org_id: str,
        retry: RetryPolicy = INTERACTIVE_RETRY,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> DevinClient:
        """A client on a new shared httpx client; `sleep` is how retries wait (tests inject a recorder)."""
        return cls(DevinRequests(shared_http_client(api_url, api_key, transport), retry, sleep), org_id)

    def with_retry(self, retry: RetryPolicy) -> DevinClient:
        """The same connection pool with another retry policy (the poller waits longer than a person)."""
        return DevinClient(self._requests.with_retry(retry), self._org_id)

    @property
    def org_id(self) -> str:
        return self._org_id

    async def aclose(self) -> None:
        await self._requests.aclose()

    # --- endpoints -----------------------------------------------------------------------------

    async def get_self(self) -> Principal:
        """`GET /v3/self`: who the key belongs to (a cheap credentials check)."""
        return await self._get_model("/v3/self", Principal)

    async def get_session(self, session_id: str) -> Session:
        """`GET …/sessions/{devin_id}`: one session, cheaper than insights."""
        return await self._get_model(self._session_path(session_id), Session)

    async def get_session_insights(self, session_id: str) -> SessionInsights:
        """`GET …/sessions/{devin_id}/insights`: metrics plus the analysis (None until generated)."""
        return await self._get_model(self._session_path(session_id) + "/insights", SessionInsights)

    async def generate_session_insights(self, session_id: str) -> GenerateInsightsResult:
        """`POST …/insights/generate`: `started`, or `already_exists` while generated or in progress."""
        body = await self._requests.request(
            "POST", self._session_path(session_id) + "/insights/generate", idempotent=False
        )
        return parse(GenerateInsightsResult, body, "POST", "insights/generate")

    async def list_sessions_page(
        self, filters: SessionFilters | None = None, *, first: int = PAGE_SIZE_MAX, after: str | None = None
    ) -> Page[Session]:
        """One page of `GET …/sessions`."""
        return await self._page(f"{self._org_path}/sessions", Session, filters, first, after)

    def list_sessions(
        self, filters: SessionFilters | None = None, *, page_size: int = PAGE_SIZE_MAX
    ) -> AsyncIterator[Session]:
        """Every session matching the filters; pages are fetched lazily as the caller iterates."""
        return self._iterate(f"{self._org_path}/sessions", Session, filters, page_size)

    def list_session_insights(
        self, filters: SessionFilters | None = None, *, page_size: int = PAGE_SIZE_MAX
    ) -> AsyncIterator[SessionInsights]:
        """Every session with metrics and analysis (`GET …/sessions/insights`), fetched lazily."""
        return self._iterate(f"{self._org_path}/sessions/insights", SessionInsights, filters, page_size)

    async def session_insights_page_bytes(
        self, filters: SessionFilters | None = None, *, first: int = PAGE_SIZE_MAX, after: str | None = None
    ) -> bytes:
        """One page of `GET …/sessions/insights` as the bytes Devin sent, unparsed: for a caller that reads a few
        fields of many sessions (the team summary) and validates them itself, straight from JSON."""
        params = _page_params(filters, first, after)
        body = await self._requests.request("GET", f"{self._org_path}/sessions/insights", params=params, raw=True)
        assert isinstance(body, bytes)
        return body

    async def get_session_metrics(self, time_after: int, time_before: int) -> SessionMetrics:
        """`GET …/metrics/sessions` for `[time_after, time_before)` (ViewOrgMetrics)."""
        return await self._get_window(f"{self._org_path}/metrics/sessions", SessionMetrics, time_after, time_before)

    async def get_pr_metrics(self, time_after: int, time_before: int) -> PrMetrics:
        """`GET …/metrics/prs` for `[time_after, time_before)` (ViewOrgMetrics)."""
        return await self._get_window(f"{self._org_path}/metrics/prs", PrMetrics, time_after, time_before)

    async def get_daily_consumption(self, time_after: int, time_before: int) -> DailyConsumption:
        """`GET …/consumption/daily`: ACUs per billing day (days start 08:00 UTC; ViewOrgConsumption)."""
        path = f"{self._org_path}/consumption/daily"
        return await self._get_window(path, DailyConsumption, time_after, time_before)

    async def get_member(self, user_id: str) -> Member:
        """`GET /v3beta1/…/members/users/{user_id}` (Beta, `ViewOrgMembership`): a member's name and e-mail."""
        if not _MEMBER_ID_RE.fullmatch(user_id):
            raise ValueError("user_id must be a Devin user id (letters, digits, '-' and '_')")
        return await self._get_model(f"/v3beta1/organizations/{self._org_id}/members/users/{user_id}", Member)

    async def find_member_by_email(self, email: str) -> Member | None:
        """`GET /v3beta1/…/members/users?email=` (exact match, `ViewOrgMembership`): the member, or None.

        App Home's "Your sessions" asks this once per viewer (then caches): which Devin user is this Slack person?
        """
        path = f"/v3beta1/organizations/{self._org_id}/members/users"
        body = await self._requests.request("GET", path, params={"email": email, "first": 1})
        for item in parse(RawPage, body, "GET", path).items:
            try:
                member = Member.model_validate(item)
            except ValidationError:
                continue
            # A server that ignored the filter would answer with someone else: never map a viewer to them.
            if (member.email or "").strip().lower() == email.strip().lower():
                return member
        return None

    # --- plumbing ------------------------------------------------------------------------------

    @property
    def _org_path(self) -> str:
        return f"/v3/organizations/{self._org_id}"

    def _session_path(self, session_id: str) -> str:
        # The one gate every session path passes: never send anything but devin- + 32 hex.
        if not is_session_id(session_id):
            raise ValueError("session_id must be 'devin-' followed by 32 lowercase hex digits")
        return f"{self._org_path}/sessions/{session_id}"

    async def _get_model(self, path: str, model: type[ModelT]) -> ModelT:
        return parse(model, await self._requests.request("GET", path), "GET", path)

    async def _get_window(self, path: str, model: type[ModelT], time_after: int, time_before: int) -> ModelT:
        params = {"time_after": time_after, "time_before": time_before}
        return parse(model, await self._requests.request("GET", path, params=params), "GET", path)

    async def _page(
        self, path: str, model: type[ModelT], filters: SessionFilters | None, first: int, after: str | None
    ) -> Page[ModelT]:
        body = await self._requests.request("GET", path, params=_page_params(filters, first, after))
        return parse_page(model, parse(RawPage, body, "GET", path), path)

    async def _iterate(
        self, path: str, model: type[ModelT], filters: SessionFilters | None, page_size: int
    ) -> AsyncIterator[ModelT]:
        after: str | None = None
        seen: set[str] = set()
        for _ in range(PAGES_MAX):
            page = await self._page(path, model, filters, page_size, after)
            for item in page.items:
                yield item
            if not page.has_next_page or not page.end_cursor:
                return
            if page.end_cursor in seen:
                # `has_next_page` with a cursor we already followed would loop for ever.
                log.warning("devin.page.cursor_repeated", extra={"path": path, "pages": len(seen) + 1})
                return
            seen.add(page.end_cursor)
            after = page.end_cursor
        log.warning("devin.page.cap", extra={"path": path, "pages": PAGES_MAX})
        raise DevinInvalidResponseError(f"GET {path}: more than {PAGES_MAX} pages", method="GET", path=path)


def _page_params(filters: SessionFilters | None, first: int, after: str | None) -> dict[str, Any]:
    if not 1 <= first <= PAGE_SIZE_MAX:
        raise ValueError(f"first must be between 1 and {PAGE_SIZE_MAX}")
    params = {**(filters.to_params() if filters else {}), "first": first}
    if after is not None:
        params["after"] = after
    return params


__all__ = ["DevinClient", "without_lone_surrogates"]
