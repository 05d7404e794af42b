"""App Home: what the app does and where its alerts go."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.home import home_view
from bot.listeners.deps import AppDeps
from bot.listeners.insights import team_glance

log = logging.getLogger(__name__)

Handler = Callable[..., Awaitable[None]]


def make_app_home_opened(deps: AppDeps) -> Handler:
    async def handle_app_home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        user_id = event.get("user")
        if event.get("tab") != "home" or not isinstance(user_id, str):
            return
        channels = [deps.settings.alert_channel] if deps.settings.alert_channel else []
        try:
            view = home_view(alert_channels=channels, sections=await team_glance(deps))
            await client.views_publish(user_id=user_id, view=view)
        except SlackApiError as error:  # the next app_home_opened publishes again
            log.warning("home.publish.failed", extra={"error": error.response.get("error")})

    return handle_app_home_opened
