"""Delivers Slack-shaped payloads to a running app's `POST /slack/events` the way Slack does: real HTTP, signed."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import httpx

EVENTS_PATH = "/slack/events"
DEFAULT_SEND_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"

Json = dict[str, Any]


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 request signature headers for `body` (HMAC-SHA256 of `v0:{ts}:{body}`, reference §3.4)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass(frozen=True)
class SlackHttpResult:
    """What the app answered to one delivery."""

    status: int
    body: Any
    """Parsed JSON when the app answered JSON, else the text (empty string for an empty ack)."""
    headers: dict[str, str]
    elapsed: float
    """Seconds from sending to the full answer (`time.perf_counter`), for the 3-second ack budget."""


class SlackRequestSender:
    """Delivers payloads to a running app's `POST /slack/events` the way Slack does: real HTTP, signed."""

    def __init__(self, app_url: str, signing_secret: str, *, timeout: httpx.Timeout = DEFAULT_SEND_TIMEOUT) -> None:
        self._secret = signing_secret
        # trust_env=False: a proxy from the environment must never see sandbox traffic to 127.0.0.1.
        self._http = httpx.AsyncClient(base_url=app_url.rstrip("/"), timeout=timeout, trust_env=False)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._http.aclose()

    async def __aenter__(self) -> SlackRequestSender:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def command(self, fields: Mapping[str, str], *, timestamp: int | None = None) -> SlackHttpResult:
        """Deliver a slash command (form-encoded), e.g. `sender.command(slash_command("help", ...))`."""
        return await self.post(urlencode(fields).encode(), FORM_CONTENT_TYPE, timestamp=timestamp)

    async def event(
        self,
        body: Json,
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        timestamp: int | None = None,
    ) -> SlackHttpResult:
        """Deliver an Events API body (JSON); a retry carries `X-Slack-Retry-Num`/`-Reason` like Slack's."""
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
        if retry_reason is not None:
            headers["X-Slack-Retry-Reason"] = retry_reason
        return await self.post(json.dumps(body).encode(), JSON_CONTENT_TYPE, headers=headers, timestamp=timestamp)

    async def action(self, payload: Json, *, timestamp: int | None = None) -> SlackHttpResult:
        """Deliver an interactivity payload (`block_actions`, `view_submission`) as form field `payload`."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post(body, FORM_CONTENT_TYPE, timestamp=timestamp)

    async def post(
        self,
        body: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
        sign: bool = True,
        timestamp: int | None = None,
    ) -> SlackHttpResult:
        """POST raw bytes to `/slack/events`, signed unless `sign=False` (to test signature checks)."""
        all_headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}
        if sign:
            all_headers |= _sign(self._secret, body, timestamp)
        all_headers |= dict(headers or {})
        started = time.perf_counter()
        response = await self._http.post(EVENTS_PATH, content=body, headers=all_headers)
        elapsed = time.perf_counter() - started
        return SlackHttpResult(response.status_code, _parsed(response), dict(response.headers), elapsed)


_sign = sign  # `post` has a `sign` flag, which shadows the function inside it


def _parsed(response: httpx.Response) -> Any:
    if response.headers.get("content-type", "").startswith(JSON_CONTENT_TYPE) and response.content:
        return response.json()
    return response.text
