"""The 2026 Devin contract end to end over real HTTP: the new reason, ProblemDetail errors, nulls, bad items."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from blocks import sentences
from bot.ids import ActionId
from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_seed import UNKNOWN_SESSION_ID
from bot.sandbox.slack_api import REGULAR_USER_ID
from bot.sandbox.slack_requests import link_shared_event, new_ts
from tests.blockkit_limits import assert_message_limits, assert_unfurl_limits
from tests.fixtures_app import running_app

NULL_ANALYSIS = {
    "action_items": None,
    "classification": {"category": None, "programming_languages": None, "tools_and_frameworks": None},
    "issues": None,
    "note_usage": {"good_usages": None, "bad_usages": None},
    "suggested_prompt": {"original_prompt": None, "suggested_prompt": None, "feedback_items": None},
    "timeline": None,
}
NULL_FIELDS = {
    "tags": None,
    "pull_requests": None,
    "child_session_ids": None,
    "is_archived": None,
    "acus_consumed": None,
    "num_user_messages": None,
    "num_devin_messages": None,
    "devin_mode": None,
    "automation_id": None,
    "analysis": NULL_ANALYSIS,
}


def _text(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + message.get("text", "")


def _url(session_id: str) -> str:
    return f"https://app.devin.ai/sessions/{session_id.removeprefix('devin-')}"


async def test_user_usage_limit_exceeded_alerts_with_the_default_settings(tmp_path: Path) -> None:
    async with running_app(tmp_path, with_alerts=True, alert_channel=SANDBOX_CHANNEL_ID, alert_poll_seconds=1) as app:
        sid = app.devin.add_session(
            title="Capped", status="suspended", status_detail="user_usage_limit_exceeded", devin_mode="ultra"
        )["session_id"]
        (alert,) = await app.slack.wait_for(  # the channel's alert, not the creator's DM that may go first
            "chat.postMessage", timeout=10, predicate=lambda c: c.ok and c.body.get("channel") == SANDBOX_CHANNEL_ID
        )
        text = _text(alert.body)
        assert alert.body["channel"] == SANDBOX_CHANNEL_ID and sid in text
        assert "personal usage limit reached" in text and "own ACU cap" in text and "Ultra" in text


async def test_problem_detail_404_gives_the_not_found_sentence(tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        _, hook = await app.command(_url(UNKNOWN_SESSION_ID))
        (reply,) = await app.responses(hook)
        assert sentences.SESSION_NOT_FOUND.split(".")[0] in _text(reply)
        [request] = [r for r in app.devin.requests if UNKNOWN_SESSION_ID in r.path]
        assert request.path.endswith("/insights")


async def test_session_with_nulls_in_every_list_renders_card_preview_and_details(tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        sid = app.devin.add_session(title="Nulls everywhere", status="exit", status_detail=None, **NULL_FIELDS)[
            "session_id"
        ]
        _, hook = await app.command(_url(sid))
        (card,) = await app.responses(hook)
        assert "Nulls everywhere" in _text(card) and sentences.DEVIN_INVALID[:30] not in _text(card)
        assert_message_limits(card)

        event = link_shared_event([_url(sid)], user=REGULAR_USER_ID, channel=SANDBOX_CHANNEL_ID, message_ts=new_ts())
        await app.sender.event(event)
        (unfurl,) = await app.slack.wait_for("chat.unfurl")
        assert unfurl.ok and "Nulls everywhere" in json.dumps(unfurl.body["unfurls"])
        assert_unfurl_limits(unfurl.body["unfurls"][_url(sid)])

        await app.click(ActionId.SHOW_DETAILS, sid)
        (updated,) = await app.slack.wait_for("views.update")
        assert "Nulls everywhere" in json.dumps(updated.body["view"])
        assert sentences.DEVIN_INVALID[:30] not in json.dumps(updated.body["view"])


@pytest.mark.parametrize(
    "bad",
    [{"url": None}, {"updated_at": 0.5}, {"title": {"not": "a string"}}],
    ids=["null-url", "fractional-timestamp", "wrong-type"],
)
async def test_page_with_one_malformed_session_still_alerts_for_another(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, bad: dict[str, Any]
) -> None:
    async with running_app(tmp_path, with_alerts=True, alert_channel=SANDBOX_CHANNEL_ID) as app:
        broken = app.devin.add_session(title="Broken", status="suspended", status_detail="out_of_credits")
        if "updated_at" in bad:  # a fractional stamp inside the window
            bad = {"updated_at": broken["updated_at"] + bad["updated_at"]}
        app.devin.update_session(broken["session_id"], **bad)
        good = app.devin.add_session(title="Fine", status="suspended", status_detail="error")["session_id"]
        engine = app.app.deps.alerts
        assert engine is not None
        with caplog.at_level(logging.WARNING):
            first = await engine.tick()
            second = await engine.tick()
        assert first.poll is not None and first.poll.complete and first.poll.skipped == 1
        assert second.poll is not None and second.poll.skipped == 1  # tried again on the next poll
        posts = app.slack.calls_to("chat.postMessage")
        posted = [c for c in posts if c.ok and c.body["channel"] == SANDBOX_CHANNEL_ID]  # creators' DMs aside
        assert [good in json.dumps(c.body) for c in posted] == [True]
        skipped = [r for r in caplog.records if r.getMessage() == "devin.page.item_skipped"]
        polls = [r for r in app.devin.requests if r.path.endswith("/sessions")]
        # Once per poll that saw it (the scheduler may also poll, before or after the item existed), never a hot loop.
        assert 2 <= len(skipped) <= len(polls)
        assert all(getattr(r, "session_id", None) == broken["session_id"] for r in skipped)
        assert all(set(r.fields) <= set(bad) for r in skipped)  # type: ignore[attr-defined]
        assert "Broken" not in caplog.text  # fields are named, values never logged
