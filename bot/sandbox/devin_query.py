"""Request parsing for the simulated Devin org, FastAPI-style: query values, session filters, cursors, errors."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from bot.sandbox.devin_problem import problem_response

PAGE_SIZE_DEFAULT = 100
PAGE_SIZE_MAX = 200
DETAIL_NOT_FOUND = "Session not found"

Record = dict[str, Any]
"""One stored session (or message) as a JSON-ready dict."""
Predicate = Callable[[Record], bool]

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


class Reject(Exception):
    """Raised by a handler to answer with an error status and a ProblemDetail body (`detail` kept)."""

    def __init__(self, status: int, detail: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status, detail)
        self.status, self.detail, self.headers = status, detail, dict(headers or {})

    def response(self) -> web.Response:
        return problem_response(self.status, self.detail, self.headers)


def is_number(value: object) -> bool:
    """An int or float from parsed JSON; `true`/`false` are not numbers here even though bool is an int."""
    return isinstance(value, int | float) and not isinstance(value, bool)


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


def _at_least(field: str, bound: int) -> Predicate:
    return lambda record: int(record[field]) >= bound


def _below(field: str, bound: int) -> Predicate:
    return lambda record: int(record[field]) < bound


def _one_of(field: str, values: frozenset[str]) -> Predicate:
    return lambda record: record.get(field) in values


def session_filter(request: web.Request) -> Predicate | None:
    """The `SessionsQueryParams` filters of a request as one predicate (None: keep everything)."""
    query = request.query
    if "qs" in query:
        return None  # the live API silently ignores filters sent as a `qs` object (§2.4)
    checks: list[Predicate] = []
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


def updated_bounds(request: web.Request) -> tuple[int | None, int | None]:
    """`(updated_after, updated_before)` as sent (None where absent, and both None under `qs=`), so a list can
    scan only that slice of its `updated_at` order; `session_filter` still applies every filter itself."""
    if "qs" in request.query:
        return None, None
    return query_int(request, "updated_after"), query_int(request, "updated_before")


def filter_key(request: web.Request) -> tuple[tuple[str, str], ...]:
    """The request's filters (everything but the page parameters), sorted: requests with equal keys match the
    same sessions, so a list can count `total` once for all the pages of one listing."""
    return tuple(sorted((k, v) for k, v in request.query.items() if k not in ("first", "after")))


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
