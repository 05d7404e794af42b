"""The 2026 Devin contract as pure parsing: ProblemDetail errors, nulls, new fields, lone surrogates (§17)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.devin.client import without_lone_surrogates
from bot.devin.errors import DevinNotFoundError, DevinStatusError, error_detail
from bot.devin.models import SUSPENSION_REASONS, Analysis, Session, SessionInsights

URL = "https://app.devin.ai/sessions/" + "a" * 32
SID = "devin-" + "a" * 32


def _response(status: int, body: Any) -> httpx.Response:
    request = httpx.Request("GET", "https://api.devin.ai/v3/organizations/org-x/sessions/" + SID)
    return httpx.Response(status, json=body, request=request)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "Session not found"},
            "Session not found",
        ),
        ({"type": "about:blank", "title": "Not Found", "status": 404}, "Not Found"),
        ({"title": "Forbidden", "detail": ""}, "Forbidden"),
        (
            {
                "title": "Unprocessable Entity",
                "detail": "Invalid fields",
                "errors": [{"location": "query.first", "message": "too big"}],
            },
            "Invalid fields (query.first: too big)",
        ),
        ({"detail": [{"loc": ["query", "first"], "msg": "too big"}]}, "first: too big"),
        ({"detail": "Session not found"}, "Session not found"),
        ({"unexpected": True}, None),
    ],
)
def test_error_detail_reads_problem_detail_and_legacy_bodies(body: dict[str, Any], expected: str | None) -> None:
    assert error_detail(_response(422 if "errors" in body else 404, body)) == expected


def test_problem_detail_404_is_not_found() -> None:
    error = DevinStatusError.from_response(
        _response(404, {"title": "Not Found", "status": 404, "detail": "Session not found"})
    )
    assert isinstance(error, DevinNotFoundError) and error.detail == "Session not found"


def test_nulls_where_lists_and_booleans_are_expected_read_as_empty_and_false() -> None:
    session = SessionInsights.model_validate(
        {
            "session_id": SID,
            "url": URL,
            "tags": None,
            "pull_requests": None,
            "is_archived": None,
            "acus_consumed": None,
            "num_user_messages": None,
            "analysis": {"issues": None, "action_items": None, "timeline": None, "note_usage": {"good_usages": None}},
        }
    )
    assert (session.tags, session.pull_requests, session.is_archived, session.acus_consumed) == ([], [], False, 0.0)
    assert session.analysis == Analysis(note_usage={"good_usages": []})  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [{"url": None}, {"updated_at": 1.5}, {"title": ["x"]}])
def test_a_session_that_still_cannot_be_read_fails(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Session.model_validate({"session_id": SID, "url": URL, **bad})


def test_2026_fields_and_reason() -> None:
    session = Session.model_validate(
        {
            "session_id": SID,
            "url": URL,
            "devin_mode": "fusion",
            "automation_id": "auto-1",
            "origin": "code_scan",
            "is_advanced": True,
        }
    )
    assert (session.devin_mode, session.automation_id, session.origin) == ("fusion", "auto-1", "code_scan")
    assert not hasattr(session, "is_advanced")
    assert "user_usage_limit_exceeded" in SUSPENSION_REASONS


@given(
    st.recursive(st.text(), lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3))
)
def test_without_lone_surrogates_always_gives_encodable_json(value: Any) -> None:
    cleaned = without_lone_surrogates(value)
    json.dumps(cleaned, ensure_ascii=False).encode("utf-8")  # never raises
    if isinstance(value, str) and value.encode("utf-8", "surrogatepass") == value.encode("utf-8", "ignore"):
        assert cleaned == value  # valid text is untouched
