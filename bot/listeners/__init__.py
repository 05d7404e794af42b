"""Slack listeners: orchestration only. `register_listeners` is the one place that wires them to Bolt."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.ids import SLASH_COMMAND, ActionId
from bot.listeners.actions import (
    handle_link_button,
    make_generate_insights,
    make_share_in_channel,
    make_show_details,
    make_view_insights,
)
from bot.listeners.alert_actions import QUIET_ACTIONS, make_quiet_alert
from bot.listeners.command import make_devin_command
from bot.listeners.deps import AppDeps
from bot.listeners.entities import make_entity_details_requested
from bot.listeners.error_handler import handle_error
from bot.listeners.home import make_app_home_opened
from bot.listeners.insights import make_share_summary
from bot.listeners.middleware import make_access_middleware, make_respond_middleware
from bot.listeners.unfurls import make_link_shared


def register_listeners(app: AsyncApp, deps: AppDeps) -> None:
    """Attach every listener, the middleware and the single error handler."""
    # The safe `respond` first, so that even the workspace gate's refusal never needs a response_url.
    app.use(make_respond_middleware(deps))
    app.use(make_access_middleware(deps))
    # Every listener goes through `track`, so shutdown (and tests) can wait for work Bolt runs after the ack.
    track = deps.inflight.track
    app.command(SLASH_COMMAND)(track(make_devin_command(deps)))
    app.action(ActionId.GENERATE_INSIGHTS.value)(track(make_generate_insights(deps)))
    app.action(ActionId.SHOW_DETAILS.value)(track(make_show_details(deps)))
    app.action(ActionId.SHARE_IN_CHANNEL.value)(track(make_share_in_channel(deps)))
    app.action(ActionId.VIEW_INSIGHTS.value)(track(make_view_insights(deps)))
    app.action(ActionId.OPEN_IN_DEVIN.value)(track(handle_link_button))
    app.action(ActionId.OPEN_ALERT_SESSION.value)(track(handle_link_button))
    quiet = track(make_quiet_alert(deps))
    for action_id in QUIET_ACTIONS:
        app.action(action_id.value)(quiet)
    app.action(ActionId.SHARE_SUMMARY.value)(track(make_share_summary(deps)))
    app.event("link_shared")(track(make_link_shared(deps)))
    app.event("entity_details_requested")(track(make_entity_details_requested(deps)))
    app.event("app_home_opened")(track(make_app_home_opened(deps)))
    app.error(handle_error)
