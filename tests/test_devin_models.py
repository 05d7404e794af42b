"""Devin response models against every example payload of reference/devin-api-examples.json, and API drift."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from bot.devin.models import (
    ActionItemType,
    Analysis,
    GenerateInsightsResult,
    Page,
    Principal,
    PullRequest,
    Session,
    SessionInsights,
    SessionOrigin,
    SessionSize,
    SessionStatus,
    StatusDetail,
)

EXAMPLES_PATH = Path(__file__).resolve().parent / "data" / "devin_api_examples.json"
LEGACY_V1 = "Legacy v1 GET /v1/sessions/{session_id} -> 200 (contrast only)"
MESSAGES_EXAMPLE = "GET /v3/organizations/{org_id}/sessions/{devin_id}/messages -> 200"
MODEL_BY_EXAMPLE: dict[str, type[BaseModel]] = {
    "GET /v3/organizations/{org_id}/sessions/{devin_id}/insights -> 200 (analysis generated)": SessionInsights,
    "GET /v3/organizations/{org_id}/sessions/{devin_id}/insights -> 200 (no analysis yet)": SessionInsights,
    "POST /v3/organizations/{org_id}/sessions/{devin_id}/insights/generate -> 200 (started)": GenerateInsightsResult,
    "POST /v3/organizations/{org_id}/sessions/{devin_id}/insights/generate -> 200 (already_exists)": (
        GenerateInsightsResult
    ),
    "GET /v3/organizations/{org_id}/sessions/insights -> 200": Page[SessionInsights],
    "GET /v3/organizations/{org_id}/sessions -> 200": Page[Session],
    "GET /v3/organizations/{org_id}/sessions/{devin_id} -> 200 (suspended: out_of_credits)": Session,
    "GET /v3/organizations/{org_id}/sessions/{devin_id} -> 200 (running: waiting_for_user)": Session,
    "GET /v3/self -> 200": Principal,
}


@pytest.fixture(scope="module")
def examples() -> dict[str, Any]:
    if not EXAMPLES_PATH.is_file():
        pytest.fail(
            f"{EXAMPLES_PATH} not found: the documented example payloads belong in tests/data (restore it from git)"
        )
    loaded: dict[str, Any] = json.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))
    return loaded


def assert_keeps(dumped: Any, original: Any, where: str = "$") -> None:
    """Every value of the original payload survives the parse (the model may add defaulted fields)."""
    if isinstance(original, dict):
        assert isinstance(dumped, dict), where
        for key, value in original.items():
            assert key in dumped, f"{where}.{key} dropped"
            assert_keeps(dumped[key], value, f"{where}.{key}")
    elif isinstance(original, list):
        assert isinstance(dumped, list) and len(dumped) == len(original), where
        for index, (left, right) in enumerate(zip(dumped, original, strict=True)):
            assert_keeps(left, right, f"{where}[{index}]")
    else:
        assert dumped == original, f"{where}: {dumped!r} != {original!r}"


def test_models_every_example_with_a_response_has_a_model(examples: dict[str, Any]) -> None:
    with_response = {key for key, value in examples.items() if isinstance(value, dict) and "response" in value}
    # The messages endpoint is documented, but the app does not read it (no model).
    assert with_response - {LEGACY_V1, MESSAGES_EXAMPLE} == set(MODEL_BY_EXAMPLE)


@pytest.mark.parametrize("key", list(MODEL_BY_EXAMPLE))
def test_models_parse_example_losslessly(examples: dict[str, Any], key: str) -> None:
    response = examples[key]["response"]
    parsed = MODEL_BY_EXAMPLE[key].model_validate(response)
    assert_keeps(parsed.model_dump(mode="json"), response)


def test_models_legacy_v1_example_is_not_a_v3_session(examples: dict[str, Any]) -> None:
    legacy = examples[LEGACY_V1]["response"]
    # Skipped on purpose: v1 uses ISO-8601 strings for times, `status_enum`, and no `url`; the app is v3-only.
    assert isinstance(legacy["created_at"], str) and "status_enum" in legacy and "url" not in legacy
    with pytest.raises(ValidationError):
        Session.model_validate(legacy)


def test_models_insights_example_fields_are_typed(examples: dict[str, Any]) -> None:
    key = "GET /v3/organizations/{org_id}/sessions/{devin_id}/insights -> 200 (analysis generated)"
    insights = SessionInsights.model_validate(examples[key]["response"])
    assert insights.status is SessionStatus.EXIT and insights.origin is SessionOrigin.SLACK
    assert insights.session_size is SessionSize.M
    assert insights.pull_requests == [
        PullRequest(pr_url="https://github.com/acme/orders-api/pull/482", pr_state="merged")
    ]
    analysis = insights.analysis
    assert analysis is not None and analysis.classification is not None
    assert analysis.classification.confidence == 0.91
    assert [item.type for item in analysis.action_items] == [
        ActionItemType.MACHINE_SETUP,
        ActionItemType.KNOWLEDGE,
        ActionItemType.PROMPT_IMPROVEMENT,
    ]
    assert [event.issue_id for event in analysis.timeline] == [None, "issue_1", "issue_2", None]
    assert analysis.note_usage is not None and analysis.note_usage.bad_usages[0].note_id.startswith("note-")
    assert analysis.suggested_prompt is not None and len(analysis.suggested_prompt.feedback_items) == 2


def test_models_page_examples(examples: dict[str, Any]) -> None:
    page = Page[SessionInsights].model_validate(
        examples["GET /v3/organizations/{org_id}/sessions/insights -> 200"]["response"]
    )
    assert (page.has_next_page, page.total, page.end_cursor is not None) == (True, 37, True)
    assert [item.analysis is None for item in page.items] == [False, True]
    sessions = Page[Session].model_validate(examples["GET /v3/organizations/{org_id}/sessions -> 200"]["response"])
    assert (sessions.has_next_page, sessions.end_cursor, sessions.total) == (False, None, None)
    assert sessions.items[0].status_detail is StatusDetail.OUT_OF_CREDITS and sessions.items[0].is_suspended


def test_models_keep_unknown_enum_values_and_ignore_extra_fields() -> None:
    payload = {
        "session_id": "devin-" + "a" * 32,
        "url": "https://app.devin.ai/sessions/" + "a" * 32,
        "status": "hibernating",
        "status_detail": "quantum_nap",
        "origin": "carrier_pigeon",
        "category": "astrology",
        "session_size": "xxl",
        "brand_new_field": {"nested": [1, 2, 3]},
        "pull_requests": [{"pr_url": "https://github.com/acme/x/pull/1", "pr_state": "draft", "extra": True}],
        "analysis": {
            "action_items": [{"action_item": "Do it", "type": "external_v2", "priority": "p0"}],
            "issues": [{"issue": "x", "impact": "Catastrophic", "label": "New"}],
            "sentiment": "positive",
        },
    }
    insights = SessionInsights.model_validate(payload)
    for value, expected in (
        (insights.status, "hibernating"),
        (insights.status_detail, "quantum_nap"),
        (insights.origin, "carrier_pigeon"),
        (insights.session_size, "xxl"),
    ):
        assert value == expected and type(value) is str  # kept as the plain string, not coerced
    assert insights.category == "astrology"
    assert insights.pull_requests[0].pr_state == "draft"
    assert insights.analysis is not None and insights.analysis.action_items[0].type == "external_v2"
    assert not hasattr(insights, "brand_new_field")


def test_models_known_enum_values_become_members() -> None:
    session = Session.model_validate(
        {"session_id": "devin-" + "b" * 32, "url": "u", "status": "suspended", "status_detail": "payment_declined"}
    )
    assert session.status is SessionStatus.SUSPENDED and session.status_detail is StatusDetail.PAYMENT_DECLINED


def test_models_missing_optional_fields_default() -> None:
    insights = SessionInsights.model_validate({"session_id": "devin-" + "c" * 32, "url": "u"})
    assert insights.tags == [] and insights.pull_requests == [] and insights.child_session_ids is None
    assert (insights.title, insights.status_detail, insights.origin, insights.category) == (None, None, None, None)
    assert (insights.num_user_messages, insights.num_devin_messages, insights.session_size) == (0, 0, None)
    assert insights.analysis is None and insights.is_archived is False and insights.acus_consumed == 0.0
    analysis = Analysis.model_validate({})
    assert (analysis.issues, analysis.action_items, analysis.timeline) == ([], [], [])
    assert analysis.classification is None and analysis.suggested_prompt is None and analysis.note_usage is None
    assert PullRequest.model_validate({"pr_url": "https://github.com/a/b/pull/1"}).pr_state is None
    page = Page[Session].model_validate({"items": []})
    assert (page.end_cursor, page.has_next_page, page.total) == (None, False, None)
    assert Principal.model_validate({"principal_type": "service_user"}).org_id is None


@pytest.mark.parametrize(
    "payload",
    [
        {"url": "u"},
        {"session_id": "devin-" + "d" * 32},
        {"session_id": 5, "url": "u"},
        {"session_id": "x", "url": "u", "tags": "t"},
    ],
)
def test_models_reject_missing_required_or_wrong_types(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Session.model_validate(payload)


def test_models_are_frozen() -> None:
    session = Session.model_validate({"session_id": "devin-" + "e" * 32, "url": "u"})
    with pytest.raises(ValidationError):
        session.title = "changed"  # type: ignore[misc]
