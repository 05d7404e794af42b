"""`check`'s Work Objects lines: does Slack let this app present entities, and what no bot token can read."""

from __future__ import annotations

from typing import Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings

PROBE_TRIGGER_ID = "devin-insights-check.0.0"
"""No click made this trigger: Slack answers `invalid_trigger_id` when the method is open to the app, and
`feature_not_enabled` when Work Objects are not (both documented errors of `entity.presentDetails`)."""
ENABLE_FIX = (
    "turn on Work Object Previews for the task and incident entity types in the app's settings (manifest.yml "
    "has them under features.rich_previews) and reinstall, or set WORK_OBJECTS=false"
)


class Report(Protocol):
    def ok(self, subject: str, detail: str) -> None: ...
    def unverified(self, subject: str, detail: str) -> None: ...
    def warn(self, subject: str, detail: str, fix: str) -> None: ...


async def check_work_objects(settings: Settings, slack: AsyncWebClient | None, report: Report) -> None:
    """One probe with a made-up trigger (no side effect: there is no panel to fill), then what stays unverified."""
    subject = "work objects"
    if not settings.work_objects:
        report.ok(subject, "off (WORK_OBJECTS=false): previews and alerts are Block Kit only")
        return
    if slack is None:
        return
    try:
        await slack.entity_presentDetails(trigger_id=PROBE_TRIGGER_ID, error={"status": "not_found"})
    except SlackApiError as error:
        code = str(error.response.get("error", "unknown"))
        if code == "feature_not_enabled":
            report.warn(subject, "Slack says Work Objects are not enabled for this app", ENABLE_FIX)
            return
        if code != "invalid_trigger_id":
            report.warn(subject, f"Slack refused the Work Objects probe ({code})", ENABLE_FIX)
            return
    report.ok(subject, "Slack accepts Work Object calls from this app (entity.presentDetails probe)")
    report.unverified(
        "work object previews",
        "which entity types are enabled and whether entity_details_requested is subscribed cannot be read with "
        "a bot token; manifest.yml enables task and incident and subscribes the event",
    )
