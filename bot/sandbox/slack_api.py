"""A recording stand-in for Slack: Web API, `response_url` hooks and Socket Mode, served on 127.0.0.1.

Behaviour follows `reference/slack.md` for the methods the app uses. Choices where Slack is not documented:
- a `response_url` accepts 5 posts (`RESPONSE_URL_MAX_USES`); the 6th and later get HTTP 404, text `used_url`
  (the 30-minute expiry is not modelled);
- a bot that is not a member of a public channel gets `not_in_channel` (the `chat:write.public` exemption is
  not modelled, so the app's error path stays testable); a private channel the bot is not in is
  `channel_not_found`, as Slack hides it;
- Socket Mode envelopes carry `retry_attempt`/`retry_reason` only for `events_api`, as Slack's own do.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.sandbox import SANDBOX_APP_TOKEN, SANDBOX_BOT_TOKEN
from bot.sandbox.slack_calls import CallRecorder, SlackCall, bearer, public_headers, read_params
from bot.sandbox.slack_checks import MESSAGE_BLOCKS_MAX, VIEW_BLOCKS_MAX
from bot.sandbox.slack_directory import (
    ADMIN_USER_ID,
    ARCHIVED_CHANNEL_ID,
    DEFAULT_SCOPES,
    EXTERNAL_TEAM_ID,
    EXTERNAL_USER_ID,
    NOT_MEMBER_CHANNEL_ID,
    OWNER_USER_ID,
    PRIVATE_CHANNEL_ID,
    REGULAR_USER_ID,
    SANDBOX_APP_ID,
    SANDBOX_BOT_ID,
    SANDBOX_TEAM_DOMAIN,
    SANDBOX_TEAM_NAME,
    SHARED_CHANNEL_ID,
    ChannelInfo,
    Json,
    UserInfo,
    default_channels,
    default_users,
)
from bot.sandbox.slack_entities import WorkObjects
from bot.sandbox.slack_feed import add_feed_routes
from bot.sandbox.slack_people import users_lookup_by_email
from bot.sandbox.slack_socket import SocketModeServer
from bot.sandbox.slack_workspace import (
    DEFAULT_TIMEOUT,
    HOOK_METHOD,
    RESPONSE_URL_MAX_USES,
    SHUTDOWN_TIMEOUT,
    SlackWorkspace,
    _SlackError,
)


class SlackStandIn(CallRecorder):
    """Slack's Web API, response_url hooks and Socket Mode on 127.0.0.1, recording every call.

    Tests and `devin-insights demo` point `AsyncWebClient(base_url=standin.api_url)` at it, give the app
    `standin.response_url()` in payloads, and await what the app sent with `wait_for` (never sleep).
    """

    def __init__(
        self,
        *,
        scopes: Sequence[str] = DEFAULT_SCOPES,
        bot_token: str = SANDBOX_BOT_TOKEN,
        app_token: str = SANDBOX_APP_TOKEN,
    ) -> None:
        self.scopes = list(scopes)
        self.bot_tokens = {bot_token}
        self.app_tokens = {app_token}
        self.workspace = SlackWorkspace(self.scopes)
        self.work_objects = WorkObjects(self.workspace)
        """Entity metadata rules, unfurled entities, triggers and `entity.presentDetails` answers."""
        self.channels = self.workspace.channels
        self.users = self.workspace.users
        super().__init__()
        self._hook_uses: dict[str, int] = {}
        self.socket = SocketModeServer()
        """Socket Mode: `await standin.socket.wait_connected()`, then `standin.socket.send_envelope(…)`."""
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._methods: dict[str, Callable[[Json], Json]] = {
            **self.workspace.methods,
            **self.work_objects.methods,
            "apps.connections.open": self._apps_connections_open,
            "users.lookupByEmail": users_lookup_by_email(self.workspace),
        }

    # ---- lifecycle -------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on `host:port` (0 picks a free port) and return the base URL."""
        app = web.Application()
        app.router.add_route("*", r"/api/{method:[A-Za-z0-9_.]+}", self._handle_api)
        app.router.add_post(r"/hooks/{name:.+}", self._handle_hook)
        app.router.add_get("/socket", self.socket.handle)
        add_feed_routes(app, self)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self._url = f"http://{bound_host}:{bound_port}"
        return self._url

    async def stop(self) -> None:
        """Close Socket Mode connections, fail pending envelope waits and stop serving.

        Close the app's Socket Mode handler first: a client that sees the server close will reconnect.
        """
        await self.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackStandIn:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. `http://127.0.0.1:54321`."""
        if self._url is None:
            raise RuntimeError("SlackStandIn is not started; await start() first")
        return self._url

    @property
    def api_url(self) -> str:
        """Web API base URL for `AsyncWebClient(base_url=...)` and `SLACK_API_URL`."""
        return f"{self.url}/api/"

    def response_url(self, name: str | None = None) -> str:
        """A fresh `response_url` for a payload; posts to it are recorded as method `response_url`."""
        return f"{self.url}/hooks/{name or uuid.uuid4().hex}"

    def clear(self) -> None:
        """Forget recorded calls, workspace content, hook uses, faults and latencies (configuration stays)."""
        self.calls.clear()
        self.clear_faults()
        self.socket.socket_acks.clear()
        self.workspace.clear()
        self.work_objects.clear()
        self._hook_uses.clear()

    # ---- inspection ------------------------------------------------------------------------------

    def messages(self, channel: str) -> list[Json]:
        """Current top-level messages of a channel (after `chat.update`s), oldest first."""
        return self.workspace.messages(channel)

    @property
    def threads(self) -> dict[str, list[Json]]:
        """Thread replies keyed by the parent's `thread_ts`."""
        return self.workspace.threads

    @property
    def views(self) -> dict[str, Json]:
        """Modals opened with `views.open`, by view id (after `views.update`s)."""
        return self.workspace.views

    @property
    def home_views(self) -> dict[str, Json]:
        """App Home views published with `views.publish`, by user id."""
        return self.workspace.home_views

    @property
    def unfurls(self) -> dict[str, Json]:
        """Unfurls attached per target (`channel:ts` or `unfurl_id`)."""
        return self.workspace.unfurls

    @property
    def ephemerals(self) -> list[Json]:
        """Ephemeral messages sent with `chat.postEphemeral` (`channel`, `user`, `message`)."""
        return self.workspace.ephemerals

    # ---- HTTP handlers ---------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: Json = {}
        headers: dict[str, str] = {}
        try:
            params = await read_params(request)
            token = bearer(request, params)
        except (ValueError, _SlackError):
            status, payload = 200, {"ok": False, "error": "invalid_json"}
        else:
            await self._delay(method)
            status, payload, headers = self._answer(method, token, params)
        call = SlackCall(method, params, public_headers(request), time.monotonic(), status, payload)
        await self._record(call)
        if (hook := self._on_call.get(method)) is not None:
            hook(call)
        if (late := self._late.get(method, 0.0)) > 0:
            await asyncio.sleep(late)  # simulated slow answer to a call that already took effect
        return web.json_response(payload, status=status, headers=headers)

    def _answer(self, method: str, token: str | None, params: Json) -> tuple[int, Json, dict[str, str]]:
        fault = self._take_fault(method)
        if fault is not None:
            return fault.answer()
        handler = self._methods.get(method)
        try:
            if handler is None:
                raise _SlackError("unknown_method")
            self._authorize(method, token)
            payload = {"ok": True, **handler(params)}
        except _SlackError as exc:
            payload = {"ok": False, "error": exc.error}
        headers = {"x-oauth-scopes": ",".join(self.scopes)} if token in self.bot_tokens else {}
        return 200, payload, headers

    def _apps_connections_open(self, params: Json) -> Json:
        return {"url": self.url.replace("http://", "ws://", 1) + "/socket"}

    def _authorize(self, method: str, token: str | None) -> None:
        if not token:
            raise _SlackError("not_authed")
        allowed, other = (
            (self.app_tokens, self.bot_tokens)
            if method == "apps.connections.open"
            else (self.bot_tokens, self.app_tokens)
        )
        if token in other:
            raise _SlackError("not_allowed_token_type")
        if token not in allowed:
            raise _SlackError("invalid_auth")

    async def _handle_hook(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        raw = await request.read()
        await self._delay(HOOK_METHOD)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        status, text = self._hook_answer(name, body)
        recorded = body if isinstance(body, dict) else {"raw": raw.decode(errors="replace")}
        call = SlackCall(HOOK_METHOD, recorded, public_headers(request), time.monotonic(), status, text, name)
        await self._record(call)
        return web.Response(status=status, text=text, content_type="text/plain")

    def _hook_answer(self, name: str, body: Any) -> tuple[int, str]:
        fault = self._take_fault(HOOK_METHOD)
        if fault is not None:
            status, payload, _ = fault.answer()
            return status, str(payload["error"])
        if not isinstance(body, dict):
            return 400, "invalid_payload"
        if self._hook_uses.get(name, 0) >= RESPONSE_URL_MAX_USES:
            return 404, "used_url"
        self._hook_uses[name] = self._hook_uses.get(name, 0) + 1
        return 200, "ok"


# The seed ids and types are re-exported: tests and the demo import them from here.
__all__ = [
    "ADMIN_USER_ID",
    "ARCHIVED_CHANNEL_ID",
    "ChannelInfo",
    "DEFAULT_SCOPES",
    "DEFAULT_TIMEOUT",
    "EXTERNAL_TEAM_ID",
    "EXTERNAL_USER_ID",
    "HOOK_METHOD",
    "MESSAGE_BLOCKS_MAX",
    "NOT_MEMBER_CHANNEL_ID",
    "OWNER_USER_ID",
    "PRIVATE_CHANNEL_ID",
    "REGULAR_USER_ID",
    "RESPONSE_URL_MAX_USES",
    "SANDBOX_APP_ID",
    "SANDBOX_BOT_ID",
    "SANDBOX_TEAM_DOMAIN",
    "SANDBOX_TEAM_NAME",
    "SHARED_CHANNEL_ID",
    "SHUTDOWN_TIMEOUT",
    "SlackCall",
    "SlackStandIn",
    "SlackWorkspace",
    "UserInfo",
    "VIEW_BLOCKS_MAX",
    "default_channels",
    "default_users",
]
