"""Suspension alerts: rules (pure), poller, outbox delivery to Slack, the service facade and its scheduler job."""

from __future__ import annotations

from bot.alerts.rules import STORM_THRESHOLD
from bot.alerts.scheduler import ALERTS_JOB_ID, build_scheduler
from bot.alerts.service import AlertHealth, AlertService, ChannelSettings, TickReport

__all__ = [
    "ALERTS_JOB_ID",
    "STORM_THRESHOLD",
    "AlertHealth",
    "AlertService",
    "ChannelSettings",
    "TickReport",
    "build_scheduler",
]
