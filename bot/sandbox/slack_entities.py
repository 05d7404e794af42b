"""Work Objects in the Slack stand-in: entity metadata checks on `chat.unfurl` / `chat.postMessage` / `chat.update`,
and `entity.presentDetails` answering the triggers of `entity_details_requested` events.

The checks are the documented shape (docs.slack.dev Work Objects pages, the `entity.presentDetails` reference,
the models of `slack_sdk.models.metadata`). Choices where Slack's docs are silent:
- every malformed entity is answered `invalid_metadata` (the documented error of `entity.presentDetails`; the
  `chat.unfurl` page names no error for metadata);
- a trigger expires `TRIGGER_TTL_SECONDS` after it was issued and is good for one `entity.presentDetails`;
  a late or second call gets `invalid_trigger_id`;
- `metadata` together with `error` is `invalid_arguments`: one panel shows data or an error, not both.
"""

from __future__ import annotations

import copy
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.sandbox.slack_workspace import Json, SlackWorkspace, _SlackError

TRIGGER_TTL_SECONDS = 3.0
ENTITY_TYPES = frozenset(
    {
        "slack#/entities/task",
        "slack#/entities/file",
        "slack#/entities/item",
        "slack#/entities/incident",
        "slack#/entities/content_item",
    }
)
CUSTOM_FIELD_TYPES = frozenset(
    {
        "integer",
        "string",
        "array",
        "boolean",
        "slack#/types/date",
        "slack#/types/timestamp",
        "slack#/types/image",
        "slack#/types/channel_id",
        "slack#/types/user",
        "slack#/types/entity_ref",
        "slack#/types/link",
        "slack#/types/email",
    }
)
ERROR_STATUSES = frozenset(
    {"restricted", "internal_error", "not_found", "custom", "custom_partial_view", "timeout", "edit_error"}
)
TAG_COLORS = frozenset({"red", "yellow", "green", "gray", "blue"})
PRIMARY_ACTIONS_MAX = 2
OVERFLOW_ACTIONS_MAX = 5
ACTION_ID_MAX = 255
ACTION_VALUE_MAX = 2000
ACTION_URL_MAX = 3000
_URL_RE = re.compile(r"https?://[^\s]+")


@dataclass
class _Trigger:
    external_ref_id: str
    user: str
    issued_at: float
    used: bool = False


class WorkObjects:
    """Entity rules for the stand-in's message methods, and the flexpane's `entity.presentDetails`."""

    def __init__(self, workspace: SlackWorkspace, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._workspace = workspace
        self._clock = clock
        self._triggers: dict[str, _Trigger] = {}
        self.unfurl_entities: dict[str, list[Json]] = {}
        """Entities attached per unfurl target (`channel:ts` or `unfurl_id`); later calls replace them."""
        self.presented: list[Json] = []
        """Accepted `entity.presentDetails` calls: `trigger_id`, `user`, and `metadata` or `error`."""
        self.enabled = True
        """False: the app has no Work Object Previews; `entity.presentDetails` answers `feature_not_enabled`."""
        self.methods: dict[str, Callable[[Json], Json]] = {
            "chat.unfurl": self._chat_unfurl,
            "chat.postMessage": self._with_message_metadata(workspace.methods["chat.postMessage"]),
            "chat.update": self._with_message_metadata(workspace.methods["chat.update"]),
            "entity.presentDetails": self._entity_present_details,
        }

    def issue_trigger(self, external_ref_id: str, user: str) -> str:
        """A trigger id as Slack puts it in `entity_details_requested` for a click on that entity."""
        trigger_id = f"{int(time.time())}.{uuid.uuid4().int % 10**13}.{uuid.uuid4().hex}"
        self._triggers[trigger_id] = _Trigger(external_ref_id, user, self._clock())
        return trigger_id

    def clear(self) -> None:
        self.enabled = True
        self._triggers.clear()
        self.unfurl_entities.clear()
        self.presented.clear()

    def _chat_unfurl(self, params: Json) -> Json:
        metadata = params.get("metadata")
        if metadata is None:
            return self._workspace.methods["chat.unfurl"](params)
        entities = _entities(metadata)
        for entity in entities:
            check_entity(entity, for_unfurl=True)
        if params.get("unfurls") is not None:
            self._workspace.methods["chat.unfurl"](params)
        target = self._workspace._unfurl_target(params)
        self.unfurl_entities[target] = copy.deepcopy(entities)
        return {}

    def _with_message_metadata(self, method: Callable[[Json], Json]) -> Callable[[Json], Json]:
        def checked(params: Json) -> Json:
            metadata = params.get("metadata")
            if metadata is not None:
                check_message_metadata(metadata)
            return method(params)

        return checked

    def _entity_present_details(self, params: Json) -> Json:
        if not self.enabled:
            raise _SlackError("feature_not_enabled")
        trigger = self._take_trigger(params.get("trigger_id"))
        metadata, error = params.get("metadata"), params.get("error")
        if metadata is not None and error is not None:
            raise _SlackError("invalid_arguments")
        if params.get("user_auth_required") in (True, 1, "1", "true") and not params.get("user_auth_url"):
            raise _SlackError("user_auth_url_missing")
        if error is not None:
            _check_error(error)
        elif metadata is not None:
            check_entity(metadata, for_unfurl=False)
            if metadata["external_ref"]["id"] != trigger.external_ref_id:
                raise _SlackError("entity_metadata_does_not_match_trigger")
        elif not params.get("user_auth_required"):
            raise _SlackError("invalid_metadata")
        trigger.used = True
        record: Json = {k: copy.deepcopy(params[k]) for k in ("trigger_id", "metadata", "error") if k in params}
        self.presented.append({**record, "user": trigger.user})
        return {}

    def _take_trigger(self, trigger_id: Any) -> _Trigger:
        trigger = self._triggers.get(str(trigger_id))
        if trigger is None or trigger.used or self._clock() - trigger.issued_at > TRIGGER_TTL_SECONDS:
            raise _SlackError("invalid_trigger_id")
        return trigger


def _entities(metadata: Any) -> list[Json]:
    if not isinstance(metadata, dict) or not isinstance(metadata.get("entities"), list) or not metadata["entities"]:
        raise _SlackError("invalid_metadata")
    return list(metadata["entities"])


def check_message_metadata(metadata: Any) -> None:
    """`{event_type, event_payload}` message metadata, optionally with `entities` (no `app_unfurl_url` needed)."""
    if not isinstance(metadata, dict):
        raise _SlackError("invalid_metadata")
    if "event_type" in metadata or "event_payload" in metadata:
        if not isinstance(metadata.get("event_type"), str) or not metadata["event_type"]:
            raise _SlackError("invalid_metadata")
        if not isinstance(metadata.get("event_payload"), dict):
            raise _SlackError("invalid_metadata")
    if "entities" in metadata:
        for entity in _entities(metadata):
            check_entity(entity, for_unfurl=False)


def check_entity(entity: Any, *, for_unfurl: bool) -> None:
    """The documented required parts of one entity, with the types they must have."""
    if not isinstance(entity, dict) or entity.get("entity_type") not in ENTITY_TYPES:
        raise _SlackError("invalid_metadata")
    if not _is_url(entity.get("url")) or (for_unfurl and not _is_url(entity.get("app_unfurl_url"))):
        raise _SlackError("invalid_metadata")
    ref = entity.get("external_ref")
    if not isinstance(ref, dict) or not _text(ref.get("id")) or not isinstance(ref.get("type", ""), str):
        raise _SlackError("invalid_metadata")
    payload = entity.get("entity_payload")
    if not isinstance(payload, dict) or not isinstance(payload.get("attributes"), dict):
        raise _SlackError("invalid_metadata")
    title = payload["attributes"].get("title")
    if not isinstance(title, dict) or not _text(title.get("text")):
        raise _SlackError("invalid_metadata")
    _check_fields(payload.get("fields", {}))
    _check_custom_fields(payload.get("custom_fields", []))
    _check_actions(payload.get("actions", {}))
    order = payload.get("display_order", [])
    if not isinstance(order, list) or not all(isinstance(key, str) for key in order):
        raise _SlackError("invalid_metadata")


def _check_fields(fields: Any) -> None:
    if not isinstance(fields, dict) or not all(isinstance(v, dict) for v in fields.values()):
        raise _SlackError("invalid_metadata")
    status = fields.get("status")
    if status is not None and ("tag_color" in status and status["tag_color"] not in TAG_COLORS):
        raise _SlackError("invalid_metadata")
    for key in ("date_created", "date_updated"):
        if key in fields and not isinstance(fields[key].get("value"), int):
            raise _SlackError("invalid_metadata")
    for field in fields.values():
        if "user" in field:
            user = field["user"]
            # The docs take a Slack `user_id` or a display `text`, not both.
            if not isinstance(user, dict) or ("user_id" in user) == ("text" in user):
                raise _SlackError("invalid_metadata")


def _check_custom_fields(custom: Any) -> None:
    if not isinstance(custom, list):
        raise _SlackError("invalid_metadata")
    keys = set()
    for field in custom:
        if not isinstance(field, dict) or field.get("type") not in CUSTOM_FIELD_TYPES:
            raise _SlackError("invalid_metadata")
        if not _text(field.get("key")) or not _text(field.get("label")) or field["key"] in keys:
            raise _SlackError("invalid_metadata")
        keys.add(field["key"])
        if field["type"] == "array" and (not _text(field.get("item_type")) or not isinstance(field.get("value"), list)):
            raise _SlackError("invalid_metadata")


def _check_actions(actions: Any) -> None:
    if not isinstance(actions, dict):
        raise _SlackError("invalid_metadata")
    limits = {"primary_actions": PRIMARY_ACTIONS_MAX, "overflow_actions": OVERFLOW_ACTIONS_MAX}
    for kind, buttons in actions.items():
        if kind not in limits or not isinstance(buttons, list) or len(buttons) > limits[kind]:
            raise _SlackError("invalid_metadata")
        for button in buttons:
            _check_button(button)


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not _text(button.get("text")):
        raise _SlackError("invalid_metadata")
    action_id = button.get("action_id")
    if not isinstance(action_id, str) or not action_id.strip() or len(action_id) > ACTION_ID_MAX:
        raise _SlackError("invalid_metadata")
    if len(str(button.get("value", ""))) > ACTION_VALUE_MAX:
        raise _SlackError("invalid_metadata")
    if "url" in button and (not _is_url(button["url"]) or len(button["url"]) > ACTION_URL_MAX):
        raise _SlackError("invalid_metadata")


def _check_error(error: Any) -> None:
    if not isinstance(error, dict) or error.get("status") not in ERROR_STATUSES:
        raise _SlackError("invalid_arguments")
    custom = error["status"] in ("custom", "custom_partial_view")
    if not custom and ("custom_message" in error or "custom_title" in error):
        raise _SlackError("invalid_arguments")  # documented as used only when status is `custom`
    for button in error.get("actions", []):
        _check_button(button)


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and _URL_RE.fullmatch(value) is not None
