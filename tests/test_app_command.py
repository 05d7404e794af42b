"""`/devin-insights` end to end: the app in HTTP mode, signed requests, the Slack stand-in, the simulated Devin org."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from blocks import sentences
from bot.devin.retry import RetryPolicy
from bot.ids import ActionId
from bot.listeners.deps import InsightsTiming
from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_seed import (
    SEED_HOSTILE_TITLE,
    SEED_NO_DEVIN_MESSAGES,
    SEED_WITH_ANALYSIS,
    SEED_WITHOUT_ANALYSIS,
    UNKNOWN_SESSION_ID,
)
from bot.sandbox.slack_api import EXTERNAL_TEAM_ID, NOT_MEMBER_CHANNEL_ID, REGULAR_USER_ID
from bot.sandbox.slack_requests import block_action
from tests.blockkit_limits import assert_message_limits, assert_no_unescaped_control
from tests.fixtures_app import RunningApp, running_app

SESSION_URL = f"https://app.devin.ai/sessions/{SEED_WITH_ANALYSIS.removeprefix('devin-')}"


def _action_ids(message: dict[str, Any]) -> set[str]:
    return {
        element.get("action_id", "")
        for block in message.get("blocks", [])
        if block.get("type") == "actions"
        for element in block.get("elements", [])
    }


def _text(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + message.get("text", "")


async def test_command_link_answers_with_the_insights_card(live: RunningApp) -> None:
    result, hook = await live.command(SESSION_URL)
    assert result.status == 200
    assert result.body == ""  # an empty ack: the card follows through response_url
    (card,) = await live.responses(hook)
    assert card["response_type"] == "ephemeral"
    assert "Fix 500 on refund endpoint" in _text(card)
    assert {ActionId.SHOW_DETAILS, ActionId.SHARE_IN_CHANNEL, ActionId.OPEN_IN_DEVIN} <= _action_ids(card)
    assert ActionId.GENERATE_INSIGHTS not in _action_ids(card)
    assert_message_limits(card)
    assert [r.path for r in live.devin.requests_to("/insights")] == [
        f"/v3/organizations/{live.settings.devin_org_id}/sessions/{SEED_WITH_ANALYSIS}/insights"
    ]


async def test_command_bare_id_and_prefixed_id_work(live: RunningApp) -> None:
    for text in (SEED_WITH_ANALYSIS, SEED_WITH_ANALYSIS.removeprefix("devin-").upper()):
        _, hook = await live.command(text)
        (card,) = await live.responses(hook)
        assert "Fix 500 on refund endpoint" in _text(card)


async def test_command_without_analysis_offers_generate_and_the_flow_completes(live: RunningApp) -> None:
    _, hook = await live.command(SEED_WITHOUT_ANALYSIS)
    (card,) = await live.responses(hook)
    assert ActionId.GENERATE_INSIGHTS in _action_ids(card)
    result, button_hook = await live.click(ActionId.GENERATE_INSIGHTS, SEED_WITHOUT_ANALYSIS)
    assert result.status == 200
    progress, final = await live.responses(button_hook, count=2)
    assert progress["replace_original"] is True and "Generating insights" in _text(progress)
    assert ActionId.GENERATE_INSIGHTS not in _action_ids(progress)  # no second click while it runs
    assert final["replace_original"] is True
    assert ActionId.GENERATE_INSIGHTS not in _action_ids(final)
    assert ActionId.SHOW_DETAILS in _action_ids(final)
    assert len(live.devin.requests_to("/insights/generate")) == 1


async def test_command_unknown_session_says_so(live: RunningApp) -> None:
    _, hook = await live.command(UNKNOWN_SESSION_ID)
    (reply,) = await live.responses(hook)
    assert sentences.SESSION_NOT_FOUND.split(".")[0] in _text(reply)


async def test_command_help_and_empty_show_usage(live: RunningApp) -> None:
    for text in ("help", "", "   "):
        _, hook = await live.command(text)
        (reply,) = await live.responses(hook)
        assert "alerts" in _text(reply) and "/devin-insights" in _text(reply)
    assert live.devin.requests_to("/insights") == []


async def test_command_bad_input_gets_reason_and_usage_without_a_devin_call(live: RunningApp) -> None:
    _, hook = await live.command("https://example.com/sessions/123 <!channel>")
    (reply,) = await live.responses(hook)
    assert "couldn't find a Devin session" in _text(reply)
    assert_no_unescaped_control(reply)
    assert live.devin.requests_to("/sessions") == []


async def test_command_several_links_shows_the_first_with_a_note(live: RunningApp) -> None:
    _, hook = await live.command(f"{SESSION_URL} {SEED_WITHOUT_ANALYSIS}")
    (card,) = await live.responses(hook)
    assert "showing the first" in _text(card)
    assert "Fix 500 on refund endpoint" in _text(card)


async def test_command_devin_down_gives_a_clear_sentence(live: RunningApp) -> None:
    live.devin.inject(status=503, times=20)
    _, hook = await live.command(SESSION_URL)
    (reply,) = await live.responses(hook)
    assert sentences.DEVIN_SERVER in _text(reply)


async def test_command_devin_unreachable_gives_a_clear_sentence(live: RunningApp) -> None:
    await live.devin.stop()
    _, hook = await live.command(SESSION_URL)
    (reply,) = await live.responses(hook)
    assert sentences.DEVIN_UNREACHABLE in _text(reply)


async def test_command_acks_within_slacks_limit_while_devin_is_slow(tmp_path: Any) -> None:
    patient = RetryPolicy(budget_seconds=10.0, max_attempts=2)
    async with running_app(tmp_path, retry=patient) as app:
        app.devin.inject(latency=3.5, times=1)
        result, hook = await app.command(SESSION_URL)
        assert result.status == 200
        assert result.elapsed < 1.0, f"ack took {result.elapsed:.2f}s"
        (card,) = await app.responses(hook, timeout=8.0)
        assert "Fix 500 on refund endpoint" in _text(card)


async def test_command_hostile_title_is_escaped(live: RunningApp) -> None:
    _, hook = await live.command(SEED_HOSTILE_TITLE)
    (card,) = await live.responses(hook)
    assert_no_unescaped_control(card)  # plain_text headers may show the title literally; mrkdwn never parses it
    assert_message_limits(card)


async def test_button_details_opens_a_modal_then_fills_it(live: RunningApp) -> None:
    result, _ = await live.click(ActionId.SHOW_DETAILS, SEED_WITH_ANALYSIS)
    assert result.status == 200
    (opened,) = await live.slack.wait_for("views.open")
    (updated,) = await live.slack.wait_for("views.update")
    assert opened.body["trigger_id"]
    view = updated.body["view"]
    assert view["type"] == "modal" and len(view["blocks"]) <= 100
    assert "DATABASE_URL" in json.dumps(view)


async def test_button_share_posts_the_card_in_the_channel(live: RunningApp) -> None:
    await live.click(ActionId.SHARE_IN_CHANNEL, SEED_WITH_ANALYSIS)
    (posted,) = await live.slack.wait_for("chat.postMessage")
    assert posted.ok
    assert "Shared by" in _text(posted.body)
    assert ActionId.SHARE_IN_CHANNEL not in _action_ids(posted.body)


async def test_button_share_where_the_bot_cannot_post_explains_how_to_fix(live: RunningApp) -> None:
    _, hook = await live.click(ActionId.SHARE_IN_CHANNEL, SEED_WITH_ANALYSIS, channel_id=NOT_MEMBER_CHANNEL_ID)
    (reply,) = await live.responses(hook)
    assert "/invite @devin-insights" in _text(reply)


async def test_button_view_insights_answers_ephemerally(live: RunningApp) -> None:
    _, hook = await live.click(ActionId.VIEW_INSIGHTS, SEED_WITH_ANALYSIS)
    (reply,) = await live.responses(hook)
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    assert "Fix 500 on refund endpoint" in _text(reply)


async def test_button_open_in_devin_is_acked(live: RunningApp) -> None:
    result, _ = await live.click(ActionId.OPEN_IN_DEVIN, SEED_WITH_ANALYSIS)
    assert result.status == 200


async def test_button_with_a_forged_value_never_reaches_devin(live: RunningApp) -> None:
    _, hook = await live.click(ActionId.SHARE_IN_CHANNEL, "../../v3/self")
    (reply,) = await live.responses(hook)
    assert "no longer points at a valid session" in _text(reply)
    assert live.devin.requests == []


async def test_request_with_a_bad_signature_is_rejected(live: RunningApp) -> None:
    result = await live.sender.post(
        b"command=%2Fdevin-insights&text=help", "application/x-www-form-urlencoded", sign=False
    )
    assert result.status == 401
    stale = await live.sender.post(
        b"command=%2Fdevin-insights&text=help", "application/x-www-form-urlencoded", timestamp=1_600_000_000
    )
    assert stale.status == 401
    assert live.slack.calls_to("response_url") == []


async def test_command_from_another_workspace_is_refused_politely(live: RunningApp) -> None:
    result, hook = await live.command(SESSION_URL, team_id=EXTERNAL_TEAM_ID)
    assert result.status == 200
    assert result.body["text"] == sentences.NOT_ALLOWED_WORKSPACE
    assert live.devin.requests == []


async def test_healthz_reports_ok_without_secrets(live: RunningApp) -> None:
    response = await live.sender._http.get("/healthz")
    assert response.status_code == 200
    body = response.text
    assert json.loads(body)["status"] == "ok"
    for secret in ("xoxb-", "cog_", live.settings.devin_org_id or "org-"):
        assert secret not in body


async def test_oversized_request_body_is_refused_before_parsing(live: RunningApp) -> None:
    body = b"command=%2Fdevin-insights&text=" + b"x" * (600 * 1024)
    result = await live.sender.post(body, "application/x-www-form-urlencoded")
    assert result.status == 413
    assert live.slack.calls_to("response_url") == []


async def test_button_details_when_slack_refuses_the_modal_says_so(live: RunningApp) -> None:
    live.slack.fail("views.open", error="expired_trigger_id")
    _, hook = await live.click(ActionId.SHOW_DETAILS, SEED_WITH_ANALYSIS)
    (reply,) = await live.responses(hook)
    assert "Click *Details* again" in _text(reply)


async def test_enterprise_grid_org_in_allowed_team_ids_is_served(tmp_path: Any) -> None:
    async with running_app(tmp_path, allowed_team_ids="E0GRIDORG") as app:
        _, hook = await app.command(SESSION_URL, team_id="T0OTHERWS", enterprise_id="E0GRIDORG")
        (card,) = await app.responses(hook)
        assert "Fix 500 on refund endpoint" in _text(card)
        refused, _ = await app.command(SESSION_URL, team_id="T0OTHERWS", enterprise_id="E0ELSEWHERE")
        assert refused.body["text"] == sentences.NOT_ALLOWED_WORKSPACE


async def test_allowed_channel_ids_limit_lookups(tmp_path: Any) -> None:
    async with running_app(tmp_path, allowed_channel_ids="C0ONLYHERE") as app:
        _, hook = await app.command(SESSION_URL)
        (reply,) = await app.responses(hook)
        assert sentences.NOT_ALLOWED_CHANNEL in _text(reply)
        assert app.devin.requests == []


async def test_generate_without_manage_permission_says_what_is_missing(tmp_path: Any) -> None:
    async with running_app(tmp_path, devin_kwargs={"manage_sessions": False}) as app:
        _, hook = await app.click(ActionId.GENERATE_INSIGHTS, SEED_WITHOUT_ANALYSIS)
        (reply,) = await app.responses(hook)
        assert "ManageOrgSessions" in _text(reply)


async def test_generate_for_a_session_without_devin_messages_explains(live: RunningApp) -> None:
    _, hook = await live.click(ActionId.GENERATE_INSIGHTS, SEED_NO_DEVIN_MESSAGES)
    (reply,) = await live.responses(hook)
    assert "without any Devin messages" in _text(reply)
    assert live.devin.requests_to("/insights/generate") == []


async def test_generate_that_never_finishes_says_not_ready(tmp_path: Any) -> None:
    timing = InsightsTiming(poll_interval=0.05, still_working_after=0.1, give_up_after=0.3)
    async with running_app(tmp_path, timing=timing, devin_kwargs={"insights_delay": 3600}) as app:
        _, hook = await app.click(ActionId.GENERATE_INSIGHTS, SEED_WITHOUT_ANALYSIS)
        progress, still, final = await app.responses(hook, count=3)
        assert "Generating insights" in _text(progress) and "Still generating" in _text(still)
        assert "hasn't produced insights" in _text(final)
        assert len(app.devin.requests_to("/insights/generate")) == 2  # one retry of a possibly failed run (§4)


@pytest.mark.parametrize("with_response_url", [True, False], ids=["with_response_url", "without_response_url"])
async def test_click_from_another_workspace_is_refused_without_an_error(
    live: RunningApp, caplog: pytest.LogCaptureFixture, with_response_url: bool
) -> None:
    hook = live.slack.response_url()
    payload = block_action(
        ActionId.SHOW_DETAILS,
        SEED_WITH_ANALYSIS,
        user_id=REGULAR_USER_ID,
        team_id=EXTERNAL_TEAM_ID,
        channel_id=None if not with_response_url else SANDBOX_CHANNEL_ID,
        response_url=hook if with_response_url else None,
        view=None if with_response_url else {"id": "V0HOME", "type": "home"},
    )
    with caplog.at_level(logging.INFO):
        result = await live.sender.action(payload)
        await live.settle()
    assert result.status == 200
    assert live.devin.requests == [] and live.slack.calls_to("views.open") == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert "access.refused" in [r.getMessage() for r in caplog.records]
    replies = [c.body for c in live.slack.calls_to("response_url")]
    if with_response_url:
        (reply,) = await live.responses(hook)
        assert reply["text"] == sentences.NOT_ALLOWED_WORKSPACE
    else:
        assert replies == []
