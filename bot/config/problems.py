"""What a bad configuration is told as: how to fix each variable, and one message naming every bad one.

Never a value: secrets stay secret even when they are malformed."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from bot.devin.models import SUSPENSION_REASONS

# How to fix each variable, shown next to its validation error. Keys are field names.
FIX_HINTS: dict[str, str] = {
    "slack_bot_token": "the Bot User OAuth Token from OAuth & Permissions, starting with xoxb-",
    "slack_signing_secret": "the Signing Secret from Basic Information (needed in HTTP mode)",
    "slack_app_token": "an app-level token with connections:write from Basic Information, starting with xapp-",
    "slack_api_url": "an http(s) URL ending in /api/, e.g. https://slack.com/api/",
    "devin_api_key": "a Devin service-user key starting with cog_ (Settings > Service users)",
    "devin_org_id": "the organization id starting with org- (Settings > Service users)",
    "devin_api_url": "an http(s) URL such as https://api.devin.ai",
    "devin_app_url": "an http(s) URL such as https://app.devin.ai",
    "database_url": "an SQLAlchemy URL: sqlite:///file.db or postgresql://user:pass@host/db",
    "alert_channel": "a Slack channel id such as C0123456789",
    "alert_reasons": f"a comma-separated list of: {', '.join(sorted(SUSPENSION_REASONS))}",
    "alert_poll_seconds": "a whole number of seconds between 1 and 3600 (one hour)",
    "alert_lookback_minutes": "a whole number of minutes between 0 and 43200 (30 days)",
    "notify_waiting_after_minutes": "a whole number of minutes between 0 and 1440 (one day)",
    "people_cache_hours": "a whole number of hours between 1 and 168 (one week)",
    "slack_timeout_seconds": "a whole number of seconds between 1 and 30",
    "alert_claim_seconds": "whole seconds up to 3600, at least three times SLACK_TIMEOUT_SECONDS (30 by default)",
    "port": "a TCP port between 1 and 65535",
    "unfurl_mode": "one of full, minimal, off",
    "unfurl_shared_channels": "one of full, minimal, off",
    "work_objects": "true or false",
    "allowed_team_ids": "comma-separated Slack workspace ids (T…) or enterprise ids (E…)",
    "allowed_channel_ids": "comma-separated Slack channel ids (C…, G…, D…)",
    "admin_user_ids": "comma-separated Slack user ids (U… or W…)",
    "log_level": "one of DEBUG, INFO, WARNING, ERROR",
    "acu_budget": "a positive number of ACUs per calendar month, or unset to turn budget warnings off",
    "acu_budget_thresholds": "comma-separated whole percentages between 1 and 1000, e.g. 50,80,100",
    "budget_check_seconds": "a whole number of seconds between 1 and 86400 (one day)",
    "log_format": "text or json",
}


class ConfigError(Exception):
    """A configuration problem, phrased for the person running the app. Never contains a secret."""


@dataclass(frozen=True)
class SettingProblem:
    """One invalid variable: its name, why (never its value) and what it should look like."""

    name: str
    reason: str
    expected: str | None


def field_errors(exc: ValidationError) -> list[tuple[str, str]]:
    """(field name, reason) for every error in `exc`, without the offending input."""
    errors = []
    for error in exc.errors(include_input=False, include_url=False):
        field = str(error["loc"][0]) if error["loc"] else "?"
        errors.append((field, str(error["msg"]).removeprefix("Value error, ")))
    return errors


def describe_validation_error(exc: ValidationError) -> str:
    """Name every bad variable and how to fix it, without ever including the offending value."""
    lines = []
    for field, reason in field_errors(exc):
        hint = FIX_HINTS.get(field)
        lines.append(f"  {field.upper()}: {reason}" + (f" (expected {hint})" if hint else ""))
    return "devin-insights cannot start; fix these settings:\n" + "\n".join(lines)
