"""App Home: what the app does and where its alerts go."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from blocks.home import home_view
from bot.deps import AppDeps

Handler = Callable[..., Awaitable[None]]


def make_app_home_opened(deps: AppDeps) -> Handler:
    async def handle_app_home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        user_id = event.get("user")
        if event.get("tab") != "home" or not isinstance(user_id, str):
            return
        channels = [deps.settings.alert_channel] if deps.settings.alert_channel else []
        await client.views_publish(user_id=user_id, view=home_view(alert_channels=channels))

    return handle_app_home_opened
