"""The stand-in's Work Objects rules (bot/sandbox/slack_entities.py): what it accepts, and each refusal."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.slack_entities import TRIGGER_TTL_SECONDS, WorkObjects
from bot.sandbox.slack_workspace import DEFAULT_SCOPES, SlackWorkspace, _SlackError

URL = "https://app.devin.ai/sessions/0123456789abcdef0123456789abcdef"
ENTITY: dict[str, Any] = {
    "entity_type": "slack#/entities/task",
    "url": URL,
    "app_unfurl_url": URL + "?tab=info",
    "external_ref": {"id": "devin-0123456789abcdef0123456789abcdef", "type": "devin_session"},
    "entity_payload": {
        "attributes": {"title": {"text": "Fix the build"}},
        "fields": {"status": {"value": "Running", "tag_color": "blue"}, "date_created": {"value": 1767261600}},
        "custom_fields": [{"key": "acus", "label": "ACUs", "value": "7.9", "type": "string"}],
        "actions": {"primary_actions": [{"text": "Open in Devin", "action_id": "session.open", "url": URL}]},
    },
}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def wo(clock: Clock) -> WorkObjects:
    return WorkObjects(SlackWorkspace(list(DEFAULT_SCOPES)), clock=clock)


def _error(call: Any) -> str:
    with pytest.raises(_SlackError) as raised:
        call()
    return raised.value.error


def _broken(**path_values: Any) -> dict[str, Any]:
    entity = copy.deepcopy(ENTITY)
    for path, value in path_values.items():
        *parents, last = path.split("__")
        node = entity
        for key in parents:
            node = node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value
    return entity


def test_unfurl_with_metadata_only_is_accepted_and_recorded(wo: WorkObjects) -> None:
    params = {"channel": SANDBOX_CHANNEL_ID, "ts": "1.2", "metadata": {"entities": [ENTITY]}}
    assert wo.methods["chat.unfurl"](params) == {}
    assert wo.unfurl_entities[f"{SANDBOX_CHANNEL_ID}:1.2"] == [ENTITY]


@pytest.mark.parametrize(
    "entity",
    [
        _broken(app_unfurl_url=None),
        _broken(entity_type="slack#/entities/ticket"),
        _broken(url="not a url"),
        _broken(external_ref__id=""),
        _broken(entity_payload__attributes__title=None),
        _broken(entity_payload__fields__status={"value": "x", "tag_color": "purple"}),
        _broken(entity_payload__fields__date_created={"value": "yesterday"}),
        _broken(entity_payload__custom_fields=[{"key": "a", "label": "A", "value": "1", "type": "money"}]),
        _broken(entity_payload__custom_fields=[{"key": "a", "label": "A", "value": "1", "type": "array"}]),
        _broken(entity_payload__actions={"primary_actions": [{"text": "x", "action_id": "a"}] * 3}),
        _broken(entity_payload__actions={"primary_actions": [{"text": "x", "action_id": "a" * 256}]}),
        _broken(entity_payload__fields__assignee={"type": "slack#/types/user", "user": {"user_id": "U1", "text": "A"}}),
    ],
)
def test_unfurl_with_malformed_entity_is_invalid_metadata(wo: WorkObjects, entity: dict[str, Any]) -> None:
    params = {"channel": SANDBOX_CHANNEL_ID, "ts": "1.2", "metadata": {"entities": [entity]}}
    assert _error(lambda: wo.methods["chat.unfurl"](params)) == "invalid_metadata"
    assert wo.unfurl_entities == {}


def test_message_metadata_needs_event_type_with_payload(wo: WorkObjects) -> None:
    post = wo.methods["chat.postMessage"]
    ok = post({"channel": SANDBOX_CHANNEL_ID, "text": "x", "metadata": {"event_type": "a", "event_payload": {}}})
    assert ok["message"]["metadata"]["event_type"] == "a"
    bad = {"channel": SANDBOX_CHANNEL_ID, "text": "x", "metadata": {"event_type": "a"}}
    assert _error(lambda: post(bad)) == "invalid_metadata"
    no_url = {"channel": SANDBOX_CHANNEL_ID, "text": "x", "metadata": {"entities": [_broken(url=None)]}}
    assert _error(lambda: post(no_url)) == "invalid_metadata"


def test_present_details_accepts_the_matching_entity_once(wo: WorkObjects) -> None:
    trigger = wo.issue_trigger(ENTITY["external_ref"]["id"], "U1")
    present = wo.methods["entity.presentDetails"]
    assert present({"trigger_id": trigger, "metadata": ENTITY}) == {}
    assert wo.presented == [{"trigger_id": trigger, "metadata": ENTITY, "user": "U1"}]
    assert _error(lambda: present({"trigger_id": trigger, "metadata": ENTITY})) == "invalid_trigger_id"


def test_present_details_refusals(wo: WorkObjects, clock: Clock) -> None:
    present = wo.methods["entity.presentDetails"]
    other = wo.issue_trigger("devin-other", "U1")
    assert _error(lambda: present({"trigger_id": other, "metadata": ENTITY})) == (
        "entity_metadata_does_not_match_trigger"
    )
    assert _error(lambda: present({"trigger_id": "made-up", "metadata": ENTITY})) == "invalid_trigger_id"
    trigger = wo.issue_trigger(ENTITY["external_ref"]["id"], "U1")
    both = {"trigger_id": trigger, "metadata": ENTITY, "error": {"status": "restricted"}}
    assert _error(lambda: present(both)) == "invalid_arguments"
    assert _error(lambda: present({"trigger_id": trigger, "error": {"status": "nope"}})) == "invalid_arguments"
    custom_on_restricted = {"status": "restricted", "custom_message": "no"}
    assert _error(lambda: present({"trigger_id": trigger, "error": custom_on_restricted})) == "invalid_arguments"
    assert _error(lambda: present({"trigger_id": trigger, "user_auth_required": True})) == "user_auth_url_missing"
    clock.now += TRIGGER_TTL_SECONDS + 0.01
    assert _error(lambda: present({"trigger_id": trigger, "error": {"status": "restricted"}})) == "invalid_trigger_id"
    assert wo.presented == []


def test_present_details_error_forms(wo: WorkObjects) -> None:
    present = wo.methods["entity.presentDetails"]
    for error in (
        {"status": "restricted"},
        {"status": "not_found"},
        {
            "status": "custom",
            "custom_title": "Devin is slow",
            "custom_message": "Try again",
            "message_format": "markdown",
        },
    ):
        trigger = wo.issue_trigger("devin-x", "U1")
        assert present({"trigger_id": trigger, "error": error}) == {}
    assert [p["error"]["status"] for p in wo.presented] == ["restricted", "not_found", "custom"]
