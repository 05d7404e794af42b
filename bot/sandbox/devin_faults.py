"""Fault injection for the simulated Devin org: what a fault is, which request takes it, and how it misbehaves."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.sandbox.devin_problem import problem_response
from bot.sandbox.devin_query import encode_cursor, is_number

MALFORMED_KINDS = frozenset({"not_json", "wrong_shape", "unknown_enum", "endless_cursor"})
UNKNOWN_ENUM_VALUES = {"status": "hibernating", "status_detail": "quantum_nap", "origin": "carrier_pigeon"}
UNTIL_CLEARED = -1
"""`times` value for a fault that applies until `clear_faults()`."""
STATUS_DETAILS = {
    429: "Too many requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
NOT_JSON_PAGE = "<html><body><h1>Service temporarily unavailable</h1></body></html>"


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


def check_fault(fault: Fault) -> None:
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
    if not is_number(fault.latency) or fault.latency < 0:
        raise ValueError("latency must be a number of seconds >= 0")
    if fault.retry_after is not None and (not is_number(fault.retry_after) or fault.retry_after < 0):
        raise ValueError("retry_after must be a number of seconds >= 0")
    if not isinstance(fault.drop, bool) or not isinstance(fault.path_contains, str):
        raise ValueError("drop must be a boolean and path_contains a string")


def take_fault(faults: list[Fault], path: str) -> Fault | None:
    """The first fault matching `path`, used up by one (and removed from `faults` when none is left)."""
    for fault in faults:
        if fault.path_contains in path:
            if fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    faults.remove(fault)
            return fault
    return None


async def apply_fault(request: web.Request, fault: Fault, closing: asyncio.Event) -> web.StreamResponse | None:
    """Delay, drop or fail the request as `fault` says; None lets the request go on to its handler."""
    if fault.latency > 0:
        try:  # wait, but let stop() (which sets `closing`) release the request at once
            await asyncio.wait_for(closing.wait(), timeout=fault.latency)
        except TimeoutError:
            pass
    if fault.drop:
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=500)  # never reaches the client: the connection is gone
    if fault.status is not None:
        headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
        detail = STATUS_DETAILS.get(fault.status, "Injected failure")
        return problem_response(fault.status, detail, headers)
    return None


def malform(response: web.StreamResponse, kind: str) -> web.StreamResponse:
    """A successful answer spoiled the way `kind` (one of MALFORMED_KINDS) says."""
    if kind == "not_json":
        return web.Response(text=NOT_JSON_PAGE, content_type="text/html")
    if kind == "wrong_shape":
        return web.json_response(["unexpected", "shape"])
    if not isinstance(response, web.Response) or response.body is None:
        return response
    body = json.loads(bytes(response.body))  # type: ignore[arg-type]
    if kind == "endless_cursor":
        return web.json_response(_endless(body))
    return web.json_response(_unknown_enums(body))


def _endless(body: Any) -> Any:
    """A page that always says there is more, behind a cursor that leads back to the same page."""
    if not isinstance(body, dict) or not body.get("items"):
        return body
    first = body["items"][0]
    cursor = encode_cursor({"updated_at": first["updated_at"] - 1, "session_id": ""})
    return {**body, "has_next_page": True, "end_cursor": cursor}


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
