"""The pure state behind the Slack stand-in: channels, users, messages, views, and each Web API method's rules."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from bot.sandbox import SANDBOX_BOT_USER_ID, SANDBOX_TEAM_ID, slack_history
from bot.sandbox.slack_checks import MESSAGE_BLOCKS_MAX, _SlackError, check_blocks, new_view
from bot.sandbox.slack_directory import (
    DEFAULT_SCOPES,
    SANDBOX_APP_ID,
    SANDBOX_BOT_ID,
    SANDBOX_TEAM_DOMAIN,
    SANDBOX_TEAM_NAME,
    ChannelInfo,
    Json,
    UserInfo,
    default_channels,
    default_users,
)

HOOK_METHOD = "response_url"
RESPONSE_URL_MAX_USES = 5
DEFAULT_TIMEOUT = 5.0
SHUTDOWN_TIMEOUT = 2.0
# Form-encoded calls carry these as JSON strings; recorded bodies always hold the parsed objects.
_JSON_FIELDS = ("blocks", "attachments", "unfurls", "view", "user_auth_blocks", "metadata")
_SERVER_ERRORS = {500: "fatal_error", 503: "service_unavailable"}
_UNFURL_SOURCES = ("composer", "conversations_history")


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
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
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
        check_blocks(params.get("blocks"), MESSAGE_BLOCKS_MAX, "invalid_blocks")
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
            check_blocks(unfurl.get("blocks"), MESSAGE_BLOCKS_MAX, "invalid_unfurls_format")
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
        view = new_view(params.get("view"))
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
        view = new_view(params.get("view"), view_id=current["id"])
        self.views[view["id"]] = view
        return {"view": copy.deepcopy(view)}

    def _views_publish(self, params: Json) -> Json:
        user_id = params.get("user_id")
        if user_id not in self.users:
            raise _SlackError("user_not_found")
        current = self.home_views.get(user_id)
        if current is not None and params.get("hash") and params["hash"] != current["hash"]:
            raise _SlackError("hash_conflict")
        view = new_view(params.get("view"), view_id=current["id"] if current else None)
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

    def _readable(self, params: Json) -> list[Json]:
        channel = self._visible_channel(params.get("channel"))
        if slack_history.required_scope(channel.is_private) not in self.scopes:
            raise _SlackError("missing_scope")
        if not channel.is_member:
            raise _SlackError("not_in_channel")
        return list(self._messages.get(channel.id, {}).values())

    def _conversations_history(self, params: Json) -> Json:
        return self._history_call(slack_history.history, params)

    def _conversations_replies(self, params: Json) -> Json:
        return self._history_call(slack_history.replies, params)

    def _history_call(self, answer: Callable[[list[Json], Json], Json], params: Json) -> Json:
        try:
            return answer(self._readable(params), params)
        except slack_history.HistoryError as exc:
            raise _SlackError(exc.error) from None

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
        check_blocks(params.get("blocks"), MESSAGE_BLOCKS_MAX, "invalid_blocks")
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

    def _next_ts(self) -> str:
        # Slack timestamps are unique per channel and increase; here they are unique across the workspace.
        self._last_ts_us = max(time.time_ns() // 1000, self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"


# Also importable from here, where the stand-in's modules, tests and benchmarks look for them.
__all__ = ["DEFAULT_SCOPES", "ChannelInfo", "Json", "SlackWorkspace", "UserInfo", "_SlackError"]
