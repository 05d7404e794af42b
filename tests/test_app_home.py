"""App Home: opening the Home tab publishes the app's home view."""

from __future__ import annotations

from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.slack_api import REGULAR_USER_ID
from bot.sandbox.slack_requests import app_home_opened_event
from tests.blockkit_limits import assert_view_limits
from tests.fixtures_app import RunningApp, running_app


async def test_home_tab_publishes_the_home_view(live: RunningApp) -> None:
    await live.sender.event(app_home_opened_event(REGULAR_USER_ID))
    (published,) = await live.slack.wait_for("views.publish")
    assert published.body["user_id"] == REGULAR_USER_ID
    assert published.body["view"]["type"] == "home"
    assert_view_limits(published.body["view"])


async def test_messages_tab_publishes_nothing(live: RunningApp) -> None:
    await live.sender.event(app_home_opened_event(REGULAR_USER_ID, tab="messages"))
    await live.settle()
    assert live.slack.calls_to("views.publish") == []


async def test_home_names_the_alert_channel(tmp_path: object) -> None:
    async with running_app(tmp_path, alert_channel=SANDBOX_CHANNEL_ID) as app:
        await app.sender.event(app_home_opened_event(REGULAR_USER_ID))
        (published,) = await app.slack.wait_for("views.publish")
        assert f"<#{SANDBOX_CHANNEL_ID}>" in str(published.body["view"])
