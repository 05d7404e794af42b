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

The pieces live in their own modules: `devin_state` (sessions and the Python API that changes them),
`devin_query` (query parsing, filters, cursors), `devin_sessions` (the `/v3` session routes),
`devin_metrics` and `devin_members` (the org routes), `devin_faults` (fault injection) and `devin_control`
(the `/_sandbox/` routes). This module serves them (lifecycle, middleware: auth, recording, faults) and
re-exports the few names other code imports from it. It sits on top: each route module states what it uses as
a Protocol (`SessionOrg`, `MetricsOrg`, `MemberOrg`, `ControlledOrg`) that `DevinSimulator` satisfies, and imports
nothing from here (an import-linter contract in pyproject.toml keeps it so).
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web

from bot.sandbox import SANDBOX_API_KEY, SANDBOX_ORG_ID
from bot.sandbox.devin_control import CONTROL_PREFIX, add_control_routes
from bot.sandbox.devin_faults import (
    MALFORMED_KINDS,
    STATUS_DETAILS,
    UNKNOWN_ENUM_VALUES,
    UNTIL_CLEARED,
    Fault,
    apply_fault,
    check_fault,
    malform,
    take_fault,
)
from bot.sandbox.devin_members import MemberBook, add_member_routes
from bot.sandbox.devin_metrics import add_metrics_routes
from bot.sandbox.devin_query import Reject
from bot.sandbox.devin_seed import APP_URL
from bot.sandbox.devin_sessions import DETAIL_VIEW, add_session_routes
from bot.sandbox.devin_state import DevinOrgState

# What other code imports from here; the rest lives in (and is imported from) the modules named above.
__all__ = ["MALFORMED_KINDS", "STATUS_DETAILS", "UNKNOWN_ENUM_VALUES", "UNTIL_CLEARED", "DevinSimulator", "Fault",
           "RecordedRequest", "serve_forever"]  # fmt: skip

DETAIL_UNAUTHORIZED = "Invalid or missing credentials"
SHUTDOWN_TIMEOUT = 1.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class RecordedRequest:
    """One API request as the simulator saw it; the Authorization header is never kept."""

    method: str
    path: str
    query: list[tuple[str, str]]
    at: float
    user_agent: str = ""


class DevinSimulator(DevinOrgState):
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
        metrics_permission: bool = True,
        consumption_permission: bool = True,
    ) -> None:
        super().__init__(
            org_id=org_id,
            seed=seed,
            insights_delay=insights_delay,
            clock=clock,
            app_url=app_url,
            recent_billing_suspension=recent_billing_suspension,
        )
        self.manage_sessions = manage_sessions
        """False simulates a key without ManageOrgSessions: `generate` answers 403."""
        self.metrics_permission = metrics_permission
        """False simulates a key without ViewOrgMetrics: `…/metrics/*` answer 403."""
        self.consumption_permission = consumption_permission
        """False simulates a key without ViewOrgConsumption: `…/consumption/daily` answers 403."""
        self.members = MemberBook(seed=True)
        """Org members (§16.3), seeded even when sessions are not (they cost nothing until asked for);
        `members.view_membership = False` makes every members request a 403."""
        self.requests: list[RecordedRequest] = []
        self.url = ""
        self._api_key = api_key.encode()
        self._faults: list[Fault] = []
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()

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
        add_session_routes(app, self)
        add_metrics_routes(app, self)
        add_member_routes(app, self)
        add_control_routes(app, self)
        return app

    # --- Python API for tests and the demo (sessions: see DevinOrgState) ---------------------------

    def requests_to(self, path_suffix: str) -> list[RecordedRequest]:
        """Recorded API requests whose path ends with `path_suffix`."""
        return [r for r in self.requests if r.path.endswith(path_suffix)]

    def clear_requests(self) -> None:
        self.requests.clear()

    def recorded(self) -> list[dict[str, Any]]:
        """The recorded requests as JSON-ready dicts."""
        return [asdict(r) for r in self.requests]

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
            malformed: `not_json` (a 200 HTML page), `wrong_shape` (a JSON list), `unknown_enum`
                (sessions in the answer carry status/status_detail/origin values no enum has) or
                `endless_cursor` (a list page says `has_next_page` behind a cursor back to itself).
            drop: close the connection without answering.
            times: how many requests it applies to; `UNTIL_CLEARED` (-1) for every request.
        """
        if status is None and retry_after is not None:
            status = 429
        fault = Fault(status, retry_after, latency, malformed, drop, path_contains, times)
        check_fault(fault)
        self._faults.append(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        return list(self._faults)

    # --- HTTP: middleware ----------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        fault: Fault | None = None
        if not request.path.startswith(CONTROL_PREFIX):
            query = list(request.query.items())
            ua = request.headers.get("User-Agent", "")
            self.requests.append(RecordedRequest(request.method, request.path, query, self._clock(), ua))
            fault = take_fault(self._faults, request.path)
        try:
            if fault is not None:
                early = await apply_fault(request, fault, self._closing)
                if early is not None:
                    return early
            self._authorise(request)
            response = await handler(request)
        except Reject as reject:
            return reject.response()
        except web.HTTPException as exc:  # the router's own 404/405, in FastAPI's shape
            return web.json_response({"detail": exc.reason}, status=exc.status, headers=_allow(exc))
        if fault is not None and fault.malformed is not None and response.status == 200:
            return malform(response, fault.malformed)
        return response

    def _authorise(self, request: web.Request) -> None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), self._api_key):
            raise Reject(401, DETAIL_UNAUTHORIZED, {"WWW-Authenticate": "Bearer"})

    # --- HTTP: helpers the route modules share -----------------------------------------------------

    def check_org(self, request: web.Request) -> None:
        """403 "lacks ViewOrgSessions" for a path naming another organization."""
        if request.match_info.get("org_id") != self.org_id:
            raise Reject(403, DETAIL_VIEW)


def _allow(exc: web.HTTPException) -> dict[str, str]:
    allow = exc.headers.get("Allow")
    return {"Allow": allow} if allow else {}


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
