"""What the Slack stand-in records and injects: each call as Slack answered it, failures and latency to
inject per method, waiting for calls (never sleeping), and reading a Web API request's parameters."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bot.sandbox.slack_workspace import _JSON_FIELDS, _SERVER_ERRORS, DEFAULT_TIMEOUT, Json, _SlackError


@dataclass(frozen=True)
class SlackCall:
    """One recorded request: a Web API method, or `response_url` for a hook post."""

    method: str
    body: Json
    """Parameters (query, form or JSON) with JSON-string fields decoded and `token` removed."""
    headers: dict[str, str]
    """Request headers without `Authorization`."""
    at: float
    """`time.monotonic()` when the answer was decided."""
    status: int = 200
    response: Any = None
    """The JSON answer (Web API) or the text answer (hooks)."""
    hook: str | None = None
    """For hook posts, the name part of the `response_url`."""

    @property
    def ok(self) -> bool:
        """True when Slack would have accepted the call."""
        if self.status != 200:
            return False
        return self.response == "ok" if self.hook is not None else bool(self.response.get("ok"))


@dataclass
class Fault:
    """One injected failure for the next `remaining` calls to a method."""

    status: int
    retry_after: int
    error: str | None
    remaining: int

    def answer(self) -> tuple[int, Json, dict[str, str]]:
        if self.status == 429:
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(self.retry_after)}
        default = _SERVER_ERRORS.get(self.status, "internal_error")
        return self.status, {"ok": False, "error": self.error or default}, {}


class CallRecorder:
    """The recording half of the stand-in: calls, injected faults and latencies, and waiting for calls."""

    def __init__(self) -> None:
        self.calls: list[SlackCall] = []
        self._faults: dict[str, list[Fault]] = {}
        self._latency: dict[str, float] = {}
        self._late: dict[str, float] = {}
        self._on_call: dict[str, Callable[[SlackCall], None]] = {}
        self._changed = asyncio.Condition()

    # ---- configuration ---------------------------------------------------------------------------

    def fail(
        self, method: str, *, status: int | None = None, retry_after: int = 1, error: str | None = None, times: int = 1
    ) -> None:
        """Make the next `times` calls to `method` (or `response_url`) fail.

        No `status` and no `error`: HTTP 429 with `Retry-After` and `ratelimited`. An `error` alone: HTTP 200
        `{"ok": false, "error": error}`. A 5xx `status`: that status with a JSON error body.
        """
        code = status if status is not None else (200 if error else 429)
        if code == 200 and not error:
            raise ValueError("fail(status=200) needs an error code")
        self._faults.setdefault(method, []).append(Fault(code, retry_after, error, times))

    def latency(self, method: str, seconds: float, *, after_acting: bool = False) -> None:
        """Delay every answer to `method` (or `response_url`) by `seconds`; 0 removes the delay.

        `after_acting=True`: the call takes effect at once (the message is posted) and only the answer
        is late, as when Slack accepts a post but answers after the client gave up.
        """
        (self._late if after_acting else self._latency)[method] = seconds

    def on_call(self, method: str, callback: Callable[[SlackCall], None] | None) -> None:
        """Run `callback` (synchronously, before the answer is sent) on every recorded call to `method`.

        For fault tests that must act at an exact moment, e.g. cut the database right after Slack
        accepted a post. None removes it.
        """
        if callback is None:
            self._on_call.pop(method, None)
        else:
            self._on_call[method] = callback

    def clear_faults(self) -> None:
        """Stop injecting failures and latency; recorded calls and workspace content stay."""
        self._faults.clear()
        self._latency.clear()
        self._late.clear()

    # ---- inspection ------------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[SlackCall]:
        """Recorded calls to one method, oldest first (failed attempts included)."""
        return [c for c in self.calls if c.method == method]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = DEFAULT_TIMEOUT,
        predicate: Callable[[SlackCall], bool] | None = None,
    ) -> list[SlackCall]:
        """Wait until at least `count` calls to `method` match `predicate`; return all that match."""

        def matching() -> list[SlackCall]:
            return [c for c in self.calls_to(method) if predicate is None or predicate(c)]

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: len(matching()) >= count)
        except TimeoutError:
            raise AssertionError(self._timeout_report(method, count, len(matching()), timeout)) from None
        return matching()

    async def wait_for_count(self, count: int) -> list[SlackCall]:
        """Wait (without timeout) until at least `count` calls of any kind were recorded; returns them all."""
        async with self._changed:
            await self._changed.wait_for(lambda: len(self.calls) >= count)
        return list(self.calls)

    def _timeout_report(self, method: str, count: int, found: int, timeout: float) -> str:
        lines = [f"expected {count} matching call(s) to {method} within {timeout}s, found {found}; recorded:"]
        lines += [f"  {c.method} status={c.status} ok={c.ok} body={json.dumps(c.body)[:200]}" for c in self.calls]
        return "\n".join(lines if self.calls else [*lines, "  (nothing)"])

    async def _delay(self, method: str) -> None:
        seconds = self._latency.get(method, 0.0)
        if seconds > 0:
            await asyncio.sleep(seconds)  # simulated network latency, not a test waiting for something

    def _take_fault(self, method: str) -> Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.pop(0)
        return fault

    async def _record(self, call: SlackCall) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()


def _decode_json_fields(body: Json) -> None:
    for name in _JSON_FIELDS:
        value = body.get(name)
        if isinstance(value, str):
            try:
                body[name] = json.loads(value)
            except ValueError:
                pass  # left as text, so the method answers with its own *_format error


async def read_params(request: web.Request) -> Json:
    """A Web API call's parameters from the query, a JSON body or a form, JSON-string fields decoded."""
    params: Json = dict(request.query)
    raw = await request.read()
    if raw and request.content_type == "application/json":
        loaded = json.loads(raw)
        if not isinstance(loaded, dict):
            raise _SlackError("invalid_json")
        params.update(loaded)
    elif raw:
        params.update(parse_qsl(raw.decode(request.charset or "utf-8"), keep_blank_values=True))
    _decode_json_fields(params)
    return params


def bearer(request: web.Request, params: Json) -> str | None:
    """The call's token (`Authorization: Bearer` first, else the `token` parameter, which is removed)."""
    token = params.pop("token", None)
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip()
    return str(token) if token else None


def public_headers(request: web.Request) -> dict[str, str]:
    """What is recorded of a request's headers: everything but the token."""
    return {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
