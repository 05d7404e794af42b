"""The simulated org's `/v3` session routes: who the key is, one session, its insights and messages, the lists.

A list page costs the simulator what the page holds, not what the org holds: `updated_after`/`updated_before`
narrow the scan to that slice of the `(updated_at, session_id)` order (a real backend has an index for it),
and `total` for the same filters is counted once until a session changes (devin_state keeps the count).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Protocol

from aiohttp import web

from bot.sandbox.devin_query import (
    DETAIL_NOT_FOUND,
    Predicate,
    Record,
    Reject,
    decode_cursor,
    encode_cursor,
    filter_key,
    page_size,
    session_filter,
    updated_bounds,
)
from bot.sandbox.devin_state import SessionPage

SERVICE_USER_ID = "service-user-sandbox"
SERVICE_USER_NAME = "devin-insights sandbox"
DETAIL_VIEW = "Service user lacks required permission: ViewOrgSessions"
DETAIL_MANAGE = "Service user lacks required permission: ManageOrgSessions"


class SessionOrg(Protocol):
    """What the session routes use: the org's sessions (`DevinOrgState`), its key's rights and its org check.

    `devin_org.DevinSimulator` is one; the routes import no module above them.
    """

    @property
    def org_id(self) -> str: ...

    @property
    def manage_sessions(self) -> bool: ...

    def check_org(self, request: web.Request) -> None: ...

    def find(self, session_id: str) -> Record | None: ...

    def page(
        self,
        first: int,
        keep: Predicate | None,
        after: tuple[Any, ...] | None,
        *,
        low: int | None = None,
        high: int | None = None,
        total_key: Hashable | None = None,
    ) -> SessionPage: ...

    def render(self, record: Record, insights: bool) -> Record: ...

    def generate(self, record: Record) -> str: ...

    def messages_of(self, record: Record) -> list[Record]: ...


def add_session_routes(app: web.Application, org: SessionOrg) -> None:
    """Register `/v3/self` and the session routes of §3–§7."""
    prefix, session = "/v3/organizations/{org_id}", "/v3/organizations/{org_id}/sessions/{devin_id}"
    routes = _SessionRoutes(org)
    app.router.add_get("/v3/self", routes.get_self)
    app.router.add_get(f"{prefix}/sessions", routes.list_sessions)
    app.router.add_get(f"{prefix}/sessions/insights", routes.list_insights)  # before {devin_id}
    app.router.add_get(session, routes.get_session)
    app.router.add_get(f"{session}/insights", routes.get_insights)
    app.router.add_post(f"{session}/insights/generate", routes.generate)
    app.router.add_get(f"{session}/messages", routes.list_messages)


class _SessionRoutes:
    def __init__(self, org: SessionOrg) -> None:
        self._org = org

    async def get_self(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "principal_type": "service_user",
                "service_user_id": SERVICE_USER_ID,
                "service_user_name": SERVICE_USER_NAME,
                "org_id": self._org.org_id,
            }
        )

    async def list_sessions(self, request: web.Request) -> web.Response:
        return self._page(request, insights=False)

    async def list_insights(self, request: web.Request) -> web.Response:
        return self._page(request, insights=True)

    async def get_session(self, request: web.Request) -> web.Response:
        return web.json_response(self._org.render(self._lookup(request), insights=False))

    async def get_insights(self, request: web.Request) -> web.Response:
        return web.json_response(self._org.render(self._lookup(request), insights=True))

    async def generate(self, request: web.Request) -> web.Response:
        self._org.check_org(request)
        if not self._org.manage_sessions:
            raise Reject(403, DETAIL_MANAGE)
        record = self._lookup(request)
        return web.json_response({"session_id": record["session_id"], "status": self._org.generate(record)})

    async def list_messages(self, request: web.Request) -> web.Response:
        record = self._lookup(request)
        first = page_size(request)
        offset = 0
        if (after := request.query.get("after")) is not None:
            (offset,) = decode_cursor(after, {"offset": int})
        messages = self._org.messages_of(record)
        items = messages[offset : offset + first]
        has_next = offset + first < len(messages)
        cursor = encode_cursor({"offset": offset + first}) if has_next else None
        return web.json_response(
            {"items": items, "end_cursor": cursor, "has_next_page": has_next, "total": len(messages)}
        )

    def _page(self, request: web.Request, *, insights: bool) -> web.Response:
        self._org.check_org(request)
        first = page_size(request)
        keep = session_filter(request)
        low, high = updated_bounds(request)
        after = request.query.get("after")
        key = None if after is None else decode_cursor(after, {"updated_at": int, "session_id": str})
        page = self._org.page(first, keep, key, low=low, high=high, total_key=filter_key(request))
        last = page.items[-1] if page.items else None
        cursor = (
            encode_cursor({"updated_at": int(last["updated_at"]), "session_id": last["session_id"]})
            if page.has_next and last
            else None
        )
        body = {
            "items": [self._org.render(r, insights) for r in page.items],
            "end_cursor": cursor,
            "has_next_page": page.has_next,
            "total": page.total,
        }
        return web.json_response(body)

    def _lookup(self, request: web.Request) -> Record:
        self._org.check_org(request)
        record = self._org.find(request.match_info["devin_id"])
        if record is None:
            raise Reject(404, DETAIL_NOT_FOUND)
        return record
