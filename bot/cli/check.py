"""`devin-insights check`: verify configuration and credentials, line by line, and say what to fix."""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import devin_client
from bot.cli.check_devin import CHECK_RETRY, check_devin
from bot.cli.check_entities import check_work_objects
from bot.cli.check_report import CheckReport, format_line
from bot.cli.check_store import check_store
from bot.config import SettingProblem, Settings
from bot.slack.client import slack_web_client
from bot.slack.scopes import BOT_SCOPES, ESSENTIAL_SCOPES

SLACK_TRANSPORT_ERRORS = (aiohttp.ClientError, TimeoutError)


__all__ = ["CheckReport", "format_line", "run_checks"]


async def run_checks(settings: Settings, problems: Sequence[SettingProblem] = ()) -> CheckReport:
    """Every check, in the order a person would fix things; never raises for a failing service.

    `problems` are the invalid variables (`load_settings_leniently`): each gets its line, and the
    checks run on with those variables treated as unset."""
    report = CheckReport(invalid=frozenset(p.name.lower() for p in problems))
    _report_settings(problems, report)
    _check_run_mode(settings, report)
    slack = slack_web_client(settings) if settings.slack_bot_token else None
    devin = devin_client(settings).with_retry(CHECK_RETRY) if settings.devin_api_key and settings.devin_org_id else None
    try:
        slack_works = await _check_slack(settings, slack, report)
        await check_devin(settings, devin, report)
        await _check_alert_channel(settings, slack if slack_works else None, report)
        await check_work_objects(settings, slack if slack_works else None, report)
        await check_store(settings, report)
    finally:
        if devin is not None:
            await devin.aclose()
    return report


def _report_settings(problems: Sequence[SettingProblem], report: CheckReport) -> None:
    for problem in problems:
        expected = f" (expected {problem.expected})" if problem.expected else ""
        report.fail(
            problem.name, problem.reason + expected, f"fix {problem.name}; the checks below run with its default"
        )
    if not problems:
        report.ok("settings", "every variable is valid")


def _check_run_mode(settings: Settings, report: CheckReport) -> None:
    """`run` needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (`run --http`); with neither, nothing runs."""
    if settings.socket_mode:
        report.ok("mode", "Socket Mode (SLACK_APP_TOKEN is set): `devin-insights run`")
    elif settings.slack_signing_secret is not None:
        report.ok("mode", "HTTP mode (SLACK_SIGNING_SECRET is set): `devin-insights run --http`")
    else:
        report.fail(
            "mode",
            f"no run mode can start: {report.unset('slack_app_token', 'slack_signing_secret')}",
            "set SLACK_APP_TOKEN (xapp-…) for Socket Mode, or SLACK_SIGNING_SECRET and run with --http",
        )


async def _check_slack(settings: Settings, slack: AsyncWebClient | None, report: CheckReport) -> bool:
    """True when the bot token works, so the checks that call Slack can run."""
    if slack is None:
        report.fail("slack token", report.unset("slack_bot_token"), "set it to the Bot User OAuth Token (xoxb-…)")
        return False
    if "slack_api_url" in report.invalid:
        report.fail("slack", report.unset("slack_api_url"), "fix SLACK_API_URL")
        return False
    try:
        auth = await slack.auth_test()
    except SlackApiError as error:
        if error.response.status_code != 200:
            report.fail(
                "slack",
                f"the Slack API at {settings.slack_api_url} answered HTTP {error.response.status_code}",
                "check SLACK_API_URL (https://slack.com/api/ unless you use a proxy)",
            )
            return False
        code = error.response.get("error", "unknown")
        report.fail(
            "slack token",
            f"Slack rejected the bot token ({code})",
            "copy the Bot User OAuth Token again from OAuth & Permissions and reinstall the app if it was revoked",
        )
        return False
    except SLACK_TRANSPORT_ERRORS as error:
        report.fail(
            "slack",
            f"cannot reach Slack at {settings.slack_api_url} ({type(error).__name__})",
            "check SLACK_API_URL and the network",
        )
        return False
    report.ok("slack token", f"valid: bot @{auth.get('user')} in workspace {auth.get('team')} ({auth.get('team_id')})")
    granted = {s.strip() for s in (auth.headers.get("x-oauth-scopes") or "").split(",") if s.strip()}
    _report_scopes(granted, report)
    if settings.socket_mode:
        await _check_socket_mode(settings, slack, report)
    return True


def _report_scopes(granted: set[str], report: CheckReport) -> None:
    missing = [scope for scope in BOT_SCOPES if scope not in granted]
    if not missing:
        report.ok("slack scopes", "every scope in manifest.yml is granted")
        return
    essential = [s for s in missing if s in ESSENTIAL_SCOPES]
    detail = "missing " + ", ".join(f"{s} ({BOT_SCOPES[s]})" for s in missing)
    fix = "add the scopes from manifest.yml under OAuth & Permissions, then reinstall the app"
    (report.fail if essential else report.warn)("slack scopes", detail, fix)


async def _check_socket_mode(settings: Settings, slack: AsyncWebClient, report: CheckReport) -> None:
    assert settings.slack_app_token is not None
    try:
        await slack.apps_connections_open(app_token=settings.slack_app_token.get_secret_value())
    except SlackApiError as error:
        report.fail(
            "socket mode",
            f"Slack rejected the app-level token ({error.response.get('error')})",
            "generate an app-level token with connections:write (Basic Information) and enable Socket Mode",
        )
        return
    report.ok("socket mode", "the app-level token can open a connection")


async def _check_alert_channel(settings: Settings, slack: AsyncWebClient | None, report: CheckReport) -> None:
    if settings.alert_channel is None:
        report.warn(
            "alerts",
            "ALERT_CHANNEL is not set: alerts go only to channels that ran `alerts on`",
            "set ALERT_CHANNEL to a channel id to get alerts by default",
        )
        return
    if slack is None:
        return
    channel = settings.alert_channel
    try:
        info = (await slack.conversations_info(channel=channel)).get("channel") or {}
    except SLACK_TRANSPORT_ERRORS as error:
        report.fail("alert channel", f"cannot reach Slack ({type(error).__name__})", "try again")
        return
    except SlackApiError as error:
        code = error.response.get("error")
        report.fail(
            "alert channel",
            f"Slack cannot find channel {channel} ({code})",
            "set ALERT_CHANNEL to the "
            "channel id (channel details → About), and invite the app if the channel is private",
        )
        return
    if info.get("is_archived"):
        report.fail("alert channel", f"{channel} is archived", "unarchive it or choose another ALERT_CHANNEL")
    elif not info.get("is_member") and info.get("is_private"):
        report.fail(
            "alert channel", f"the app is not in private channel {channel}", "invite it: /invite @devin-insights"
        )
    elif not info.get("is_member"):
        report.warn(
            "alert channel",
            f"the app is not a member of {channel}; posting relies on chat:write.public",
            "invite it: /invite @devin-insights",
        )
    else:
        report.ok("alert channel", f"{channel} reachable")
