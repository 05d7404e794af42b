"""Slack-shaped payloads: slash commands, events and interactions, with ids and timestamps shaped like Slack's.

`slack_sender` posts them signed to an app; its names are importable from here too."""

from __future__ import annotations

import itertools
import secrets
import time
from urllib.parse import urlsplit

from bot.ids import SLASH_COMMAND
from bot.sandbox import SANDBOX_BOT_USER_ID, SANDBOX_TEAM_ID
from bot.sandbox.slack_directory import SANDBOX_APP_ID, SANDBOX_TEAM_DOMAIN
from bot.sandbox.slack_sender import (
    EVENTS_PATH,
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    Json,
    SlackHttpResult,
    SlackRequestSender,
    sign,
)

COMPOSER_CHANNEL = "COMPOSER"
VERIFICATION_TOKEN = "sandboxverificationtoken"
"""Slack's deprecated verification token, still present in every payload; apps must not rely on it."""

_sequence = itertools.count(1)


def new_trigger_id() -> str:
    """A trigger id shaped like Slack's (`<digits>.<digits>.<hex>`); unique per call."""
    return f"{int(time.time() * 1000)}{next(_sequence)}.{SANDBOX_TEAM_ID[1:]}.{secrets.token_hex(16)}"


def new_event_id() -> str:
    """An Events API `event_id` (`Ev…`); unique per call."""
    return f"Ev{next(_sequence):04d}{secrets.token_hex(4).upper()}"


def new_ts() -> str:
    """A message timestamp (`seconds.micros`) as Slack formats it."""
    now_us = time.time_ns() // 1000
    return f"{now_us // 1_000_000}.{now_us % 1_000_000:06d}"


def slash_command(
    text: str,
    *,
    response_url: str,
    user_id: str,
    channel_id: str,
    team_id: str = SANDBOX_TEAM_ID,
    trigger_id: str | None = None,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
    command: str = SLASH_COMMAND,
    channel_name: str | None = None,
    user_name: str = "sandbox-user",
) -> dict[str, str]:
    """The form fields Slack posts for a slash command (reference §1.1); also the Socket Mode payload."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": SANDBOX_TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name or ("directmessage" if channel_id.startswith("D") else "devin-sandbox"),
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": SANDBOX_APP_ID,
        "is_enterprise_install": "true" if is_enterprise_install else "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }
    if enterprise_id is not None:
        fields |= {"enterprise_id": enterprise_id, "enterprise_name": "Sandbox Grid"}
    return fields


def event_callback(
    event: Json,
    *,
    event_id: str | None = None,
    team_id: str = SANDBOX_TEAM_ID,
    authorized_team_id: str = SANDBOX_TEAM_ID,
    is_ext_shared_channel: bool = False,
) -> Json:
    """The Events API envelope around one event, with `authorizations` for the installing workspace."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": SANDBOX_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": authorized_team_id,
                "user_id": SANDBOX_BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": is_ext_shared_channel,
        "event_context": f"4-{secrets.token_urlsafe(24)}",
    }


def link_shared_event(
    links: list[str],
    *,
    channel: str,
    user: str,
    message_ts: str,
    event_id: str | None = None,
    unfurl_id: str | None = None,
    source: str | None = None,
    thread_ts: str | None = None,
    team_id: str = SANDBOX_TEAM_ID,
    is_ext_shared_channel: bool = False,
    is_bot_user_member: bool = True,
) -> Json:
    """A full `link_shared` event_callback (reference §2.2).

    With `channel=COMPOSER_CHANNEL` it is the composer variant: `source` defaults to `composer` and an
    `unfurl_id` is made up when none is given, since composer previews can only be unfurled by id.
    """
    if channel == COMPOSER_CHANNEL:
        source = source or "composer"
        unfurl_id = unfurl_id or f"{user}-{secrets.token_hex(16)}"
    event: Json = {
        "type": "link_shared",
        "channel": channel,
        "is_bot_user_member": is_bot_user_member,
        "user": user,
        "message_ts": message_ts,
        "links": [{"domain": urlsplit(url).hostname or "", "url": url} for url in links],
        "event_ts": new_ts(),
    }
    optional = {"thread_ts": thread_ts, "unfurl_id": unfurl_id, "source": source}
    event |= {k: v for k, v in optional.items() if v is not None}
    return event_callback(event, event_id=event_id, team_id=team_id, is_ext_shared_channel=is_ext_shared_channel)


def entity_details_requested_event(
    *,
    trigger_id: str,
    external_ref: Json,
    entity_url: str,
    app_unfurl_url: str,
    user: str,
    channel: str,
    message_ts: str,
    team_id: str = SANDBOX_TEAM_ID,
    event_id: str | None = None,
) -> Json:
    """An `entity_details_requested` event_callback: someone opened a Work Object's side panel.

    The shape is the example of Slack's event reference; get `trigger_id` from the stand-in
    (`SlackStandIn.work_objects.issue_trigger`) so that `entity.presentDetails` accepts it.
    """
    event: Json = {
        "type": "entity_details_requested",
        "user": user,
        "external_ref": external_ref,
        "entity_url": entity_url,
        "link": {"url": entity_url, "domain": urlsplit(entity_url).hostname or ""},
        "app_unfurl_url": app_unfurl_url,
        "event_ts": new_ts(),
        "trigger_id": trigger_id,
        "user_locale": "en-US",
        "channel": channel,
        "message_ts": message_ts,
    }
    return event_callback(event, event_id=event_id, team_id=team_id)


def app_home_opened_event(
    user: str,
    *,
    tab: str = "home",
    channel: str | None = None,
    view: Json | None = None,
    event_id: str | None = None,
    team_id: str = SANDBOX_TEAM_ID,
) -> Json:
    """An `app_home_opened` event_callback; `view` is the last published Home view, if any."""
    event: Json = {"type": "app_home_opened", "user": user, "channel": channel or f"D{user[1:]}", "tab": tab}
    event["event_ts"] = new_ts()
    if view is not None:
        event["view"] = view
    return event_callback(event, event_id=event_id, team_id=team_id)


def _interaction_base(kind: str, user_id: str, team_id: str, trigger_id: str | None) -> Json:
    return {
        "type": kind,
        "user": {"id": user_id, "username": "sandbox-user", "name": "sandbox-user", "team_id": team_id},
        "api_app_id": SANDBOX_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": team_id, "domain": SANDBOX_TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
    }


def block_action(
    action_id: str,
    value: str,
    *,
    user_id: str,
    channel_id: str | None = None,
    response_url: str | None = None,
    trigger_id: str | None = None,
    message_ts: str | None = None,
    message: Json | None = None,
    block_id: str = "actions",
    team_id: str = SANDBOX_TEAM_ID,
    container: Json | None = None,
    view: Json | None = None,
) -> Json:
    """A `block_actions` payload for one button click; send it with `SlackRequestSender.action`.

    A click in a channel message needs `channel_id` (+ `message_ts`, `response_url`); an ephemeral message has
    no `message_ts`; a click in a modal or App Home passes `view` instead and gets no `response_url`.
    """
    payload = _interaction_base("block_actions", user_id, team_id, trigger_id)
    if container is None:
        container = _container(channel_id, message_ts, view)
    payload["container"] = container
    if channel_id is not None:
        payload["channel"] = {"id": channel_id, "name": "devin-sandbox"}
    if message_ts is not None:
        payload["message"] = message or {"type": "message", "ts": message_ts, "user": SANDBOX_BOT_USER_ID}
    if view is not None:
        payload["view"] = view
    if response_url is not None:
        payload["response_url"] = response_url
    payload["state"] = {"values": {}}
    payload["actions"] = [
        {
            "type": "button",
            "action_id": action_id,
            "block_id": block_id,
            "text": {"type": "plain_text", "text": action_id, "emoji": True},
            "value": value,
            "action_ts": new_ts(),
        }
    ]
    return payload


def _container(channel_id: str | None, message_ts: str | None, view: Json | None) -> Json:
    if view is not None:
        return {"type": "view", "view_id": view.get("id", "V0SANDBOX")}
    if message_ts is None:
        return {"type": "message", "channel_id": channel_id, "is_ephemeral": True}
    return {"type": "message", "message_ts": message_ts, "channel_id": channel_id, "is_ephemeral": False}


def view_submission(
    callback_id: str,
    *,
    user_id: str,
    values: Json | None = None,
    private_metadata: str = "",
    view_id: str = "V0SANDBOX",
    team_id: str = SANDBOX_TEAM_ID,
) -> Json:
    """A `view_submission` payload for a modal with `callback_id`; `values` is `view.state.values`."""
    payload = _interaction_base("view_submission", user_id, team_id, None)
    payload["view"] = {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "state": {"values": values or {}},
        "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
        "app_id": SANDBOX_APP_ID,
        "root_view_id": view_id,
        "previous_view_id": None,
    }
    payload["response_urls"] = []
    return payload


# The sender's names, re-exported: tests, benchmarks and the demo import payloads and sender from here.
__all__ = ["EVENTS_PATH", "FORM_CONTENT_TYPE", "JSON_CONTENT_TYPE", "SlackHttpResult", "SlackRequestSender", "sign"]
