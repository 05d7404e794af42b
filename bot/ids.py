"""Interactive ids shared by the Block Kit builders and the listeners; no literals anywhere else."""

from __future__ import annotations

from enum import StrEnum


class ActionId(StrEnum):
    """`action_id` of every button the app renders. Values carry the session id where one is needed."""

    OPEN_IN_DEVIN = "session.open"
    GENERATE_INSIGHTS = "session.generate_insights"
    SHOW_DETAILS = "session.details"
    SHARE_IN_CHANNEL = "session.share"
    VIEW_INSIGHTS = "alert.view_insights"
    OPEN_ALERT_SESSION = "alert.open"
    SHARE_SUMMARY = "summary.share"
    """Value: the period in days."""
    OPEN_DM_SESSION = "dm.open"
    """*Open in Devin* on a direct message to a session's creator (a URL button; the click is only acked)."""
    SNOOZE_1H = "alert.snooze.1h"
    """Value: the alert's suspension reason; the channel comes from the click."""
    SNOOZE_4H = "alert.snooze.4h"
    SNOOZE_24H = "alert.snooze.24h"
    MUTE_REASON = "alert.mute"


class CallbackId(StrEnum):
    """`callback_id` of views."""

    DETAILS_MODAL = "session.details_modal"
    HOME = "home"


SLASH_COMMAND = "/devin-insights"
