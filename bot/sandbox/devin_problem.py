"""Error bodies of the simulated Devin API in the 2026 shape: RFC 9457 `ProblemDetail` (§17).

`{type, title, status, detail, instance, errors}`; `detail` is kept for back-compat, and a 422 lists
its field errors in `errors[]`. The router's own 404/405 still answer in the legacy FastAPI shape
(`{"detail": "Not Found"}`), as some real endpoints do.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from aiohttp import web

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_body(status: int, detail: Any, *, instance: str | None = None) -> dict[str, Any]:
    """The ProblemDetail for `status`; a list `detail` (field errors) goes to `errors[]`."""
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if isinstance(detail, list):
        body["detail"] = "The request has invalid fields."
        body["errors"] = [
            {
                "location": ".".join(str(p) for p in item.get("loc", [])),
                "message": item.get("msg", ""),
                "type": item.get("type", ""),
            }
            for item in detail
            if isinstance(item, dict)
        ]
    else:
        body["detail"] = str(detail)
    if instance is not None:
        body["instance"] = instance
    return body


def problem_response(
    status: int, detail: Any, headers: Mapping[str, str] | None = None, *, instance: str | None = None
) -> web.Response:
    """An aiohttp response carrying the ProblemDetail."""
    return web.json_response(
        problem_body(status, detail, instance=instance),
        status=status,
        headers=dict(headers or {}),
        content_type=PROBLEM_CONTENT_TYPE,
    )
