"""Work Object unfurls end to end: a pasted link → one `chat.unfurl` with a task entity for that exact URL,
next to the Block Kit fallback, accepted by the stand-in's entity checks; the same preview rules for both."""

from __future__ import annotations

import json
from typing import Any

from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_seed import SEED_OUT_OF_CREDITS, SEED_WITH_ANALYSIS, UNKNOWN_SESSION_ID
from bot.sandbox.slack_api import REGULAR_USER_ID, SHARED_CHANNEL_ID
from bot.sandbox.slack_requests import COMPOSER_CHANNEL, link_shared_event, new_ts
from tests.blockkit_limits import assert_unfurl_limits
from tests.entity_limits import assert_entity_ok
from tests.fixtures_app import RunningApp, running_app


def _url(session_id: str, suffix: str = "") -> str:
    return f"https://app.devin.ai/sessions/{session_id.removeprefix('devin-')}{suffix}"


def _event(links: list[str], **fields: Any) -> dict[str, Any]:
    fields.setdefault("channel", SANDBOX_CHANNEL_ID)
    fields.setdefault("message_ts", new_ts())
    return link_shared_event(links, user=REGULAR_USER_ID, **fields)


def _entities(call: Any) -> dict[str, dict[str, Any]]:
    return {e["app_unfurl_url"]: e for e in call.body["metadata"]["entities"]}


async def test_pasted_links_get_task_entities_for_the_exact_urls_and_block_kit_fallback(live: RunningApp) -> None:
    pasted = [_url(SEED_WITH_ANALYSIS, "?tab=info#top"), _url(SEED_OUT_OF_CREDITS), _url(UNKNOWN_SESSION_ID)]
    event = _event(pasted)
    await live.sender.event(event)
    (call,) = await live.slack.wait_for("chat.unfurl")
    assert call.ok, call.response
    entities = _entities(call)
    assert set(entities) == set(call.body["unfurls"]) == set(pasted[:2])  # the unknown session gets neither
    for url, entity in entities.items():
        assert entity["entity_type"] == "slack#/entities/task"
        assert entity["external_ref"]["id"] in (SEED_WITH_ANALYSIS, SEED_OUT_OF_CREDITS)
        assert_entity_ok(entity, for_unfurl=True, input_urls={url, entity["url"]})
        assert_unfurl_limits(call.body["unfurls"][url])
    target = f"{SANDBOX_CHANNEL_ID}:{event['event']['message_ts']}"
    assert live.slack.work_objects.unfurl_entities[target] == call.body["metadata"]["entities"]
    assert set(live.slack.unfurls[target]) == set(pasted[:2])


async def test_composer_event_unfurls_entities_by_unfurl_id(live: RunningApp) -> None:
    link = _url(SEED_WITH_ANALYSIS)
    event = _event([link], channel=COMPOSER_CHANNEL, unfurl_id=f"{SANDBOX_CHANNEL_ID}.1700000000.000100.abc")
    await live.sender.event(event)
    (call,) = await live.slack.wait_for("chat.unfurl")
    assert call.ok and call.body["source"] == "composer" and "channel" not in call.body
    assert list(_entities(call)) == [link]
    assert live.slack.work_objects.unfurl_entities[event["event"]["unfurl_id"]][0]["app_unfurl_url"] == link


async def test_redelivered_event_does_not_unfurl_entities_twice(live: RunningApp) -> None:
    event = _event([_url(SEED_WITH_ANALYSIS)])
    await live.sender.event(event)
    await live.slack.wait_for("chat.unfurl")
    await live.sender.event(event, retry_num=1, retry_reason="http_timeout")
    await live.sender.event(event, retry_num=2, retry_reason="http_error")
    await live.settle()
    assert len(live.slack.calls_to("chat.unfurl")) == 1


async def test_slack_connect_channel_gets_a_minimal_entity_too(live: RunningApp) -> None:
    link = _url(SEED_WITH_ANALYSIS)
    await live.sender.event(_event([link], channel=SHARED_CHANNEL_ID))
    (call,) = await live.slack.wait_for("chat.unfurl")
    payload = _entities(call)[link]["entity_payload"]
    assert set(payload) == {"attributes", "fields"} and set(payload["fields"]) == {"status"}
    assert "ACUs" not in json.dumps(call.body)


async def test_unfurl_mode_minimal_keeps_the_entity_minimal(tmp_path: Any) -> None:
    async with running_app(tmp_path, unfurl_mode="minimal") as app:
        link = _url(SEED_WITH_ANALYSIS)
        await app.sender.event(_event([link]))
        (call,) = await app.slack.wait_for("chat.unfurl")
        assert set(_entities(call)[link]["entity_payload"]["fields"]) == {"status"}
        assert "actions" not in _entities(call)[link]["entity_payload"]


async def test_work_objects_off_sends_block_kit_only(tmp_path: Any) -> None:
    async with running_app(tmp_path, work_objects=False) as app:
        link = _url(SEED_WITH_ANALYSIS)
        await app.sender.event(_event([link]))
        (call,) = await app.slack.wait_for("chat.unfurl")
        assert call.ok and "metadata" not in call.body and list(call.body["unfurls"]) == [link]


async def test_unfurl_mode_off_sends_no_entity(tmp_path: Any) -> None:
    async with running_app(tmp_path, unfurl_mode="off") as app:
        await app.sender.event(_event([_url(SEED_WITH_ANALYSIS)]))
        await app.settle()
        assert app.slack.calls_to("chat.unfurl") == []
