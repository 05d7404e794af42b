"""The Devin client's exception tree; callers catch by meaning, never by HTTP detail.

    DevinError                      base: method, path, status, detail
    ├── DevinConnectionError        the request did not reach Devin or the answer did not come back
    │   └── DevinTimeoutError       no answer within the timeout or the caller's retry budget
    ├── DevinInvalidResponseError   Devin answered, but not with JSON the models accept
    └── DevinStatusError            Devin answered with an error status
        ├── DevinAuthError          401/403: key, org id or role is wrong (a configuration problem)
        ├── DevinNotFoundError      404: unknown session (or org)
        ├── DevinRateLimitError     429: retry later (`retry_after` seconds when Devin said so)
        └── DevinServerError        5xx: Devin is having trouble

No message ever contains the API key: messages are built only from the method, the path and the
API's own `detail`.
"""

from __future__ import annotations

from typing import Any

import httpx

DETAIL_MAX = 300


class DevinError(Exception):
    """Base for every failure the Devin client reports."""

    def __init__(
        self, message: str, *, method: str = "", path: str = "", status: int | None = None, detail: str | None = None
    ) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.status = status
        self.detail = detail


class DevinConnectionError(DevinError):
    """The request could not be sent or its answer was lost."""


class DevinTimeoutError(DevinConnectionError):
    """Devin did not answer in time."""


class DevinInvalidResponseError(DevinError):
    """Devin answered with a body the app cannot read."""


class DevinStatusError(DevinError):
    """Devin answered with an error status."""

    @classmethod
    def from_response(cls, response: httpx.Response) -> DevinStatusError:
        method, path = response.request.method, response.request.url.path
        detail = error_detail(response)
        kind = _BY_STATUS.get(response.status_code)
        if kind is None:
            kind = DevinServerError if response.status_code >= 500 else DevinStatusError
        message = f"Devin API {response.status_code} for {method} {path}" + (f": {detail}" if detail else "")
        error = kind(message, method=method, path=path, status=response.status_code, detail=detail)
        if isinstance(error, DevinRateLimitError):
            error.retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return error


class DevinAuthError(DevinStatusError):
    """401/403: the key is invalid or lacks a permission (a configuration problem)."""


class DevinNotFoundError(DevinStatusError):
    """404: the session (or organization) does not exist or is not visible to this key."""


class DevinRateLimitError(DevinStatusError):
    """429: Devin asks us to slow down."""

    retry_after: float | None = None


class DevinServerError(DevinStatusError):
    """5xx: Devin failed; usually transient."""


_BY_STATUS: dict[int, type[DevinStatusError]] = {
    401: DevinAuthError,
    403: DevinAuthError,
    404: DevinNotFoundError,
    429: DevinRateLimitError,
}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header in its delta-seconds form; None when absent or unreadable."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(0.0, seconds) if seconds == seconds else None  # reject NaN


def error_detail(response: httpx.Response) -> str | None:
    """What the API said went wrong, shortened; else the raw body's start.

    Reads both shapes (§2.5, §17): RFC 9457 `ProblemDetail` (`detail`, else `title`, plus the field
    locations of `errors[]` on a 422) and the legacy FastAPI `{"detail": "…"}` or
    `{"detail": [{loc, msg}, …]}`.
    """
    try:
        body: Any = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:DETAIL_MAX] or None
    if not isinstance(body, dict):
        return None
    detail = body.get("detail")
    if isinstance(detail, list):
        return _field_errors(detail)
    said = detail if isinstance(detail, str) and detail.strip() else body.get("title")
    text = said.strip() if isinstance(said, str) else ""
    errors = body.get("errors")
    fields = _field_errors(errors) if isinstance(errors, list) else None
    if fields:
        text = f"{text} ({fields})" if text else fields
    return text[:DETAIL_MAX] or None


def _field_errors(items: list[Any]) -> str | None:
    """`loc: msg; …` from FastAPI's `{loc, msg}` or ProblemDetail's `{location|pointer|field, message|detail}`."""
    parts = []
    for item in items:
        if not isinstance(item, dict):
            continue
        where = item.get("loc", item.get("location", item.get("pointer", item.get("field", ""))))
        if isinstance(where, list):
            where = ".".join(str(p) for p in where if p not in ("query", "body"))
        message = item.get("msg", item.get("message", item.get("detail", "")))
        where, message = str(where or "").strip("/ "), str(message or "")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(p for p in parts if p)[:DETAIL_MAX] or None
