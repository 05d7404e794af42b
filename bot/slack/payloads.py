"""One helper per Slack payload shape: the only place that digs through Slack's JSON."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_USER_ID_RE = re.compile(r"[UW][A-Z0-9]{2,}")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class CommandPayload:
    """The fields of a slash command the app uses."""

    text: str
    user_id: str
    channel_id: str
    team_id: str
    enterprise_id: str
    trigger_id: str

    @classmethod
    def parse(cls, command: dict[str, Any]) -> CommandPayload:
        return cls(
            text=_text(command.get("text")),
            user_id=_text(command.get("user_id")),
            channel_id=_text(command.get("channel_id")),
            team_id=_text(command.get("team_id")),
            enterprise_id=_text(command.get("enterprise_id")),
            trigger_id=_text(command.get("trigger_id")),
        )


@dataclass(frozen=True)
class ActionPayload:
    """A `block_actions` payload: which button, its value, who clicked and where."""

    action_id: str
    value: str
    user_id: str
    team_id: str
    channel_id: str
    trigger_id: str
    message_ts: str

    @classmethod
    def parse(cls, body: dict[str, Any], action: dict[str, Any]) -> ActionPayload:
        user, channel = _obj(body.get("user")), _obj(body.get("channel"))
        container, team = _obj(body.get("container")), _obj(body.get("team"))
        return cls(
            action_id=_text(action.get("action_id")),
            value=_text(action.get("value")),
            user_id=_text(user.get("id")),
            team_id=_text(user.get("team_id")) or _text(team.get("id")),
            channel_id=_text(channel.get("id")) or _text(container.get("channel_id")),
            trigger_id=_text(body.get("trigger_id")),
            message_ts=_text(container.get("message_ts")),
        )


@dataclass(frozen=True)
class SharedLink:
    """One link of a `link_shared` event, with the URL exactly as Slack sent it."""

    url: str
    domain: str


@dataclass(frozen=True)
class LinkSharedPayload:
    """A `link_shared` event: where to attach the unfurls and which links to look at."""

    event_id: str
    channel: str
    message_ts: str
    unfurl_id: str
    source: str
    user_id: str
    links: tuple[SharedLink, ...]
    is_ext_shared_channel: bool

    @property
    def is_composer(self) -> bool:
        return self.channel == "COMPOSER" or self.source == "composer"

    @classmethod
    def parse(cls, body: dict[str, Any], event: dict[str, Any]) -> LinkSharedPayload:
        raw_links: list[Any] = event["links"] if isinstance(event.get("links"), list) else []
        links = tuple(
            SharedLink(url=_text(item.get("url")), domain=_text(item.get("domain")))
            for item in raw_links
            if isinstance(item, dict) and _text(item.get("url"))
        )
        return cls(
            event_id=_text(body.get("event_id")),
            channel=_text(event.get("channel")),
            message_ts=_text(event.get("message_ts")),
            unfurl_id=_text(event.get("unfurl_id")),
            source=_text(event.get("source")),
            user_id=_text(event.get("user")),
            links=links,
            is_ext_shared_channel=bool(body.get("is_ext_shared_channel")),
        )


@dataclass(frozen=True)
class EntityDetailsPayload:
    """An `entity_details_requested` event: who opened which Work Object's side panel, and where."""

    event_id: str
    user_id: str
    trigger_id: str
    channel: str
    message_ts: str
    external_ref_id: str
    external_ref_type: str
    entity_url: str
    app_unfurl_url: str

    @property
    def external_ref(self) -> dict[str, str]:
        """`external_ref` as Slack sent it: `entity.presentDetails` must carry the same id."""
        ref = {"id": self.external_ref_id}
        return ref | ({"type": self.external_ref_type} if self.external_ref_type else {})

    @classmethod
    def parse(cls, body: dict[str, Any], event: dict[str, Any]) -> EntityDetailsPayload:
        ref = _obj(event.get("external_ref"))
        return cls(
            event_id=_text(body.get("event_id")),
            user_id=_text(event.get("user")),
            trigger_id=_text(event.get("trigger_id")),
            channel=_text(event.get("channel")),
            message_ts=_text(event.get("message_ts")),
            external_ref_id=_text(ref.get("id")),
            external_ref_type=_text(ref.get("type")),
            entity_url=_text(event.get("entity_url")),
            app_unfurl_url=_text(event.get("app_unfurl_url")),
        )


def requesting_team(body: dict[str, Any]) -> tuple[str, str]:
    """(the requesting user's own team id, the Grid enterprise id) for commands, interactions and events."""
    if "command" in body:
        return _text(body.get("team_id")), _text(body.get("enterprise_id"))
    if body.get("type") == "event_callback":
        event = _obj(body.get("event"))
        return _text(event.get("user_team")) or _text(body.get("team_id")), _text(body.get("enterprise_id"))
    user, team, enterprise = _obj(body.get("user")), _obj(body.get("team")), _obj(body.get("enterprise"))
    return _text(user.get("team_id")) or _text(team.get("id")), _text(enterprise.get("id"))


def is_user_id(value: str) -> bool:
    """True for a Slack user id (U… or W… on Enterprise Grid)."""
    return _USER_ID_RE.fullmatch(value) is not None


_OBJECT_OR_ID = ("user", "team", "enterprise", "channel")
_OBJECTS = ("event", "view", "container", "message")


def is_dispatchable(body: Any) -> bool:
    """False for shapes Slack never sends and Bolt's matchers would crash on (they index the body unchecked)."""
    if not isinstance(body, dict) or any(key in body and not isinstance(body[key], dict) for key in _OBJECTS):
        return False
    for part in (body, body.get("event", {})):
        if not isinstance(part.get("type", ""), str):
            return False
        if any(part.get(key) is not None and not isinstance(part[key], dict | str) for key in _OBJECT_OR_ID):
            return False
    authorizations = body.get("authorizations")
    if authorizations is not None and not (
        isinstance(authorizations, list) and all(isinstance(a, dict) for a in authorizations)
    ):
        return False
    actions = body.get("actions", [{"action_id": ""}])
    if not isinstance(actions, list) or not actions:
        return False
    if not all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions):
        return False
    view = body.get("view")
    return view is None or (isinstance(view.get("type"), str) and isinstance(view.get("callback_id", ""), str))
