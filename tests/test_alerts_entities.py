"""Alerts as Work Objects: every alert message carries message metadata (`devin_session_suspended` /
`…_resolved`), and a single session's alert also its `incident` entity, accepted by the Slack stand-in."""

from __future__ import annotations

import json
from typing import Any

from blocks.alert_metadata import RESOLVED_EVENT, SUSPENDED_EVENT, alert_metadata
from bot.people.records import Person, PersonKind
from tests import blocks_samples as s
from tests.entity_limits import assert_entity_ok, assert_message_metadata_ok
from tests.test_alerts_e2e import POST, UPDATE, ticks, top_level_posts


def test_alert_metadata_names_the_episode_and_never_the_title() -> None:
    session = s.session(title="Secret project <!channel>")
    metadata = alert_metadata(
        channel="C1", reason="out_of_credits", resolved=False, session_id=session.session_id, episode=2
    )
    assert metadata == {
        "event_type": SUSPENDED_EVENT,
        "event_payload": {
            "session_id": session.session_id,
            "episode": 2,
            "reason": "out_of_credits",
            "channel": "C1",
            "part": "alert",
        },
    }
    assert_message_metadata_ok(metadata)


def test_alert_metadata_with_the_session_carries_its_incident() -> None:
    session = s.session()
    metadata = alert_metadata(
        channel="C1",
        reason="out_of_credits",
        resolved=True,
        session=session,
        app_url=s.APP_URL,
        creator=Person(PersonKind.USER, "user-1", "Ada", "ada@example.com", "U0123ABC"),
    )
    assert metadata["event_type"] == RESOLVED_EVENT
    [incident] = metadata["entities"]
    assert incident["entity_type"] == "slack#/entities/incident"
    assert incident["external_ref"] == {"id": session.session_id, "type": "devin_session_alert"}
    assert_entity_ok(incident, for_unfurl=False, input_urls={session.url})
    assert_message_metadata_ok(metadata)
    assert "Secret" not in json.dumps(metadata["event_payload"])
    assert incident["entity_payload"]["fields"]["created_by"]["user"] == {"user_id": "U0123ABC"}
    assert "ada@example.com" not in json.dumps(metadata)  # never an e-mail in what the channel can read


async def test_e2e_alert_is_an_incident_and_its_recovery_updates_both(alerts_world: Any) -> None:
    sid = alerts_world.suspend()
    service = alerts_world.service()
    await ticks(service, alerts_world, 1, every=600)
    [post] = top_level_posts(alerts_world)
    metadata = post.body["metadata"]
    assert metadata["event_type"] == SUSPENDED_EVENT
    assert metadata["event_payload"] == {
        "session_id": sid,
        "episode": 1,
        "reason": "out_of_credits",
        "channel": post.body["channel"],
        "part": "alert",
    }
    [incident] = metadata["entities"]
    assert incident["external_ref"]["id"] == sid
    assert incident["entity_payload"]["fields"]["urgency"] == {"value": "High"}
    assert alerts_world.posts()[0]["metadata"] == metadata  # the stand-in stored what Slack would
    alerts_world.devin_org.set_status(sid, "running", "working")
    await ticks(service, alerts_world, 2)
    [update] = alerts_world.ok_calls(UPDATE)
    assert update.body["metadata"]["event_type"] == RESOLVED_EVENT
    [reply] = [c for c in alerts_world.ok_calls(POST) if c.body.get("thread_ts")]
    assert reply.body["metadata"]["event_payload"]["part"] == "reply" and "entities" not in reply.body["metadata"]
    await service.stop()


async def test_e2e_storm_message_has_event_metadata_but_no_single_incident(alerts_world: Any) -> None:
    for _ in range(12):
        alerts_world.suspend("org_usage_limit_exceeded")
    service = alerts_world.service()
    await ticks(service, alerts_world, 2)
    posts = top_level_posts(alerts_world)
    grouped = [p for p in posts if "group_key" in p.body["metadata"]["event_payload"]]
    assert grouped and all("entities" not in p.body["metadata"] for p in grouped)
    await service.stop()


async def test_e2e_work_objects_off_keeps_the_event_metadata_only(alerts_world: Any) -> None:
    alerts_world.suspend()
    service = alerts_world.service(work_objects=False)
    await ticks(service, alerts_world, 1, every=600)
    [post] = top_level_posts(alerts_world)
    assert post.body["metadata"]["event_type"] == SUSPENDED_EVENT and "entities" not in post.body["metadata"]
    await service.stop()
