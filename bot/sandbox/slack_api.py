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
import copy
import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSCloseCode, WSMsgType, web

from bot.sandbox import SANDBOX_APP_TOKEN, SANDBOX_BOT_TOKEN, SANDBOX_BOT_USER_ID, SANDBOX_CHANNEL_ID, SANDBOX_TEAM_ID

SANDBOX_APP_ID = "A0SANDBOX"
SANDBOX_BOT_ID = "B0SANDBOX"
SANDBOX_TEAM_NAME = "Devin Insights Sandbox"
SANDBOX_TEAM_DOMAIN = "devin-insights-sandbox"
SHARED_CHANNEL_ID = "C0SANDBOXEXT"
NOT_MEMBER_CHANNEL_ID = "C0SANDBOXOUT"
ARCHIVED_CHANNEL_ID = "C0SANDBOXOLD"
PRIVATE_CHANNEL_ID = "C0SANDBOXPRV"
REGULAR_USER_ID = "U0SANDBOXUSR"
ADMIN_USER_ID = "U0SANDBOXADM"
OWNER_USER_ID = "U0SANDBOXOWN"
EXTERNAL_TEAM_ID = "T0PARTNER"
EXTERNAL_USER_ID = "U0PARTNERUSR"
DEFAULT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "links:read",
    "links:write",
    "channels:read",
    "groups:read",
    "users:read",
)
HOOK_METHOD = "response_url"
RESPONSE_URL_MAX_USES = 5
MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
DEFAULT_TIMEOUT = 5.0
SHUTDOWN_TIMEOUT = 2.0
# Form-encoded calls carry these as JSON strings; recorded bodies always hold the parsed objects.
_JSON_FIELDS = ("blocks", "attachments", "unfurls", "view", "user_auth_blocks", "metadata")
_SERVER_ERRORS = {500: "fatal_error", 503: "service_unavailable"}
_UNFURL_SOURCES = ("composer", "conversations_history")

Json = dict[str, Any]


class _SlackError(Exception):
    """A Web API failure answered as HTTP 200 `{"ok": false, "error": code}`, as Slack does."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass
class ChannelInfo:
    """One conversation of the sandbox workspace, as `conversations.info` describes it."""

    id: str
    name: str
    is_private: bool = False
    is_member: bool = True
    is_archived: bool = False
    is_ext_shared: bool = False
    is_im: bool = False

    def to_api(self) -> Json:
        """The `channel` object of `conversations.info`."""
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not (self.is_private or self.is_im),
            "is_group": self.is_private and not self.is_im,
            "is_im": self.is_im,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": False,
            "is_member": self.is_member,
            "is_shared": self.is_ext_shared,
            "is_ext_shared": self.is_ext_shared,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "context_team_id": SANDBOX_TEAM_ID,
            "created": 1700000000,
            "creator": OWNER_USER_ID,
        }


@dataclass
class UserInfo:
    """One user as `users.info` describes them; `email` is shown only with the `users:read.email` scope."""

    id: str
    name: str
    is_admin: bool = False
    is_owner: bool = False
    is_primary_owner: bool = False
    is_bot: bool = False
    team_id: str = SANDBOX_TEAM_ID
    email: str | None = None

    def to_api(self, *, with_email: bool) -> Json:
        """The `user` object of `users.info`."""
        profile: Json = {"real_name": self.name, "display_name": self.name, "team": self.team_id}
        if with_email and self.email:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "real_name": self.name,
            "deleted": False,
            "tz": "Etc/UTC",
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": self.is_primary_owner,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "profile": profile,
        }


def default_channels() -> dict[str, ChannelInfo]:
    """Seed conversations: a normal one, a Slack Connect one, one without the bot, an archived and a private one."""
    channels = [
        ChannelInfo(SANDBOX_CHANNEL_ID, "devin-sandbox"),
        ChannelInfo(SHARED_CHANNEL_ID, "ext-partner-devin", is_ext_shared=True),
        ChannelInfo(NOT_MEMBER_CHANNEL_ID, "random", is_member=False),
        ChannelInfo(ARCHIVED_CHANNEL_ID, "old-alerts", is_archived=True),
        ChannelInfo(PRIVATE_CHANNEL_ID, "devin-private", is_private=True),
    ]
    return {c.id: c for c in channels}


def default_users() -> dict[str, UserInfo]:
    """Seed users: a regular member, an admin, the primary owner, a Slack Connect partner and the bot."""
    users = [
        UserInfo(REGULAR_USER_ID, "sandbox-user", email="user@example.com"),
        UserInfo(ADMIN_USER_ID, "sandbox-admin", is_admin=True, email="admin@example.com"),
        UserInfo(OWNER_USER_ID, "sandbox-owner", is_admin=True, is_owner=True, is_primary_owner=True),
        UserInfo(EXTERNAL_USER_ID, "partner-user", team_id=EXTERNAL_TEAM_ID),
        UserInfo(SANDBOX_BOT_USER_ID, "devin-insights", is_bot=True),
    ]
    return {u.id: u for u in users}


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
class _Fault:
    status: int
    retry_after: int
    error: str | None
    remaining: int

    def answer(self) -> tuple[int, Json, dict[str, str]]:
        if self.status == 429:
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(self.retry_after)}
        default = _SERVER_ERRORS.get(self.status, "internal_error")
        return self.status, {"ok": False, "error": self.error or default}, {}


def _decode_json_fields(body: Json) -> None:
    for name in _JSON_FIELDS:
        value = body.get(name)
        if isinstance(value, str):
            try:
                body[name] = json.loads(value)
            except ValueError:
                pass  # left as text, so the method answers with its own *_format error


async def _read_params(request: web.Request) -> Json:
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


def _bearer(request: web.Request, params: Json) -> str | None:
    token = params.pop("token", None)
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip()
    return str(token) if token else None


def _check_blocks(blocks: Any, limit: int, error: str) -> None:
    if blocks is None:
        return
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise _SlackError("invalid_blocks_format")
    if len(blocks) > limit:
        raise _SlackError(error)


class SlackWorkspace:
    """The workspace behind the Web API: channels, users, messages, views and unfurls, and each method's rules.

    Pure state: it raises `_SlackError` for Slack's `ok: false` answers and knows nothing of HTTP.
    """

    def __init__(self, scopes: list[str]) -> None:
        self.scopes = scopes
        self.channels = default_channels()
        self.users = default_users()
        self.views: dict[str, Json] = {}
        self.home_views: dict[str, Json] = {}
        self.unfurls: dict[str, Json] = {}
        """Unfurls attached per target (`channel:ts` or `unfurl_id`); later calls replace them, like Slack."""
        self.ephemerals: list[Json] = []
        self._messages: dict[str, dict[str, Json]] = {}
        self._used_triggers: set[str] = set()
        self._last_ts_us = 0
        self.methods: dict[str, Callable[[Json], Json]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.unfurl": self._chat_unfurl,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "conversations.info": self._conversations_info,
            "users.info": self._users_info,
        }

    def clear(self) -> None:
        """Forget messages, views, unfurls and used trigger ids; keep channels, users and scopes."""
        self._messages.clear()
        self.views.clear()
        self.home_views.clear()
        self.unfurls.clear()
        self.ephemerals.clear()
        self._used_triggers.clear()

    def messages(self, channel: str) -> list[Json]:
        """Current top-level messages of a channel (after `chat.update`s), oldest first."""
        stored = self._messages.get(channel, {}).values()
        return [copy.deepcopy(m) for m in stored if m.get("thread_ts", m["ts"]) == m["ts"]]

    @property
    def threads(self) -> dict[str, list[Json]]:
        """Thread replies keyed by the parent's `thread_ts` (timestamps are unique across channels)."""
        replies: dict[str, list[Json]] = {}
        for messages in self._messages.values():
            for m in messages.values():
                if m.get("thread_ts", m["ts"]) != m["ts"]:
                    replies.setdefault(m["thread_ts"], []).append(copy.deepcopy(m))
        return replies

    def _auth_test(self, params: Json) -> Json:
        return {
            "url": f"https://{SANDBOX_TEAM_DOMAIN}.slack.com/",
            "team": SANDBOX_TEAM_NAME,
            "user": self.users[SANDBOX_BOT_USER_ID].name,
            "team_id": SANDBOX_TEAM_ID,
            "user_id": SANDBOX_BOT_USER_ID,
            "bot_id": SANDBOX_BOT_ID,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, params: Json) -> Json:
        channel = self._postable(params.get("channel"))
        message = self._new_message(params)
        self._messages.setdefault(channel.id, {})[message["ts"]] = message
        self._link_reply(channel.id, message)
        return {"channel": channel.id, "ts": message["ts"], "message": copy.deepcopy(message)}

    def _chat_post_ephemeral(self, params: Json) -> Json:
        channel = self._postable(params.get("channel"))
        if params.get("user") not in self.users:
            raise _SlackError("user_not_in_channel")
        message = self._new_message(params)
        self.ephemerals.append({"channel": channel.id, "user": params["user"], "message": message})
        return {"message_ts": message["ts"]}

    def _chat_update(self, params: Json) -> Json:
        channel = self._postable(params.get("channel"))
        message = self._messages.get(channel.id, {}).get(str(params.get("ts")))
        if message is None:
            raise _SlackError("message_not_found")
        _check_blocks(params.get("blocks"), MESSAGE_BLOCKS_MAX, "invalid_blocks")
        message.update({k: params[k] for k in ("text", "blocks", "attachments", "metadata") if k in params})
        message["edited"] = {"user": SANDBOX_BOT_USER_ID, "ts": self._next_ts()}
        return {"channel": channel.id, "ts": message["ts"], "text": message["text"], "message": copy.deepcopy(message)}

    def _chat_unfurl(self, params: Json) -> Json:
        unfurls = params.get("unfurls")
        if unfurls is None:
            raise _SlackError("missing_unfurls")
        if not isinstance(unfurls, dict) or not all(isinstance(v, dict) for v in unfurls.values()):
            raise _SlackError("invalid_unfurls_format")
        for unfurl in unfurls.values():
            _check_blocks(unfurl.get("blocks"), MESSAGE_BLOCKS_MAX, "invalid_unfurls_format")
        self.unfurls[self._unfurl_target(params)] = copy.deepcopy(unfurls)
        return {}

    def _unfurl_target(self, params: Json) -> str:
        unfurl_id, source = params.get("unfurl_id"), params.get("source")
        if unfurl_id or source:
            if not unfurl_id:
                raise _SlackError("missing_unfurl_id")
            if source not in _UNFURL_SOURCES:
                raise _SlackError("missing_source" if not source else "invalid_source")
            return str(unfurl_id)
        channel, ts = params.get("channel"), params.get("ts")
        if not channel:
            raise _SlackError("missing_channel")
        if not ts:
            raise _SlackError("missing_ts")
        # "COMPOSER" is not a channel: composer previews must be unfurled by unfurl_id + source.
        if channel not in self.channels:
            raise _SlackError("cannot_find_channel")
        return f"{channel}:{ts}"

    def _views_open(self, params: Json) -> Json:
        trigger_id = params.get("trigger_id")
        if not trigger_id:
            raise _SlackError("invalid_arguments")
        if trigger_id in self._used_triggers:
            raise _SlackError("exchanged_trigger_id")
        view = self._new_view(params.get("view"))
        self._used_triggers.add(str(trigger_id))
        self.views[view["id"]] = view
        return {"view": copy.deepcopy(view)}

    def _views_update(self, params: Json) -> Json:
        view_id, external_id = params.get("view_id"), params.get("external_id")
        current = self.views.get(str(view_id)) or next(
            (v for v in self.views.values() if external_id and v.get("external_id") == external_id), None
        )
        if current is None:
            raise _SlackError("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            raise _SlackError("hash_conflict")
        view = self._new_view(params.get("view"), view_id=current["id"])
        self.views[view["id"]] = view
        return {"view": copy.deepcopy(view)}

    def _views_publish(self, params: Json) -> Json:
        user_id = params.get("user_id")
        if user_id not in self.users:
            raise _SlackError("user_not_found")
        current = self.home_views.get(user_id)
        if current is not None and params.get("hash") and params["hash"] != current["hash"]:
            raise _SlackError("hash_conflict")
        view = self._new_view(params.get("view"), view_id=current["id"] if current else None)
        if view["type"] != "home":
            raise _SlackError("invalid_arguments")
        self.home_views[user_id] = view
        return {"view": copy.deepcopy(view)}

    def _conversations_info(self, params: Json) -> Json:
        channel = self._visible_channel(params.get("channel"))
        return {"channel": channel.to_api()}

    def _users_info(self, params: Json) -> Json:
        user = self.users.get(str(params.get("user")))
        if user is None:
            raise _SlackError("user_not_found")
        return {"user": user.to_api(with_email="users:read.email" in self.scopes)}

    def _visible_channel(self, channel_id: Any) -> ChannelInfo:
        channel = self.channels.get(str(channel_id))
        if channel is None and channel_id in self.users:
            # Posting to a user id lands in the app's DM with that user, which Slack opens on demand.
            channel = self.channels.setdefault(f"D{channel_id[1:]}", ChannelInfo(f"D{channel_id[1:]}", "", is_im=True))
        if channel is None or (channel.is_private and not channel.is_member):
            raise _SlackError("channel_not_found")
        return channel

    def _postable(self, channel_id: Any) -> ChannelInfo:
        channel = self._visible_channel(channel_id)
        if channel.is_archived:
            raise _SlackError("is_archived")
        if not channel.is_member:
            raise _SlackError("not_in_channel")
        return channel

    def _new_message(self, params: Json) -> Json:
        if not any(params.get(k) for k in ("text", "blocks", "attachments")):
            raise _SlackError("no_text")
        _check_blocks(params.get("blocks"), MESSAGE_BLOCKS_MAX, "invalid_blocks")
        message: Json = {
            "type": "message",
            "user": SANDBOX_BOT_USER_ID,
            "bot_id": SANDBOX_BOT_ID,
            "app_id": SANDBOX_APP_ID,
            "team": SANDBOX_TEAM_ID,
            "text": params.get("text") or "",
            "ts": self._next_ts(),
        }
        message.update({k: params[k] for k in ("blocks", "attachments", "metadata", "thread_ts") if params.get(k)})
        return message

    def _link_reply(self, channel_id: str, message: Json) -> None:
        parent = self._messages[channel_id].get(message.get("thread_ts", ""))
        if parent is not None and parent is not message:
            parent["thread_ts"] = parent["ts"]
            parent["reply_count"] = parent.get("reply_count", 0) + 1
            parent["latest_reply"] = message["ts"]

    def _new_view(self, view: Any, *, view_id: str | None = None) -> Json:
        if not isinstance(view, dict) or "type" not in view:
            raise _SlackError("invalid_arguments")
        _check_blocks(view.get("blocks", []), VIEW_BLOCKS_MAX, "invalid_arguments")
        new_id = view_id or f"V{uuid.uuid4().hex[:10].upper()}"
        defaults: Json = {"private_metadata": "", "callback_id": "", "external_id": "", "state": {"values": {}}}
        return {
            **defaults,
            **copy.deepcopy(view),
            "id": new_id,
            "team_id": SANDBOX_TEAM_ID,
            "app_id": SANDBOX_APP_ID,
            "bot_id": SANDBOX_BOT_ID,
            "app_installed_team_id": SANDBOX_TEAM_ID,
            "root_view_id": new_id,
            "previous_view_id": None,
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
        }

    def _next_ts(self) -> str:
        # Slack timestamps are unique per channel and increase; here they are unique across the workspace.
        self._last_ts_us = max(time.time_ns() // 1000, self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"


class SlackStandIn:
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
        self.channels = self.workspace.channels
        self.users = self.workspace.users
        self.calls: list[SlackCall] = []
        self.socket_acks: list[Json] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._latency: dict[str, float] = {}
        self._hook_uses: dict[str, int] = {}
        self._changed = asyncio.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._connected = asyncio.Event()
        self._acks: dict[str, asyncio.Future[Json]] = {}
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._methods: dict[str, Callable[[Json], Json]] = {
            **self.workspace.methods,
            "apps.connections.open": self._apps_connections_open,
        }

    # ---- lifecycle -------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on `host:port` (0 picks a free port) and return the base URL."""
        app = web.Application()
        app.router.add_route("*", r"/api/{method:[A-Za-z0-9_.]+}", self._handle_api)
        app.router.add_post(r"/hooks/{name:.+}", self._handle_hook)
        app.router.add_get("/socket", self._handle_socket)
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
        for ws in list(self._sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"stand-in stopped")
        for future in self._acks.values():
            future.cancel()
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
        self._faults.setdefault(method, []).append(_Fault(code, retry_after, error, times))

    def latency(self, method: str, seconds: float) -> None:
        """Delay every answer to `method` (or `response_url`) by `seconds`; 0 removes the delay."""
        self._latency[method] = seconds

    def clear(self) -> None:
        """Forget recorded calls, workspace content, hook uses, faults and latencies (configuration stays)."""
        self.calls.clear()
        self.socket_acks.clear()
        self.workspace.clear()
        self._faults.clear()
        self._latency.clear()
        self._hook_uses.clear()

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

    def _timeout_report(self, method: str, count: int, found: int, timeout: float) -> str:
        lines = [f"expected {count} matching call(s) to {method} within {timeout}s, found {found}; recorded:"]
        lines += [f"  {c.method} status={c.status} ok={c.ok} body={json.dumps(c.body)[:200]}" for c in self.calls]
        return "\n".join(lines if self.calls else [*lines, "  (nothing)"])

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
            params = await _read_params(request)
            token = _bearer(request, params)
        except (ValueError, _SlackError):
            status, payload = 200, {"ok": False, "error": "invalid_json"}
        else:
            await self._delay(method)
            status, payload, headers = self._answer(method, token, params)
        await self._record(SlackCall(method, params, _public_headers(request), time.monotonic(), status, payload))
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
        call = SlackCall(HOOK_METHOD, recorded, _public_headers(request), time.monotonic(), status, text, name)
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

    async def _delay(self, method: str) -> None:
        seconds = self._latency.get(method, 0.0)
        if seconds > 0:
            await asyncio.sleep(seconds)  # simulated network latency, not a test waiting for something

    def _take_fault(self, method: str) -> _Fault | None:
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

    # ---- Socket Mode -----------------------------------------------------------------------------

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)  # autoping answers the SDK's "sdk-ping-pong" pings
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(self._hello())
        self._connected.set()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._on_socket_text(msg.data)
        finally:
            self._sockets.remove(ws)
            if not self._sockets:
                self._connected.clear()
        return ws

    def _hello(self) -> Json:
        return {
            "type": "hello",
            "num_connections": len(self._sockets),
            "debug_info": {"host": "sandbox-applink", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": SANDBOX_APP_ID},
        }

    def _on_socket_text(self, data: str) -> None:
        try:
            ack = json.loads(data)
        except ValueError:
            return  # Slack ignores non-JSON frames too
        if not isinstance(ack, dict):
            return
        self.socket_acks.append(ack)
        future = self._acks.get(str(ack.get("envelope_id")))
        if future is not None and not future.done():
            future.set_result(ack)

    async def wait_connected(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Wait until a Socket Mode client has connected and received `hello`."""
        try:
            async with asyncio.timeout(timeout):
                await self._connected.wait()
        except TimeoutError:
            raise AssertionError(f"no Socket Mode client connected within {timeout}s") from None

    async def send_envelope(
        self,
        type_: str,
        payload: Json,
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Json:
        """Send an envelope to the newest Socket Mode connection and return the client's ack.

        `accepts_response_payload` defaults to Slack's: true for slash commands, view submissions and options.
        """
        if not self._sockets:
            raise AssertionError("no Socket Mode client is connected; await wait_connected() first")
        envelope = _envelope(type_, payload, accepts_response_payload, retry_attempt, retry_reason)
        future: asyncio.Future[Json] = asyncio.get_running_loop().create_future()
        self._acks[envelope["envelope_id"]] = future
        try:
            await self._sockets[-1].send_json(envelope)
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            raise AssertionError(
                f"no ack for {type_} envelope {envelope['envelope_id']} within {timeout}s; acks: {self.socket_acks}"
            ) from None
        finally:
            self._acks.pop(envelope["envelope_id"], None)


def _envelope(
    type_: str, payload: Json, accepts: bool | None, retry_attempt: int | None, retry_reason: str | None
) -> Json:
    if accepts is None:
        interactive = type_ == "interactive" and payload.get("type") in ("view_submission", "block_suggestion")
        accepts = type_ == "slash_commands" or interactive
    envelope: Json = {
        "envelope_id": str(uuid.uuid4()),
        "type": type_,
        "payload": payload,
        "accepts_response_payload": accepts,
    }
    if type_ == "events_api" or retry_attempt is not None:
        envelope["retry_attempt"] = retry_attempt or 0
        envelope["retry_reason"] = retry_reason or ""
    return envelope


def _public_headers(request: web.Request) -> dict[str, str]:
    return {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
