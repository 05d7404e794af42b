"""Work Object entities (blocks/entity.py): exact shapes for the cases that matter, and properties for any session."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blocks.entity import (
    INCIDENT_ENTITY,
    TASK_ENTITY,
    Assignee,
    entity_text,
    session_incident_entity,
    session_task_entity,
    urgency,
)
from blocks.entity_details import MORE_ITEMS, session_details_entity
from bot.devin.links import is_session_id, session_url
from bot.devin.models import Session
from bot.ids import ActionId
from tests import blocks_samples as s
from tests.entity_limits import assert_entity_ok
from tests.test_blocks_properties import HOSTILE, insights, sessions, texts

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PASTED = "https://app.devin.ai/sessions/0123456789abcdef0123456789abcdef?tab=info"


def _urls(item: Session, pasted: str | None = None) -> set[str]:
    """PR URLs as given, the session's link built from the app URL, and the pasted URL: never `item.url`."""
    own = {session_url(s.APP_URL, item.session_id)} if is_session_id(item.session_id) else set()
    return {pr.pr_url for pr in item.pull_requests} | own | {s.APP_URL} | ({pasted} if pasted else set())


def test_task_entity_is_keyed_by_the_pasted_url_and_the_session_id() -> None:
    item = s.insights()
    entity = session_task_entity(item, pasted_url=PASTED, app_url=s.APP_URL)
    assert entity is not None
    assert entity["entity_type"] == TASK_ENTITY
    assert entity["app_unfurl_url"] == PASTED
    assert entity["url"] == item.url
    assert entity["external_ref"] == {"id": item.session_id, "type": "devin_session"}
    assert_entity_ok(entity, for_unfurl=True, input_urls=_urls(item, PASTED))


def test_task_entity_carries_status_dates_figures_and_both_actions() -> None:
    item = s.insights()
    payload = session_task_entity(item, pasted_url=PASTED, app_url=s.APP_URL)["entity_payload"]
    assert payload["fields"]["date_created"] == {"value": item.created_at}
    assert payload["fields"]["date_updated"] == {"value": item.updated_at}
    assert {f["key"] for f in payload["custom_fields"]} >= {"acus", "size", "pull_requests"}
    actions = payload["actions"]["primary_actions"]
    assert [a["action_id"] for a in actions] == [ActionId.OPEN_IN_DEVIN, ActionId.SHOW_DETAILS]
    assert actions[0]["url"] == item.url and actions[1]["value"] == item.session_id
    assert set(payload["display_order"]) == {*payload["fields"], *(f["key"] for f in payload["custom_fields"])}


def test_minimal_task_entity_has_only_title_and_status() -> None:
    payload = session_task_entity(
        s.insights(), pasted_url=PASTED, minimal=True, assignee=Assignee("U0123ABC"), app_url=s.APP_URL
    )["entity_payload"]
    assert set(payload) == {"attributes", "fields"}
    assert set(payload["fields"]) == {"status"}


def test_assignee_is_a_slack_user_when_known_else_a_name_never_both() -> None:
    def assignee(person: Assignee) -> Any:
        return session_task_entity(s.session(), pasted_url=PASTED, assignee=person, app_url=s.APP_URL)[
            "entity_payload"
        ]["fields"].get("assignee")

    assert assignee(Assignee("U0123ABC", "Ada")) == {"type": "slack#/types/user", "user": {"user_id": "U0123ABC"}}
    assert assignee(Assignee("<!channel>", "Ada <@U1>")) == {"type": "slack#/types/user", "user": {"text": "Ada ‹@U1›"}}
    assert assignee(Assignee(None, "  ")) is None


def test_status_colour_follows_the_status_and_the_reason() -> None:
    def color(**changes: Any) -> str:
        entity = session_task_entity(s.session(**changes), pasted_url=PASTED, app_url=s.APP_URL)
        return str(entity["entity_payload"]["fields"]["status"]["tag_color"])

    assert color() == "red"  # suspended: out of credits
    assert color(status_detail="inactivity") == "yellow"
    assert color(status="running", status_detail="working") == "blue"
    assert color(status="exit", status_detail=None) == "green"
    assert color(status="brand_new_status") == "gray"


def test_urgency_is_high_for_org_wide_stops_low_for_sleep_medium_otherwise() -> None:
    assert urgency("out_of_credits") == "High" and urgency("payment_declined") == "High"
    assert urgency("inactivity") == "Low" and urgency("user_request") == "Low"
    assert urgency("error") == "Medium" and urgency("something_new") == "Medium" and urgency(None) == "Medium"


def test_incident_entity_has_urgency_creator_and_no_unfurl_url() -> None:
    item = s.session()
    entity = session_incident_entity(item, creator=Assignee("U0123ABC"), app_url=s.APP_URL)
    assert entity is not None and entity["entity_type"] == INCIDENT_ENTITY
    assert "app_unfurl_url" not in entity
    fields = entity["entity_payload"]["fields"]
    assert fields["urgency"] == {"value": "High"}
    assert fields["created_by"]["user"] == {"user_id": "U0123ABC"}
    assert_entity_ok(entity, for_unfurl=False, input_urls=_urls(item))


def test_incident_entity_needs_a_canonical_session_id_and_ignores_the_sessions_url() -> None:
    assert session_incident_entity(s.session(session_id="devin-not-hex"), app_url=s.APP_URL) is None
    item = s.session(url="javascript:alert(1)")
    entity = session_incident_entity(item, app_url=s.APP_URL)
    assert entity is not None and entity["url"] == session_url(s.APP_URL, item.session_id)
    assert "javascript" not in str(entity)


def test_hostile_title_cannot_ping_or_link() -> None:
    item = s.hostile_insights()
    entity = session_task_entity(item, pasted_url=PASTED, app_url=s.APP_URL)
    title = entity["entity_payload"]["attributes"]["title"]["text"]
    assert "<" not in title and ">" not in title
    assert title.startswith("‹!channel› *URGENT* ‹https:\u2060//evil.example/login|Click here›")
    assert_entity_ok(entity, for_unfurl=True, input_urls=_urls(item, PASTED))


def test_entity_text_breaks_every_broadcast_and_keeps_ordinary_text() -> None:
    assert entity_text("ping @channel and @HERE, mail a@everyone.example") == (
        "ping @\u2060channel and @\u2060HERE, mail a@\u2060everyone.example"
    )
    assert entity_text("Fix <b>login</b> & more") == "Fix ‹b›login‹/b› & more"
    assert entity_text("a\n\n\tb\x00c", 10) == "a bc"
    assert len(entity_text("x" * 10_000)) == 500


@SETTINGS
@given(sessions | insights, st.booleans(), st.none() | st.builds(Assignee, st.none() | texts, st.none() | texts))
def test_task_entity_any_session_is_valid_and_safe(item: Session, minimal: bool, person: Assignee | None) -> None:
    entity = session_task_entity(item, pasted_url=PASTED, minimal=minimal, assignee=person, app_url=s.APP_URL)
    if entity is None:
        assert item.session_id.strip() != item.session_id or not item.session_id or len(item.session_id) > 255
        return
    assert_entity_ok(entity, for_unfurl=True, input_urls=_urls(item, PASTED))


@SETTINGS
@given(sessions, st.none() | st.builds(Assignee, st.sampled_from(["U0123ABC", *HOSTILE]), texts))
def test_incident_entity_any_session_is_valid_and_safe(item: Session, person: Assignee | None) -> None:
    entity = session_incident_entity(item, creator=person, app_url=s.APP_URL)
    if entity is not None:
        assert_entity_ok(entity, for_unfurl=False, input_urls=_urls(item))


REF = {"id": "devin-3f9c2a7be14d4c0f9a61d2e8b7c45a90", "type": "devin_session"}


def test_details_entity_keeps_the_trigger_ref_and_drops_the_unfurl_url() -> None:
    entity = session_details_entity(s.insights(), external_ref=REF, entity_url=PASTED, app_url=s.APP_URL)
    assert entity is not None and entity["external_ref"] == REF and "app_unfurl_url" not in entity
    keys = [f["key"] for f in entity["entity_payload"]["custom_fields"]]
    assert len(keys) == len(set(keys)) and "pull_requests" not in keys and "pull_request_list" in keys


def test_details_entity_cuts_long_lists_with_a_count_of_the_rest() -> None:
    entity = session_details_entity(s.huge_insights(), external_ref=REF, entity_url=PASTED, app_url=s.APP_URL)
    assert entity is not None
    issues = next(f for f in entity["entity_payload"]["custom_fields"] if f["key"] == "issues")
    assert len(issues["value"]) == 11
    assert issues["value"][-1]["value"] == MORE_ITEMS.format(count="30")
    assert issues["value"][0]["value"].startswith("[Critical]")  # most severe first


@SETTINGS
@given(sessions | insights, st.none() | texts)
def test_details_entity_any_session_is_valid_and_safe(item: Session, notice: str | None) -> None:
    entity = session_details_entity(item, external_ref=REF, entity_url=PASTED, notice=notice, app_url=s.APP_URL)
    if entity is not None:
        assert entity["external_ref"] == REF
        assert_entity_ok(entity, for_unfurl=False, input_urls=_urls(item, PASTED))


def test_mode_is_shown_unless_normal() -> None:
    def mode(value: str | None) -> list[str]:
        entity = session_task_entity(s.session(devin_mode=value), app_url=s.APP_URL, pasted_url=PASTED)
        assert entity is not None
        return [f["value"] for f in entity["entity_payload"]["custom_fields"] if f["key"] == "mode"]

    assert mode("fast") == ["Fast"] and mode("normal") == [] and mode(None) == []
    assert mode("<!channel> turbo") == ["‹!channel› turbo"]
