"""App Home: the viewer's own sessions, what the app does, where its alerts go, and the org at a glance."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from blocks.home import home_view
from blocks.kit import Block
from blocks.your_sessions import SHOWN_MAX, your_sessions_blocks
from bot.devin.errors import DevinError
from bot.listeners.deps import AppDeps
from bot.listeners.insights import team_glance
from bot.people.records import ViewerMatch, YourSessions
from bot.people.viewers import LOOKBACK_DAYS
from bot.store import STORE_ERRORS

log = logging.getLogger(__name__)

YOURS_SECONDS = 2.5
"""The tab waits this long for the viewer's match and sessions (as long as for the glance, which runs alongside);
slower lookups go on and fill the caches for the next opening."""

STORE_SECONDS = 1.0
"""The DM setting is one indexed read; a database slower than this shows no setting rather than a late tab."""

Handler = Callable[..., Awaitable[None]]


def make_app_home_opened(deps: AppDeps) -> Handler:
    async def handle_app_home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        user_id = event.get("user")
        if event.get("tab") != "home" or not isinstance(user_id, str):
            return
        channels = [deps.settings.alert_channel] if deps.settings.alert_channel else []
        # Both halves at once: the tab is published as soon as the slower one answers (or gives up).
        personal, glance = await asyncio.gather(your_sessions(deps, user_id), team_glance(deps))
        try:
            view = home_view(alert_channels=channels, sections=glance, personal=personal)
            # Only this viewer sees their sessions: the view is published for them alone.
            await client.views_publish(user_id=user_id, view=view)
        except SlackApiError as error:  # the next app_home_opened publishes again
            log.warning("home.publish.failed", extra={"error": error.response.get("error")})

    return handle_app_home_opened


async def your_sessions(deps: AppDeps, slack_user_id: str) -> list[Block]:
    """The "Your sessions" blocks for this viewer (empty when the app has no people component)."""
    people = deps.people
    if people is None or people.viewers is None:
        return []
    lookup = asyncio.ensure_future(_yours(deps, slack_user_id))
    done, _ = await asyncio.wait({lookup}, timeout=YOURS_SECONDS)
    if done:
        yours = lookup.result()
    else:  # the lookups go on (their caches are filled for the next opening); the DM setting is a store read
        log.info("home.yours.slow", extra={"budget": YOURS_SECONDS})
        notify = await _notify(deps, slack_user_id)
        yours = YourSessions(ViewerMatch(None), slow=True, notify=notify, dms_enabled=deps.settings.notify_creators)
    return your_sessions_blocks(yours, app_url=deps.settings.devin_app_url)


async def _yours(deps: AppDeps, slack_user_id: str) -> YourSessions:
    people = deps.people
    assert people is not None and people.viewers is not None
    match, notify = await asyncio.gather(people.viewers.match(slack_user_id), _notify(deps, slack_user_id))
    base = YourSessions(match, notify=notify, dms_enabled=deps.settings.notify_creators, lookback_days=LOOKBACK_DAYS)
    if match.devin_user_id is None:
        return base
    try:
        sessions = await people.viewers.sessions(match.devin_user_id)
    except DevinError as error:
        log.info("home.yours.sessions_failed", extra={"error": type(error).__name__})
        return YourSessions(match, sessions_failed=True, notify=notify, dms_enabled=deps.settings.notify_creators)
    return YourSessions(
        match,
        sessions=tuple(sessions[:SHOWN_MAX]),
        total=len(sessions),
        notify=notify,
        dms_enabled=deps.settings.notify_creators,
        lookback_days=LOOKBACK_DAYS,
    )


async def _notify(deps: AppDeps, slack_user_id: str) -> bool | None:
    """The viewer's DM setting, or None where there is no store (or it does not answer)."""
    people = deps.people
    if people is None or people.store is None:
        return None
    try:
        async with asyncio.timeout(STORE_SECONDS):
            return await people.notify_setting(slack_user_id)
    except STORE_ERRORS as error:
        log.warning("home.notify.store_failed", extra={"error": type(error).__name__})
        return None
