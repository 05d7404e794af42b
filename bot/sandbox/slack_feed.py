"""What the app sent to the recording Slack, for `devin-insights sandbox`: one line per call as it happens,
and every call as JSON at `GET /_sandbox/calls` on the Slack stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import web

from bot.sandbox.slack_calls import SlackCall

FEED_PATH = "/_sandbox/calls"
TEXT_SHOWN = 100
QUIET_METHODS = frozenset({"auth.test", "apps.connections.open"})
"""Calls the app makes on its own at start-up: not what a developer is watching for."""


class RecordedCalls(Protocol):
    """What the feed reads: the calls recorded so far, and a wait for more (`SlackStandIn` is one)."""

    @property
    def calls(self) -> list[SlackCall]: ...

    async def wait_for_count(self, count: int) -> list[SlackCall]: ...


def add_feed_routes(app: web.Application, standin: RecordedCalls) -> None:
    async def calls(_: web.Request) -> web.Response:
        return web.json_response([call_record(call) for call in standin.calls])

    app.router.add_get(FEED_PATH, calls)


def call_record(call: SlackCall) -> dict[str, Any]:
    return {"method": call.method, "ok": call.ok, "status": call.status, "hook": call.hook, "body": call.body}


def describe(call: SlackCall) -> str:
    """`→ chat.postMessage C0SANDBOX01 (thread): the fallback text…`, `✗` when Slack refused it."""
    body = call.body if isinstance(call.body, dict) else {}
    where = str(body.get("channel") or body.get("user_id") or body.get("user") or "")
    if call.hook is not None:
        where = "response_url" + (" (replace)" if body.get("replace_original") else "")
    if body.get("thread_ts"):
        where += " (thread)"
    text = " ".join(str(body.get("text") or _unfurl_summary(body) or "").split())
    shown = text if len(text) <= TEXT_SHOWN else text[: TEXT_SHOWN - 1] + "…"
    mark = "→" if call.ok else "✗"
    refused = "" if call.ok else f" [refused: {_error(call)}]"
    method = "" if call.hook is not None else f"{call.method} "
    return f"{mark} {method}{where}: {shown}{refused}".replace(" : ", ": ")


def _unfurl_summary(body: dict[str, Any]) -> str:
    unfurls = body.get("unfurls")
    return f"previews for {', '.join(unfurls)}" if isinstance(unfurls, dict) else ""


def _error(call: SlackCall) -> str:
    return str(call.response.get("error")) if isinstance(call.response, dict) else str(call.response)


async def follow(standin: RecordedCalls, echo: Callable[[str], None]) -> None:
    """Echo each call as it is recorded, until cancelled."""
    seen = 0
    while True:
        calls = await standin.wait_for_count(seen + 1)
        for call in calls[seen:]:
            if call.method not in QUIET_METHODS:
                echo(describe(call))
        seen = len(calls)


async def follow_until(standin: RecordedCalls, echo: Callable[[str], None], stop: asyncio.Event) -> None:
    task = asyncio.create_task(follow(standin, echo))
    try:
        await stop.wait()
    finally:
        task.cancel()
