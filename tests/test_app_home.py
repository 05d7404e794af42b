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


async def test_home_shows_the_org_at_a_glance(tmp_path: object) -> None:
    async with running_app(tmp_path, with_alerts=True, acu_budget=1000.0) as app:
        engine = app.app.deps.scheduled
        assert engine is not None
        await engine.schedule_digest(
            SANDBOX_CHANNEL_ID, cadence="daily", weekday=None, hour=9, minute=0, tz="Europe/Paris", user_id="U1X"
        )
        status = await engine.check_budget()
        assert status is not None
        await app.sender.event(app_home_opened_event(REGULAR_USER_ID))
        (published,) = await app.slack.wait_for("views.publish")
        view = published.body["view"]
        assert_view_limits(view)
        text = str(view)
        now = app.app.deps.team
        assert now is not None
        figures = await now.last_days(7)  # the cache: the same figures the tab showed
        assert f"*{figures.sessions} sessions*" in text and "Suspended now:" in text
        assert f"{status.used:,.1f} of 1,000" in text and "░" in text  # the bar
        assert f"<#{SANDBOX_CHANNEL_ID}> daily at 09:00 (Europe/Paris)" in text


async def test_home_without_devin_still_publishes(tmp_path: object) -> None:
    async with running_app(tmp_path) as app:
        app.devin.inject(status=503, path_contains="/sessions/insights", times=-1)
        await app.sender.event(app_home_opened_event(REGULAR_USER_ID))
        (published,) = await app.slack.wait_for("views.publish", timeout=15)
        assert "not available right now" in str(published.body["view"])
