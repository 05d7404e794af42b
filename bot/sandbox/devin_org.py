"""A simulated Devin organization serving the v3 session endpoints of reference/devin-api.md over real HTTP.

Where the reference leaves behaviour open, the simulator chooses (and tests rely on these choices):

- A path naming another organization answers 403 "lacks ViewOrgSessions": the key has no role there.
- `*_after` filters are inclusive (`>=`), `*_before` filters exclusive (`<`), so windows tile.
- Array filters (`tags`, `origins`, `user_ids`, …) are repeated keys and match when any value matches;
  a comma-separated value is one literal value. Archived sessions are listed unless `is_archived` is sent.
- A request carrying `qs=` has every filter ignored, as the live API does (§2.4); `first`/`after` still apply.
- Items are ordered by `(updated_at, session_id)` ascending and the cursor encodes the last key, so a session
  updated between pages moves to the end (it is seen again) instead of shifting the other pages.
- An unreadable cursor answers 400 `{"detail": "Invalid cursor"}`.
- Generation finishes `insights_delay` seconds (by the injected clock) after `started`; for a session with
  no Devin message it finishes without an analysis, like a failed attempt, and a new `generate` starts again.
- Only API requests are recorded and subject to faults; `/_sandbox/` control requests are neither.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import bisect
import copy
import hashlib
import hmac
import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web

from bot.sandbox import SANDBOX_API_KEY, SANDBOX_ORG_ID
from bot.sandbox.devin_seed import (
    APP_URL,
    generated_analysis,
    seed_messages,
    seed_sessions,
    session_record,
    synthetic_messages,
)

SESSION_ID_RE = re.compile(r"devin-[0-9a-f]{32}")
PAGE_SIZE_DEFAULT = 100
PAGE_SIZE_MAX = 200
CONTROL_PREFIX = "/_sandbox/"
SERVICE_USER_ID = "service-user-sandbox"
SERVICE_USER_NAME = "devin-insights sandbox"
INSIGHTS_ONLY_FIELDS = frozenset({"num_user_messages", "num_devin_messages", "session_size", "analysis"})
INTERNAL_FIELDS = frozenset({"schedule_id", "repo_names"})
"""Filterable attributes that the API does not return."""
MALFORMED_KINDS = frozenset({"not_json", "wrong_shape", "unknown_enum"})
UNKNOWN_ENUM_VALUES = {"status": "hibernating", "status_detail": "quantum_nap", "origin": "carrier_pigeon"}
UNTIL_CLEARED = -1
"""`times` value for a fault that applies until `clear_faults()`."""
DETAIL_UNAUTHORIZED = "Invalid or missing credentials"
DETAIL_NOT_FOUND = "Session not found"
DETAIL_VIEW = "Service user lacks required permission: ViewOrgSessions"
DETAIL_MANAGE = "Service user lacks required permission: ManageOrgSessions"
STATUS_DETAILS = {
    429: "Too many requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
SHUTDOWN_TIMEOUT = 1.0

Record = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class RecordedRequest:
    """One API request as the simulator saw it; the Authorization header is never kept."""

    method: str
    path: str
    query: list[tuple[str, str]]
    at: float
    user_agent: str = ""


@dataclass
class Fault:
    """One injected misbehaviour; see `DevinSimulator.inject`."""

    status: int | None = None
    retry_after: float | None = None
    latency: float = 0.0
    malformed: str | None = None
    drop: bool = False
    path_contains: str = ""
    times: int = 1


class Reject(Exception):
    """Raised by a handler to answer with an error status and a FastAPI-style `{"detail": …}` body."""

    def __init__(self, status: int, detail: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status, detail)
        self.status, self.detail, self.headers = status, detail, dict(headers or {})

    def response(self) -> web.Response:
        return web.json_response({"detail": self.detail}, status=self.status, headers=self.headers)


class DevinSimulator:
    """An in-memory Devin org: Python API for in-process tests, HTTP (`/v3/…` and `/_sandbox/…`) for the rest."""

    def __init__(
        self,
        *,
        org_id: str = SANDBOX_ORG_ID,
        api_key: str = SANDBOX_API_KEY,
        seed: bool = True,
        insights_delay: float = 1.0,
        clock: Callable[[], float] = time.time,
        app_url: str = APP_URL,
        recent_billing_suspension: bool = False,
        manage_sessions: bool = True,
    ) -> None:
        self.org_id, self.app_url = org_id, app_url.rstrip("/")
        self.insights_delay = insights_delay
        self.manage_sessions = manage_sessions
        """False simulates a key without ManageOrgSessions: `generate` answers 403."""
        self.requests: list[RecordedRequest] = []
        self.url = ""
        self._api_key = api_key.encode()
        self._clock = clock
        self._sessions: dict[str, Record] = {}
        self._messages: dict[str, list[Record]] = {}
        self._generating: dict[str, float] = {}
        self._faults: list[Fault] = []
        self._order: list[tuple[int, str]] | None = None
        self._counter = 0
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        if seed:
            now = clock()
            for record in seed_sessions(now, recent_billing_suspension=recent_billing_suspension):
                self._sessions[record["session_id"]] = {**record, "org_id": org_id}
            self._messages.update(seed_messages(now))

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on `host:port` (0 picks a free port); returns the base URL."""
        if self._runner is not None:
            raise RuntimeError("the simulator is already running")
        self._closing = asyncio.Event()
        runner = web.AppRunner(self.build_app(), access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        self._runner = runner
        bound_host, bound_port = runner.addresses[0][:2]
        self.url = f"http://{f'[{bound_host}]' if ':' in bound_host else bound_host}:{bound_port}"
        return self.url

    async def stop(self) -> None:
        """Stop serving; requests held by injected latency are released first."""
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DevinSimulator:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    def build_app(self) -> web.Application:
        """The aiohttp application (a fresh one each call: aiohttp freezes an app once it runs)."""
        app = web.Application(middlewares=[self._middleware])
        org, session = "/v3/organizations/{org_id}", "/v3/organizations/{org_id}/sessions/{devin_id}"
        app.router.add_get("/v3/self", self._get_self)
        app.router.add_get(f"{org}/sessions", self._list_sessions)
        app.router.add_get(f"{org}/sessions/insights", self._list_insights)  # before {devin_id}
        app.router.add_get(session, self._get_session)
        app.router.add_get(f"{session}/insights", self._get_insights)
        app.router.add_post(f"{session}/insights/generate", self._generate)
        app.router.add_get(f"{session}/messages", self._list_messages)
        self._add_control_routes(app)
        return app

    # --- Python API for tests and the demo ---------------------------------------------------------

    def requests_to(self, path_suffix: str) -> list[RecordedRequest]:
        """Recorded API requests whose path ends with `path_suffix`."""
        return [r for r in self.requests if r.path.endswith(path_suffix)]

    def clear_requests(self) -> None:
        self.requests.clear()

    def session(self, session_id: str) -> Record:
        """A copy of the full stored record (insights fields and internal filter fields included)."""
        return copy.deepcopy(self._sessions[session_id])

    def sessions(self) -> list[Record]:
        return [copy.deepcopy(record) for record in self._sessions.values()]

    def add_session(self, **fields: Any) -> Record:
        """Add one session; every required field gets a sane default. `messages=[…]` sets its transcript."""
        session_id = fields.pop("session_id", None) or self._next_id()
        if not SESSION_ID_RE.fullmatch(session_id):
            raise ValueError("session_id must be 'devin-' followed by 32 lowercase hex digits")
        if session_id in self._sessions:
            raise ValueError(f"session {session_id} already exists")
        messages = fields.pop("messages", None)
        now = int(self._clock())
        fields.setdefault("created_at", now)
        fields.setdefault("updated_at", fields["created_at"])
        defaults = {"url": self._url(session_id), "org_id": self.org_id, "title": f"Sandbox session {self._counter}"}
        self._sessions[session_id] = session_record(session_id, **{**defaults, **fields})
        if messages is not None:
            self._messages[session_id] = list(messages)
        self._order = None
        return self.session(session_id)

    def add_many(self, n: int, **fields: Any) -> list[str]:
        """Add `n` synthetic sessions quickly (benchmarks); created one second apart, ending now."""
        if "messages" in fields or "session_id" in fields:
            raise ValueError("add_many() takes neither messages nor session_id; use add_session()")
        now = int(self._clock())
        template = session_record("devin-" + "0" * 32, org_id=self.org_id, **fields)
        ids = []
        for index in range(n):
            session_id = self._next_id()
            at = now - (n - index)
            # Shallow copy: nested values are shared, which is safe because updates replace values whole.
            record = {**template, "session_id": session_id, "url": self._url(session_id)}
            record["title"] = fields.get("title", f"Synthetic session {index}")
            record["created_at"] = fields.get("created_at", at)
            record["updated_at"] = fields.get("updated_at", at)
            self._sessions[session_id] = record
            ids.append(session_id)
        self._order = None
        return ids

    def update_session(self, session_id: str, **fields: Any) -> Record:
        """Change fields of a session; `updated_at` becomes `clock()` unless given explicitly."""
        record = self._sessions[session_id]
        if fields.get("session_id", session_id) != session_id:
            raise ValueError("session_id cannot change")
        messages = fields.pop("messages", None)
        fields.setdefault("updated_at", int(self._clock()))
        record.update(fields)
        if messages is not None:
            self._messages[session_id] = list(messages)
        self._order = None
        return self.session(session_id)

    def set_status(self, session_id: str, status: str, status_detail: str | None) -> Record:
        """Move a session to another status (bumps `updated_at`, as the poller relies on)."""
        return self.update_session(session_id, status=status, status_detail=status_detail)

    def remove_session(self, session_id: str) -> None:
        del self._sessions[session_id]
        self._messages.pop(session_id, None)
        self._generating.pop(session_id, None)
        self._order = None

    def inject(
        self,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        latency: float = 0.0,
        malformed: str | None = None,
        drop: bool = False,
        path_contains: str = "",
        times: int = 1,
    ) -> None:
        """Make the next `times` API requests whose path contains `path_contains` misbehave.

        Args:
            status: answer with this status instead (429 when only `retry_after` is given).
            retry_after: seconds for a `Retry-After` header on that answer.
            latency: seconds to wait before answering (or before the other faults act).
            malformed: `not_json` (a 200 HTML page), `wrong_shape` (a JSON list) or `unknown_enum`
                (sessions in the answer carry status/status_detail/origin values no enum has).
            drop: close the connection without answering.
            times: how many requests it applies to; `UNTIL_CLEARED` (-1) for every request.
        """
        if status is None and retry_after is not None:
            status = 429
        fault = Fault(status, retry_after, latency, malformed, drop, path_contains, times)
        _check_fault(fault)
        self._faults.append(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        return list(self._faults)

    def recorded(self) -> list[dict[str, Any]]:
        """The recorded requests as JSON-ready dicts."""
        return [asdict(r) for r in self.requests]

    # --- HTTP: middleware ----------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        fault: Fault | None = None
        if not request.path.startswith(CONTROL_PREFIX):
            query = list(request.query.items())
            ua = request.headers.get("User-Agent", "")
            self.requests.append(RecordedRequest(request.method, request.path, query, self._clock(), ua))
            fault = self._take_fault(request.path)
        try:
            if fault is not None:
                early = await self._apply_fault(request, fault)
                if early is not None:
                    return early
            self._authorise(request)
            response = await handler(request)
        except Reject as reject:
            return reject.response()
        except web.HTTPException as exc:  # the router's own 404/405, in FastAPI's shape
            return web.json_response({"detail": exc.reason}, status=exc.status, headers=_allow(exc))
        if fault is not None and fault.malformed is not None and response.status == 200:
            return _malform(response, fault.malformed)
        return response

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.path_contains in path:
                if fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                return fault
        return None

    async def _apply_fault(self, request: web.Request, fault: Fault) -> web.StreamResponse | None:
        if fault.latency > 0:
            try:  # wait, but let stop() release the request at once
                await asyncio.wait_for(self._closing.wait(), timeout=fault.latency)
            except TimeoutError:
                pass
        if fault.drop:
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)  # never reaches the client: the connection is gone
        if fault.status is not None:
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
            detail = STATUS_DETAILS.get(fault.status, "Injected failure")
            return web.json_response({"detail": detail}, status=fault.status, headers=headers)
        return None

    def _authorise(self, request: web.Request) -> None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), self._api_key):
            raise Reject(401, DETAIL_UNAUTHORIZED, {"WWW-Authenticate": "Bearer"})

    # --- HTTP: API handlers ----------------------------------------------------------------------

    async def _get_self(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "principal_type": "service_user",
                "service_user_id": SERVICE_USER_ID,
                "service_user_name": SERVICE_USER_NAME,
                "org_id": self.org_id,
            }
        )

    async def _list_sessions(self, request: web.Request) -> web.Response:
        return self._page(request, insights=False)

    async def _list_insights(self, request: web.Request) -> web.Response:
        return self._page(request, insights=True)

    async def _get_session(self, request: web.Request) -> web.Response:
        return web.json_response(self._render(self._lookup(request), insights=False))

    async def _get_insights(self, request: web.Request) -> web.Response:
        return web.json_response(self._render(self._lookup(request), insights=True))

    async def _generate(self, request: web.Request) -> web.Response:
        self._check_org(request)
        if not self.manage_sessions:
            raise Reject(403, DETAIL_MANAGE)
        record = self._lookup(request)
        session_id = record["session_id"]
        self._settle(record)
        if record.get("analysis") is not None or session_id in self._generating:
            return web.json_response({"session_id": session_id, "status": "already_exists"})
        self._generating[session_id] = self._clock() + self.insights_delay
        return web.json_response({"session_id": session_id, "status": "started"})

    async def _list_messages(self, request: web.Request) -> web.Response:
        record = self._lookup(request)
        first = page_size(request)
        offset = 0
        if (after := request.query.get("after")) is not None:
            (offset,) = decode_cursor(after, {"offset": int})
        messages = self._messages.get(record["session_id"])
        if messages is None:
            messages = self._messages[record["session_id"]] = synthetic_messages(record)
        items = messages[offset : offset + first]
        has_next = offset + first < len(messages)
        cursor = encode_cursor({"offset": offset + first}) if has_next else None
        return web.json_response(
            {"items": items, "end_cursor": cursor, "has_next_page": has_next, "total": len(messages)}
        )

    # --- HTTP: helpers ---------------------------------------------------------------------------

    def _page(self, request: web.Request, *, insights: bool) -> web.Response:
        self._check_org(request)
        first = page_size(request)
        keep = session_filter(request)
        order = self._ordered()
        start = 0
        if (after := request.query.get("after")) is not None:
            key = decode_cursor(after, {"updated_at": int, "session_id": str})
            start = bisect.bisect_right(order, key)
        items: list[Record] = []
        has_next = False
        for index in range(start, len(order)):
            record = self._sessions[order[index][1]]
            if keep is None or keep(record):
                if len(items) == first:
                    has_next = True
                    break
                items.append(record)
        total = len(order) if keep is None else sum(1 for record in self._sessions.values() if keep(record))
        last = items[-1] if items else None
        cursor = (
            encode_cursor({"updated_at": int(last["updated_at"]), "session_id": last["session_id"]})
            if has_next and last
            else None
        )
        body = {
            "items": [self._render(r, insights) for r in items],
            "end_cursor": cursor,
            "has_next_page": has_next,
            "total": total,
        }
        return web.json_response(body)

    def _ordered(self) -> list[tuple[int, str]]:
        if self._order is None:
            self._order = sorted((int(r["updated_at"]), sid) for sid, r in self._sessions.items())
        return self._order

    def _check_org(self, request: web.Request) -> None:
        if request.match_info.get("org_id") != self.org_id:
            raise Reject(403, DETAIL_VIEW)

    def _lookup(self, request: web.Request) -> Record:
        self._check_org(request)
        session_id = request.match_info["devin_id"]
        record = self._sessions.get(session_id) if SESSION_ID_RE.fullmatch(session_id) else None
        if record is None:
            raise Reject(404, DETAIL_NOT_FOUND)
        return record

    def _settle(self, record: Record) -> None:
        """Finish a generation whose time has come (checked lazily, on read, by the injected clock)."""
        ready_at = self._generating.get(record["session_id"])
        if ready_at is None or self._clock() < ready_at:
            return
        del self._generating[record["session_id"]]
        if int(record.get("num_devin_messages") or 0) > 0:
            record["analysis"] = generated_analysis(record)

    def _render(self, record: Record, insights: bool) -> Record:
        if insights:
            self._settle(record)
        hidden = INTERNAL_FIELDS if insights else INTERNAL_FIELDS | INSIGHTS_ONLY_FIELDS
        return {key: value for key, value in record.items() if key not in hidden}

    def _url(self, session_id: str) -> str:
        return f"{self.app_url}/sessions/{session_id.removeprefix('devin-')}"

    def _next_id(self) -> str:
        while True:
            self._counter += 1
            session_id = "devin-" + hashlib.sha256(f"{self.org_id}:{self._counter}".encode()).hexdigest()[:32]
            if session_id not in self._sessions:
                return session_id

    # --- HTTP: control API under /_sandbox/ (same bearer key; neither recorded nor faulted) ------

    def _add_control_routes(self, app: web.Application) -> None:
        routes = [
            ("GET", "sessions", self._ctl_list_sessions),
            ("POST", "sessions", self._ctl_add_session),
            ("POST", "sessions/bulk", self._ctl_add_many),
            ("PATCH", "sessions/{devin_id}", self._ctl_update_session),
            ("DELETE", "sessions/{devin_id}", self._ctl_remove_session),
            ("POST", "faults", self._ctl_inject),
            ("DELETE", "faults", self._ctl_clear_faults),
            ("GET", "requests", self._ctl_requests),
            ("DELETE", "requests", self._ctl_clear_requests),
            ("PATCH", "settings", self._ctl_settings),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, CONTROL_PREFIX + path, handler)

    async def _ctl_list_sessions(self, request: web.Request) -> web.Response:
        return web.json_response({"items": self.sessions()})

    async def _ctl_add_session(self, request: web.Request) -> web.Response:
        fields = await _json_object(request)
        return web.json_response(_call(lambda: self.add_session(**fields)), status=201)

    async def _ctl_add_many(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        count, fields = body.get("n"), body.get("fields") or {}
        if not isinstance(count, int) or count < 0 or not isinstance(fields, dict):
            raise Reject(400, 'expected {"n": <count>, "fields": {…}}')
        return web.json_response({"session_ids": _call(lambda: self.add_many(count, **fields))}, status=201)

    async def _ctl_update_session(self, request: web.Request) -> web.Response:
        fields = await _json_object(request)
        session_id = request.match_info["devin_id"]
        return web.json_response(_call(lambda: self.update_session(session_id, **fields)))

    async def _ctl_remove_session(self, request: web.Request) -> web.Response:
        session_id = request.match_info["devin_id"]
        _call(lambda: self.remove_session(session_id))
        return web.Response(status=204)

    async def _ctl_inject(self, request: web.Request) -> web.Response:
        fields = await _json_object(request)
        _call(lambda: self.inject(**fields))
        return web.json_response({"faults": len(self._faults)}, status=201)

    async def _ctl_clear_faults(self, request: web.Request) -> web.Response:
        self.clear_faults()
        return web.Response(status=204)

    async def _ctl_requests(self, request: web.Request) -> web.Response:
        return web.json_response({"items": self.recorded()})

    async def _ctl_clear_requests(self, request: web.Request) -> web.Response:
        self.clear_requests()
        return web.Response(status=204)

    async def _ctl_settings(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        delay, manage = (
            body.get("insights_delay", self.insights_delay),
            body.get("manage_sessions", self.manage_sessions),
        )
        if not _is_number(delay) or delay < 0 or not isinstance(manage, bool):
            raise Reject(400, "insights_delay must be a number >= 0 and manage_sessions a boolean")
        self.insights_delay, self.manage_sessions = float(delay), manage
        return web.json_response({"insights_delay": self.insights_delay, "manage_sessions": self.manage_sessions})


# --- query parsing, FastAPI-style -----------------------------------------------------------------

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_MIN_FILTERS = (("created_after", "created_at"), ("updated_after", "updated_at"))
_MAX_FILTERS = (("created_before", "created_at"), ("updated_before", "updated_at"))
_IN_FILTERS = (
    ("session_ids", "session_id"),
    ("origins", "origin"),
    ("user_ids", "user_id"),
    ("service_user_ids", "service_user_id"),
)
_EQ_FILTERS = ("playbook_id", "schedule_id", "category")
_GITHUB_REPO_RE = re.compile(r"https://github\.com/([^/]+/[^/]+)/")


def _invalid(name: str, raw: str, msg: str, kind: str) -> Reject:
    return Reject(422, [{"loc": ["query", name], "msg": msg, "type": kind, "input": raw}])


def query_int(
    request: web.Request, name: str, default: int | None = None, *, low: int | None = None, high: int | None = None
) -> int | None:
    """An integer query parameter, or a 422 in FastAPI's list-of-errors shape."""
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _invalid(
            name, raw, "Input should be a valid integer, unable to parse string as an integer", "int_parsing"
        ) from None
    if low is not None and value < low:
        raise _invalid(name, raw, f"Input should be greater than or equal to {low}", "greater_than_equal")
    if high is not None and value > high:
        raise _invalid(name, raw, f"Input should be less than or equal to {high}", "less_than_equal")
    return value


def page_size(request: web.Request) -> int:
    """`first`: default 100, 1 ≤ first ≤ 200 (§2.3)."""
    return query_int(request, "first", PAGE_SIZE_DEFAULT, low=1, high=PAGE_SIZE_MAX) or PAGE_SIZE_DEFAULT


def query_bool(request: web.Request, name: str) -> bool | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    if raw.lower() in _TRUE | _FALSE:
        return raw.lower() in _TRUE
    raise _invalid(name, raw, "Input should be a valid boolean, unable to interpret input", "bool_parsing")


def repo_names(record: Mapping[str, Any]) -> set[str]:
    """Repositories a session touched: its explicit `repo_names`, else the repos of its GitHub PR URLs."""
    explicit = record.get("repo_names")
    if explicit:
        return set(explicit)
    urls = (pr.get("pr_url", "") for pr in record.get("pull_requests") or [])
    return {m.group(1) for url in urls if (m := _GITHUB_REPO_RE.match(url))}


def _at_least(field: str, bound: int) -> Callable[[Record], bool]:
    return lambda record: int(record[field]) >= bound


def _below(field: str, bound: int) -> Callable[[Record], bool]:
    return lambda record: int(record[field]) < bound


def _one_of(field: str, values: frozenset[str]) -> Callable[[Record], bool]:
    return lambda record: record.get(field) in values


def session_filter(request: web.Request) -> Callable[[Record], bool] | None:
    """The `SessionsQueryParams` filters of a request as one predicate (None: keep everything)."""
    query = request.query
    if "qs" in query:
        return None  # the live API silently ignores filters sent as a `qs` object (§2.4)
    checks: list[Callable[[Record], bool]] = []
    for name, field in _MIN_FILTERS:
        if (low := query_int(request, name)) is not None:
            checks.append(_at_least(field, low))
    for name, field in _MAX_FILTERS:
        if (high := query_int(request, name)) is not None:
            checks.append(_below(field, high))
    for name, field in _IN_FILTERS:
        if values := frozenset(query.getall(name, [])):
            checks.append(_one_of(field, values))
    for name in _EQ_FILTERS:
        if (value := query.get(name)) is not None:
            checks.append(_one_of(name, frozenset({value})))
    if tags := frozenset(query.getall("tags", [])):
        checks.append(lambda r: not tags.isdisjoint(r.get("tags") or ()))
    if repos := frozenset(query.getall("repo_names", [])):
        checks.append(lambda r: not repos.isdisjoint(repo_names(r)))
    if (archived := query_bool(request, "is_archived")) is not None:
        checks.append(lambda r: bool(r.get("is_archived")) is archived)
    if not checks:
        return None
    return lambda record: all(check(record) for check in checks)


def encode_cursor(key: Mapping[str, Any]) -> str:
    """An opaque cursor: base64 of a small JSON object, as the live API's look."""
    return base64.urlsafe_b64encode(json.dumps(dict(key), separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str, fields: Mapping[str, type]) -> tuple[Any, ...]:
    """The cursor's fields in order, each of the given type; 400 when it is not one of ours."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        values = tuple(key[name] for name in fields)
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise Reject(400, "Invalid cursor") from None
    # bool is an int to Python; a forged `true` must not pass for a number.
    if any(type(value) is not kind for value, kind in zip(values, fields.values(), strict=True)):
        raise Reject(400, "Invalid cursor")
    if any(isinstance(value, int) and value < 0 for value in values):
        raise Reject(400, "Invalid cursor")
    return values


# --- faults and control helpers -------------------------------------------------------------------


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_fault(fault: Fault) -> None:
    """Reject a fault that would misbehave in the wrong way (the control API passes JSON straight in)."""
    if fault.malformed is not None and fault.malformed not in MALFORMED_KINDS:
        raise ValueError(f"malformed must be one of {sorted(MALFORMED_KINDS)}")
    if fault.status is not None and (not isinstance(fault.status, int) or not 400 <= fault.status <= 599):
        raise ValueError("status must be an HTTP error status (400-599)")
    if (
        not isinstance(fault.times, int)
        or isinstance(fault.times, bool)
        or fault.times == 0
        or fault.times < UNTIL_CLEARED
    ):
        raise ValueError("times must be a positive integer, or UNTIL_CLEARED (-1)")
    if not _is_number(fault.latency) or fault.latency < 0:
        raise ValueError("latency must be a number of seconds >= 0")
    if fault.retry_after is not None and (not _is_number(fault.retry_after) or fault.retry_after < 0):
        raise ValueError("retry_after must be a number of seconds >= 0")
    if not isinstance(fault.drop, bool) or not isinstance(fault.path_contains, str):
        raise ValueError("drop must be a boolean and path_contains a string")


def _malform(response: web.StreamResponse, kind: str) -> web.StreamResponse:
    if kind == "not_json":
        return web.Response(
            text="<html><body><h1>Service temporarily unavailable</h1></body></html>", content_type="text/html"
        )
    if kind == "wrong_shape":
        return web.json_response(["unexpected", "shape"])
    if not isinstance(response, web.Response) or response.body is None:
        return response
    body = json.loads(bytes(response.body))  # type: ignore[arg-type]
    return web.json_response(_unknown_enums(body))


def _unknown_enums(body: Any) -> Any:
    if isinstance(body, list):
        return [_unknown_enums(item) for item in body]
    if isinstance(body, dict):
        changed = {key: _unknown_enums(value) for key, value in body.items()}
        if "session_id" in changed and "status" in changed:
            changed.update(UNKNOWN_ENUM_VALUES)
            if "session_size" in changed:
                changed["session_size"] = "xxl"
        return changed
    return body


def _allow(exc: web.HTTPException) -> dict[str, str]:
    allow = exc.headers.get("Allow")
    return {"Allow": allow} if allow else {}


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json() if request.can_read_body else {}
    except ValueError:
        raise Reject(400, "the body is not JSON") from None
    if not isinstance(body, dict):
        raise Reject(400, "the body must be a JSON object")
    return body


def _call(action: Callable[[], Any]) -> Any:
    """Run a Python-API call for the control API; bad input is the caller's 400, a missing session a 404."""
    try:
        return action()
    except KeyError:
        raise Reject(404, DETAIL_NOT_FOUND) from None
    except (TypeError, ValueError) as exc:
        raise Reject(400, str(exc)) from None


async def serve_forever(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    ready: Callable[[DevinSimulator], None] | None = None,
    **options: Any,
) -> None:
    """Run a simulator until cancelled; `ready` is called with it once it listens (e.g. to print its URL)."""
    simulator = DevinSimulator(**options)
    await simulator.start(host, port)
    try:
        if ready is not None:
            ready(simulator)
        await asyncio.Event().wait()
    finally:
        await simulator.stop()
