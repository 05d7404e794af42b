"""App Home handler, fast tier."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from bot.listeners.home import make_app_home_opened


@pytest.mark.parametrize("unit_settings_overrides", [{"alert_channel": "C0ALERTS"}])
async def test_home_publishes_the_view_for_the_user_who_opened_it(unit: Any) -> None:
    await make_app_home_opened(unit.deps)(event={"tab": "home", "user": "U0REGULAR"}, client=unit.slack)
    kwargs = unit.slack.views_publish.await_args.kwargs
    assert kwargs["user_id"] == "U0REGULAR" and kwargs["view"]["type"] == "home"
    assert "C0ALERTS" in str(kwargs["view"])


async def test_home_messages_tab_publishes_nothing(unit: Any) -> None:
    await make_app_home_opened(unit.deps)(event={"tab": "messages", "user": "U0REGULAR"}, client=unit.slack)
    unit.slack.views_publish.assert_not_awaited()


async def test_home_slack_refusing_the_view_raises_nothing(unit: Any) -> None:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="views.publish",
        req_args={},
        data={"ok": False, "error": "x"},
        headers={},
        status_code=200,
    )
    unit.slack.views_publish.side_effect = SlackApiError("refused", response)
    await make_app_home_opened(unit.deps)(event={"tab": "home", "user": "U0REGULAR"}, client=unit.slack)
    unit.slack.views_publish.assert_awaited_once()
