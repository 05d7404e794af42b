"""The Details modal: the whole analysis, and packing that keeps any analysis within a view's limits."""

from __future__ import annotations

import json

from slack_sdk.models.views import View

from blocks.details import LOADING, details_view, loading_view
from bot.ids import CallbackId
from tests import blocks_samples as s
from tests.blockkit_limits import assert_no_unescaped_control, assert_view_limits, mrkdwn_texts


def _text(view: dict[str, object]) -> str:
    return "\n".join(mrkdwn_texts(view))


def test_details_view_is_a_closable_modal() -> None:
    view = details_view(s.insights(), app_url=s.APP_URL)
    assert view["type"] == "modal"
    assert view["callback_id"] == CallbackId.DETAILS_MODAL
    assert view["title"]["text"] == "Session insights"
    assert view["close"]["text"] == "Close"
    assert view["private_metadata"] == "devin-3f9c2a7be14d4c0f9a61d2e8b7c45a90"
    assert View(**view).to_dict() == view


def test_details_view_shows_the_whole_analysis() -> None:
    analysis = s.example(s.INSIGHTS_WITH_ANALYSIS)["analysis"]
    text = _text(details_view(s.insights(), app_url=s.APP_URL))
    expected = [
        *(issue["issue"] for issue in analysis["issues"]),
        *(step["description"] for step in analysis["timeline"]),
        *(item["summary"] for item in analysis["suggested_prompt"]["feedback_items"]),
        "*Original prompt*\n> fix the 500 error in orders",
        ":white_check_mark: Used well: `note-2f7d9c1e8a3b4d5f9e0a1b2c3d4e5f60`",
        ":x: Misapplied or ignored: `note-8c0b1a2d3e4f5061728394a5b6c7d8e9`",
        "(docker compose up db &amp;&amp; pytest -q tests/api)",
    ]
    for piece in expected:
        assert piece in text, piece
    headers = [
        b["text"]["text"] for b in details_view(s.insights(), app_url=s.APP_URL)["blocks"] if b["type"] == "header"
    ]
    assert headers[1:] == ["Issues (2)", "Action items (3)", "Prompt", "Knowledge notes (2)", "Timeline (4)"]


def test_details_view_huge_analysis_says_what_is_not_shown() -> None:
    view = details_view(s.huge_insights(), app_url=s.APP_URL)
    assert_view_limits(view)
    text = _text(view)
    assert "+21 more issues not shown (open in Devin)" in text
    assert "more steps not shown (open in Devin)" in text


def test_details_view_worst_case_within_block_and_size_limits() -> None:
    view = details_view(s.worst_case_insights(), app_url=s.APP_URL)
    assert_view_limits(view)
    assert len(view["blocks"]) <= 100
    assert len(json.dumps(view)) <= 200_000


def test_details_view_without_analysis() -> None:
    view = details_view(s.insights(s.INSIGHTS_NO_ANALYSIS), app_url=s.APP_URL)
    assert_view_limits(view)
    assert "No insights yet" in _text(view)


def test_details_view_hostile_text_is_inert() -> None:
    view = details_view(s.hostile_insights(), app_url=s.APP_URL)
    assert_no_unescaped_control(view, allowed_hosts=("app.devin.ai",))


def test_loading_view_then_error_view() -> None:
    loading = loading_view()
    assert_view_limits(loading)
    assert LOADING in _text(loading)
    failed = loading_view(error="Devin is not answering <now>.")
    assert_view_limits(failed)
    assert _text(failed) == ":warning: Devin is not answering &lt;now&gt;."
    assert failed["callback_id"] == loading["callback_id"] == CallbackId.DETAILS_MODAL
