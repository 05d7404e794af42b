"""Reading Devin's answers: a body into a model, one bad list item named without its values, lone surrogates
replaced, and what a transport "timeout" really was. Used by the client and by callers that parse pages."""

from __future__ import annotations

import logging
import re
from typing import Any, TypeVar

import aiohttp
import httpx
from pydantic import ValidationError

from bot.devin.errors import DevinInvalidResponseError
from bot.devin.links import is_session_id
from bot.devin.models import DevinModel, Page, RawPage, RejectedItem

ModelT = TypeVar("ModelT", bound=DevinModel)
log = logging.getLogger("bot.devin.client")
"""The client's logger: these lines were always the client's, and log tests and dashboards know them so."""

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""json.loads joins a valid pair into one character, so any surrogate left in a str is alone."""


def refused_or_dropped(error: httpx.TimeoutException) -> bool:
    """True when a "timeout" from the aiohttp transport was really a refused or dropped connection.

    httpx-aiohttp maps every `aiohttp.ClientConnectionError` to `httpx.ConnectTimeout`; the cause tells
    the cases apart, so users read "couldn't reach Devin" rather than "Devin didn't answer in time".
    """
    cause = error.__cause__
    return isinstance(cause, aiohttp.ClientConnectionError) and not isinstance(cause, aiohttp.ServerTimeoutError)


def parse(model: type[ModelT], body: Any, method: str, path: str) -> ModelT:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in err["loc"]) for err in exc.errors()[:3])
        raise DevinInvalidResponseError(
            f"{method} {path}: unexpected response shape ({fields})", method=method, path=path
        ) from None


def without_lone_surrogates(value: Any) -> Any:
    """The JSON value with every lone surrogate (half an emoji, `\\ud83d`) replaced by U+FFFD.

    JSON allows them; UTF-8 does not, so a single one made every later serialisation of the
    object (the stored snapshot, a Slack payload) fail. Strings are fixed here, at the edge.
    """
    if isinstance(value, str):
        return value if value.isascii() else _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [without_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {without_lone_surrogates(k): without_lone_surrogates(v) for k, v in value.items()}
    return value


def rejected(item: Any, error: ValidationError) -> RejectedItem:
    """Name the item (by its id, only when it is a well-formed session id) and its failing fields, no values."""
    candidate = item.get("session_id") if isinstance(item, dict) else None
    session_id = candidate if isinstance(candidate, str) and is_session_id(candidate) else None
    fields = tuple(dict.fromkeys(".".join(str(p) for p in err["loc"]) or "(item)" for err in error.errors()))
    return RejectedItem(session_id=session_id, fields=fields[:10])


def parse_page(model: type[ModelT], raw: RawPage, path: str) -> Page[ModelT]:
    """Each item of a page on its own: one that does not parse is left out, named in `rejected` and logged."""
    items: list[ModelT] = []
    bad: list[RejectedItem] = []
    for item in raw.items:
        try:
            items.append(model.model_validate(item))
        except ValidationError as exc:
            bad.append(rejected(item, exc))
    for one in bad:
        extra = {"path": path, "session_id": one.session_id, "fields": list(one.fields)}
        log.warning("devin.page.item_skipped", extra=extra)
    return Page[model](  # type: ignore[valid-type]
        items=items, end_cursor=raw.end_cursor, has_next_page=raw.has_next_page, total=raw.total, rejected=tuple(bad)
    )
