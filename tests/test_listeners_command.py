"""`/devin-insights` handler, fast tier: called directly with a MockTransport Devin and a mocked Slack client."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from blocks import sentences
from bot.listeners.command import make_devin_command
from tests import blocks_samples as s

SESSION_ID = s.example(s.INSIGHTS_WITH_ANALYSIS)["session_id"]
HEX = SESSION_ID.removeprefix("devin-")


def _command(text: str, **fields: Any) -> dict[str, Any]:
    return {"text": text, "user_id": "U0REGULAR", "channel_id": "C0SANDBOX01", "team_id": "T0SANDBOX", **fields}


def _shown(unit: Any) -> str:
    return json.dumps(unit.responses())


def _slack_user(**flags: bool) -> SlackResponse:
    return SlackResponse(
        client=None,
        http_verb="POST",
        api_url="users.info",
        req_args={},
        data={"ok": True, "user": flags},
        headers={},
        status_code=200,
    )


async def _run(unit: Any, text: str, **fields: Any) -> None:
    handler = make_devin_command(unit.deps)
    await handler(ack=unit.ack, command=_command(text, **fields), respond=unit.respond, client=unit.slack)


async def test_command_acks_first_and_answers_ephemerally_with_the_card(unit: Any) -> None:
    unit.devin.sessions[SESSION_ID] = s.example(s.INSIGHTS_WITH_ANALYSIS)
    await _run(unit, f"https://app.devin.ai/sessions/{HEX}")
    unit.ack.assert_awaited_once_with()
    [reply] = unit.responses()
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    assert any(block.get("type") == "actions" for block in reply["blocks"])
    assert unit.devin.requests == [
        f"GET /v3/organizations/{unit.deps.settings.devin_org_id}/sessions/{SESSION_ID}/insights"
    ]


async def test_command_help_and_nothing_show_the_usage_without_calling_devin(unit: Any) -> None:
    await _run(unit, "")
    await _run(unit, "help")
    assert len(unit.responses()) == 2 and "alerts" in _shown(unit)
    assert unit.devin.requests == []


async def test_command_unknown_text_gets_its_reason_and_the_usage(unit: Any) -> None:
    await _run(unit, "what happened yesterday")
    assert "couldn't find a Devin session link or id" in _shown(unit)


async def test_command_unknown_session_gets_the_not_found_sentence(unit: Any) -> None:
    await _run(unit, SESSION_ID)
    assert sentences.SESSION_NOT_FOUND.split(".")[0] in _shown(unit)


async def test_command_devin_server_error_gets_a_sentence_not_a_traceback(unit: Any) -> None:
    unit.devin.status = 503
    await _run(unit, SESSION_ID)
    assert sentences.DEVIN_SERVER in _shown(unit)


@pytest.mark.parametrize("unit_settings_overrides", [{"allowed_channel_ids": ["C0OTHER"]}])
async def test_command_in_a_channel_not_allowed_is_refused_without_calling_devin(unit: Any) -> None:
    await _run(unit, SESSION_ID)
    assert sentences.NOT_ALLOWED_CHANNEL in _shown(unit) and unit.devin.requests == []


async def test_command_alerts_without_the_engine_says_so(unit: Any) -> None:
    await _run(unit, "alerts")
    assert sentences.ALERTS_UNAVAILABLE in _shown(unit)


async def test_command_alerts_on_by_a_regular_user_is_refused(unit: Any) -> None:
    unit.deps.alerts = object()  # the refusal comes before the engine is touched
    unit.slack.users_info.return_value = _slack_user(is_admin=False)
    await _run(unit, "alerts on")
    assert sentences.NOT_ADMIN in _shown(unit)
    assert unit.slack.users_info.await_args.kwargs == {"user": "U0REGULAR"}


async def test_command_alerts_on_when_slack_cannot_say_who_is_admin_changes_nothing(unit: Any) -> None:
    unit.deps.alerts = object()
    unit.slack.users_info.side_effect = SlackApiError("boom", _slack_user())
    await _run(unit, "alerts off")
    assert sentences.ADMIN_CHECK_FAILED in _shown(unit)
