"""The `/_sandbox/…` control API of the simulated Devin org: its Python API over HTTP, for other processes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import web

from bot.sandbox.devin_faults import Fault
from bot.sandbox.devin_query import DETAIL_NOT_FOUND, Record, Reject, is_number

CONTROL_PREFIX = "/_sandbox/"


class ControlledOrg(Protocol):
    """What the control API drives: the org's sessions and settings, its faults and its request log.

    `devin_org.DevinSimulator` is one; this module imports no module above it.
    """

    insights_delay: float
    manage_sessions: bool

    def sessions(self) -> list[Record]: ...

    def add_session(self, **fields: Any) -> Record: ...

    def add_many(self, n: int, *, every: int = 1, **fields: Any) -> list[str]: ...

    def update_session(self, session_id: str, **fields: Any) -> Record: ...

    def remove_session(self, session_id: str) -> None: ...

    @property
    def inject(self) -> Callable[..., None]:
        """`DevinSimulator.inject`, called with the JSON body's fields (a wrong field is the caller's 400)."""
        ...

    @property
    def faults(self) -> list[Fault]: ...

    def clear_faults(self) -> None: ...

    def recorded(self) -> list[dict[str, Any]]: ...

    def clear_requests(self) -> None: ...


def add_control_routes(app: web.Application, org: ControlledOrg) -> None:
    """Register the control routes (same bearer key as the API; the middleware neither records nor faults them)."""
    control = _Control(org)
    routes = [
        ("GET", "sessions", control.list_sessions),
        ("POST", "sessions", control.add_session),
        ("POST", "sessions/bulk", control.add_many),
        ("PATCH", "sessions/{devin_id}", control.update_session),
        ("DELETE", "sessions/{devin_id}", control.remove_session),
        ("POST", "faults", control.inject),
        ("DELETE", "faults", control.clear_faults),
        ("GET", "requests", control.requests),
        ("DELETE", "requests", control.clear_requests),
        ("PATCH", "settings", control.settings),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, CONTROL_PREFIX + path, handler)


class _Control:
    """Handlers that turn a JSON body into one Python-API call on the simulator."""

    def __init__(self, org: ControlledOrg) -> None:
        self._org = org

    async def list_sessions(self, request: web.Request) -> web.Response:
        return web.json_response({"items": self._org.sessions()})

    async def add_session(self, request: web.Request) -> web.Response:
        fields = await _json_object(request)
        return web.json_response(_call(lambda: self._org.add_session(**fields)), status=201)

    async def add_many(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        count, fields = body.get("n"), body.get("fields") or {}
        if not isinstance(count, int) or count < 0 or not isinstance(fields, dict):
            raise Reject(400, 'expected {"n": <count>, "fields": {…}}')
        return web.json_response({"session_ids": _call(lambda: self._org.add_many(count, **fields))}, status=201)

    async def update_session(self, request: web.Request) -> web.Response:
        fields = await _json_object(request)
        session_id = request.match_info["devin_id"]
        return web.json_response(_call(lambda: self._org.update_session(session_id, **fields)))

    async def remove_session(self, request: web.Request) -> web.Response:
        session_id = request.match_info["devin_id"]
        _call(lambda: self._org.remove_session(session_id))
        return web.Response(status=204)

    async def inject(self, request: web.Request) -> web.Response:
        fields = await _json_object(request)
        _call(lambda: self._org.inject(**fields))
        return web.json_response({"faults": len(self._org.faults)}, status=201)

    async def clear_faults(self, request: web.Request) -> web.Response:
        self._org.clear_faults()
        return web.Response(status=204)

    async def requests(self, request: web.Request) -> web.Response:
        return web.json_response({"items": self._org.recorded()})

    async def clear_requests(self, request: web.Request) -> web.Response:
        self._org.clear_requests()
        return web.Response(status=204)

    async def settings(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        delay = body.get("insights_delay", self._org.insights_delay)
        manage = body.get("manage_sessions", self._org.manage_sessions)
        if not is_number(delay) or delay < 0 or not isinstance(manage, bool):
            raise Reject(400, "insights_delay must be a number >= 0 and manage_sessions a boolean")
        self._org.insights_delay, self._org.manage_sessions = float(delay), manage
        return web.json_response({"insights_delay": self._org.insights_delay, "manage_sessions": manage})


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
