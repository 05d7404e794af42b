"""The Work Object side panel end to end: `entity_details_requested` over real HTTP → `entity.presentDetails`
on the Slack stand-in, within the 3-second trigger; the analysis for allowed viewers, the error form for the rest."""

from __future__ import annotations

import json
import time
from typing import Any

from bot.ids import ActionId
from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_seed import SEED_OUT_OF_CREDITS, SEED_WITH_ANALYSIS, SEED_WITHOUT_ANALYSIS, UNKNOWN_SESSION_ID
from bot.sandbox.slack_api import EXTERNAL_USER_ID, REGULAR_USER_ID, SHARED_CHANNEL_ID, SlackCall
from bot.sandbox.slack_entities import TRIGGER_TTL_SECONDS
from bot.sandbox.slack_requests import block_action, entity_details_requested_event, link_shared_event, new_ts
from tests.entity_limits import assert_entity_ok
from tests.fixtures_app import RunningApp, running_app

TRIGGER_SECONDS = 3.0


def _url(session_id: str) -> str:
    return f"https://app.devin.ai/sessions/{session_id.removeprefix('devin-')}"


async def open_panel(
    app: RunningApp, session_id: str, *, user: str = REGULAR_USER_ID, channel: str = SANDBOX_CHANNEL_ID, **fields: Any
) -> tuple[SlackCall, float, dict[str, Any]]:
    """Click a session's Work Object: the recorded `entity.presentDetails`, seconds after the click, the event."""
    ref = fields.pop("external_ref", {"id": session_id, "type": "devin_session"})
    trigger = app.slack.work_objects.issue_trigger(ref["id"], user)
    event = entity_details_requested_event(
        trigger_id=trigger,
        external_ref=ref,
        entity_url=_url(session_id),
        app_unfurl_url=_url(session_id) + "?tab=info",
        user=user,
        channel=channel,
        message_ts=new_ts(),
        **fields,
    )
    started = time.monotonic()
    result = await app.sender.event(event)
    assert result.status == 200
    (call,) = await app.slack.wait_for("entity.presentDetails", predicate=lambda c: c.body["trigger_id"] == trigger)
    return call, call.at - started, event


def _custom(call: SlackCall) -> dict[str, Any]:
    return {f["key"]: f for f in call.body["metadata"]["entity_payload"]["custom_fields"]}


async def test_allowed_viewer_gets_the_analysis_within_the_trigger(live: RunningApp) -> None:
    call, seconds, event = await open_panel(live, SEED_WITH_ANALYSIS)
    assert call.ok, call.response
    assert seconds < TRIGGER_SECONDS
    entity = call.body["metadata"]
    assert entity["external_ref"] == event["event"]["external_ref"]
    assert {"issues", "action_items", "suggested_prompt", "timeline", "pull_request_list"} <= set(_custom(call))
    assert "DATABASE_URL" in json.dumps(_custom(call)["issues"])
    assert_entity_ok(entity, for_unfurl=False, input_urls={entity["url"], _url(SEED_WITH_ANALYSIS)})
    assert live.slack.work_objects.presented[0]["user"] == REGULAR_USER_ID
    # The creator, looked up by the people component: a Slack user, never an e-mail.
    assignee = entity["entity_payload"]["fields"]["assignee"]
    assert assignee == {"type": "slack#/types/user", "user": {"user_id": REGULAR_USER_ID}}


async def test_session_without_analysis_says_so(live: RunningApp) -> None:
    call, _, _ = await open_panel(live, SEED_WITHOUT_ANALYSIS)
    assert call.ok
    fields = call.body["metadata"]["entity_payload"]["fields"]
    assert fields["description"]["value"].startswith("No analysis yet")
    assert "issues" not in _custom(call)


async def test_slack_connect_guest_gets_the_error_form_and_no_data(live: RunningApp) -> None:
    call, seconds, _ = await open_panel(live, SEED_WITH_ANALYSIS, user=EXTERNAL_USER_ID, channel=SHARED_CHANNEL_ID)
    assert call.ok and seconds < TRIGGER_SECONDS
    assert call.body["error"] == {"status": "restricted"} and "metadata" not in call.body
    assert "DATABASE_URL" not in json.dumps(call.body)


async def test_workspace_outside_allowed_team_ids_gets_the_error_form(tmp_path: Any) -> None:
    async with running_app(tmp_path, allowed_team_ids="T0SOMEONEELSE") as app:
        call, _, _ = await open_panel(app, SEED_WITH_ANALYSIS)
        assert call.ok and call.body["error"] == {"status": "restricted"} and "metadata" not in call.body


async def test_channel_outside_allowed_channel_ids_gets_the_error_form(tmp_path: Any) -> None:
    async with running_app(tmp_path, allowed_channel_ids="C0ELSEWHERE") as app:
        call, _, _ = await open_panel(app, SEED_WITH_ANALYSIS)
        assert call.ok and call.body["error"] == {"status": "restricted"}


async def test_unknown_session_and_foreign_entity_get_not_found(live: RunningApp) -> None:
    call, _, _ = await open_panel(live, UNKNOWN_SESSION_ID)
    assert call.ok and call.body["error"] == {"status": "not_found"}
    foreign, _, _ = await open_panel(live, SEED_WITH_ANALYSIS, external_ref={"id": "T-1", "type": "jira_issue"})
    assert foreign.ok and foreign.body["error"] == {"status": "not_found"}


async def test_devin_slow_gets_an_error_state_before_the_trigger_expires(live: RunningApp) -> None:
    live.devin.inject(latency=6.0, times=10)
    call, seconds, _ = await open_panel(live, SEED_OUT_OF_CREDITS)
    assert call.ok, call.response
    assert seconds < TRIGGER_TTL_SECONDS
    assert call.body["error"]["status"] == "custom" and "metadata" not in call.body


async def test_devin_down_gets_an_error_state(live: RunningApp) -> None:
    live.devin.inject(status=503, times=50)
    call, seconds, _ = await open_panel(live, SEED_WITH_ANALYSIS)
    assert call.ok and seconds < TRIGGER_SECONDS
    assert call.body["error"]["status"] == "custom"
    assert "Devin" in call.body["error"]["custom_message"]


async def test_insights_slow_but_session_known_shows_the_session_with_a_notice(live: RunningApp) -> None:
    link = link_shared_event(
        [_url(SEED_WITH_ANALYSIS)], channel=SANDBOX_CHANNEL_ID, user=REGULAR_USER_ID, message_ts=new_ts()
    )
    await live.sender.event(link)
    await live.slack.wait_for("chat.unfurl")  # the unfurl cached the plain session
    live.devin.inject(latency=6.0, path_contains="/insights", times=10)
    call, seconds, _ = await open_panel(live, SEED_WITH_ANALYSIS)
    assert call.ok and seconds < TRIGGER_SECONDS
    description = call.body["metadata"]["entity_payload"]["fields"]["description"]["value"]
    assert description.startswith("The analysis could not be loaded just now")


async def test_second_opening_is_served_from_the_cache(live: RunningApp) -> None:
    await open_panel(live, SEED_WITH_ANALYSIS)
    await open_panel(live, SEED_WITH_ANALYSIS)
    assert len(live.devin.requests_to(f"/sessions/{SEED_WITH_ANALYSIS}/insights")) == 1
    assert len(live.slack.calls_to("users.info")) == 1


async def test_redelivered_event_is_answered_once(live: RunningApp) -> None:
    call, _, event = await open_panel(live, SEED_WITH_ANALYSIS)
    await live.sender.event(event, retry_num=1, retry_reason="http_timeout")
    await live.settle()
    assert len(live.slack.calls_to("entity.presentDetails")) == 1 and call.ok


async def test_alert_incident_opens_the_same_panel_as_an_incident(live: RunningApp) -> None:
    ref = {"id": SEED_OUT_OF_CREDITS, "type": "devin_session_alert"}
    call, seconds, _ = await open_panel(live, SEED_OUT_OF_CREDITS, external_ref=ref)
    assert call.ok, call.response
    assert seconds < TRIGGER_SECONDS
    entity = call.body["metadata"]
    assert entity["entity_type"] == "slack#/entities/incident" and entity["external_ref"] == ref
    assert entity["entity_payload"]["fields"]["urgency"] == {"value": "High"}


async def test_view_insights_on_the_entity_opens_the_details_modal(live: RunningApp) -> None:
    """The entity's *View insights* sends a block_actions click from the flexpane (no response_url)."""
    container = {
        "type": "entity_detail",
        "entity_url": _url(SEED_WITH_ANALYSIS),
        "external_ref": {"id": SEED_WITH_ANALYSIS, "type": "devin_session"},
        "app_unfurl_url": _url(SEED_WITH_ANALYSIS),
        "channel_id": SANDBOX_CHANNEL_ID,
        "message_ts": new_ts(),
    }
    payload = block_action(
        ActionId.SHOW_DETAILS.value, SEED_WITH_ANALYSIS, user_id=REGULAR_USER_ID, container=container
    )
    result = await live.sender.action(payload)
    assert result.status == 200
    calls = await live.slack.wait_for("views.open")
    assert calls[0].ok
    update = await live.slack.wait_for("views.update")
    assert "DATABASE_URL" in json.dumps(update[-1].body["view"])
