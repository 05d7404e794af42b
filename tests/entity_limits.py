"""Checks for any Work Object entity the app builds: the stand-in's documented shape, slack_sdk's models,
and that no Devin string can carry a mention, a link or a control character, whatever Slack makes of it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from slack_sdk.models.metadata import EntityCustomField, EntityMetadata

from bot.sandbox.slack_entities import check_entity, check_message_metadata
from bot.sandbox.slack_workspace import _SlackError

TITLE_MAX = 150
VALUE_MAX = 2000
"""The longest text the app puts in an entity (the suggested prompt); Slack documents no limit."""
# Keys whose values are URLs, ids or our own copy rather than Devin text shown to people.
NOT_TEXT = {"url", "app_unfurl_url", "entity_type", "action_id", "external_ref", "value_of_action", "display_order"}
BROADCAST_RE = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def assert_entity_ok(entity: dict[str, Any], *, for_unfurl: bool, input_urls: set[str]) -> None:
    """Documented shape, SDK models, capped and markup-free text, and links only to URLs Devin (or Slack) gave."""
    try:
        check_entity(entity, for_unfurl=for_unfurl)
    except _SlackError as error:
        raise AssertionError(f"the stand-in rejects the entity: {error.error}\n{entity}") from None
    EntityMetadata(**entity).validate_json()
    for field in entity["entity_payload"].get("custom_fields", []):
        EntityCustomField(**field).validate_json()
    assert len(entity["entity_payload"]["attributes"]["title"]["text"]) <= TITLE_MAX
    for text in _texts(entity):
        assert len(text) <= VALUE_MAX, text
        assert "<" not in text and ">" not in text, text
        assert BROADCAST_RE.search(text) is None, text
        assert "://" not in text, text
        assert CONTROL_RE.search(text) is None, repr(text)
    assert set(_urls(entity)) <= input_urls


def assert_message_metadata_ok(metadata: dict[str, Any]) -> None:
    try:
        check_message_metadata(metadata)
    except _SlackError as error:
        raise AssertionError(f"the stand-in rejects the metadata: {error.error}\n{metadata}") from None


def _texts(value: Any, key: str = "") -> Iterator[str]:
    if key in NOT_TEXT:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            # An action's `value` is the session id handed back to us, never shown.
            yield from _texts(v, "value_of_action" if k == "value" and "action_id" in value else k)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item, key)


def _urls(value: Any, key: str = "") -> Iterator[str]:
    if key in ("url", "app_unfurl_url") and isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _urls(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from _urls(item, key)
