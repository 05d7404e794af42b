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
    """The API's `detail` (a string, or FastAPI's list of `{loc, msg}`), shortened; else the raw body's start."""
    try:
        body: Any = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:DETAIL_MAX] or None
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str):
        return detail[:DETAIL_MAX]
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", []) if p != "query")
                parts.append(f"{loc}: {item.get('msg', '')}" if loc else str(item.get("msg", "")))
        return "; ".join(parts)[:DETAIL_MAX] or None
    return None
