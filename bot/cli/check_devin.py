"""`check`'s Devin lines: the key, the org, and each permission a feature needs, probed without side effects."""

from __future__ import annotations

import time

from bot.cli.check_report import CheckReport
from bot.config import Settings
from bot.devin.client import DevinClient
from bot.devin.errors import (
    DevinAuthError,
    DevinConnectionError,
    DevinError,
    DevinInvalidResponseError,
    DevinNotFoundError,
    DevinStatusError,
)
from bot.devin.metrics import PERMISSION_CONSUMPTION, PERMISSION_METRICS
from bot.devin.retry import RetryPolicy

CHECK_RETRY = RetryPolicy(budget_seconds=10.0, max_attempts=2, backoff_initial=0.2, backoff_max=1.0)
"""`check` asks once more at most: a person is waiting for the answer."""
PROBE_MEMBER_ID = "user-devin-insights-check"
DEVIN_URL_FIX = "check DEVIN_API_URL (https://api.devin.ai; dedicated tenants use api.<tenant>.devinenterprise.com)"
PROBE_SESSION_ID = "devin-" + "0" * 32
"""A session that cannot exist: asking to generate its insights tests the permission with no side effect."""


async def check_devin(settings: Settings, devin: DevinClient | None, report: CheckReport) -> None:
    """The key, the org, then each permission a feature needs (failing the essentials, warning the rest)."""
    if devin is None:
        missing = [name for name in ("devin_api_key", "devin_org_id") if getattr(settings, name) is None]
        report.fail(
            "devin",
            report.unset(*missing),
            "set DEVIN_API_KEY (cog_…) and DEVIN_ORG_ID (org-…) from Settings → Service users",
        )
        return
    if "devin_api_url" in report.invalid:
        report.fail("devin", report.unset("devin_api_url"), DEVIN_URL_FIX)
        return
    try:
        principal = await devin.get_self()
    except DevinAuthError:
        report.fail(
            "devin key",
            "Devin rejected the API key",
            "create a new service-user key (cog_…) and set DEVIN_API_KEY; legacy apk_ keys do not work with the v3 API",
        )
        return
    except DevinError as error:
        report.fail("devin", _devin_failure(settings, error), DEVIN_URL_FIX)
        return
    who = principal.service_user_name or principal.service_user_id or principal.user_id or principal.principal_type
    report.ok("devin key", f"valid ({who})")
    if principal.org_id and principal.org_id != settings.devin_org_id:
        report.fail(
            "devin org",
            f"the key belongs to another organization than {settings.devin_org_id}",
            "set DEVIN_ORG_ID to the org id shown on Settings → Service users",
        )
        return
    await _check_devin_permissions(settings, devin, report)


def _devin_failure(settings: Settings, error: DevinError) -> str:
    """ "Answered 404" (something is there, but not the Devin API) is not "unreachable" (nothing answered)."""
    where = f"the Devin API at {settings.devin_api_url}"
    if isinstance(error, DevinStatusError):
        return f"{where} answered HTTP {error.status} to GET /v3/self"
    if isinstance(error, DevinInvalidResponseError):
        return f"{where} answered, but not with JSON (is it the web app's URL instead of the API's?)"
    if isinstance(error, DevinConnectionError):
        return f"cannot reach {where} ({type(error).__name__}: nothing answered)"
    return f"{where} failed ({type(error).__name__})"


async def _check_devin_permissions(settings: Settings, devin: DevinClient, report: CheckReport) -> None:
    try:
        await devin.list_sessions_page(first=1)
    except (DevinAuthError, DevinNotFoundError):
        report.fail(
            "devin org",
            f"cannot list the sessions of {settings.devin_org_id} (wrong org id, or the role lacks ViewOrgSessions)",
            "check DEVIN_ORG_ID and give the service user a role with ViewOrgSessions",
        )
        return
    except DevinError as error:
        report.fail("devin org", f"listing sessions failed ({type(error).__name__})", "try again; see the log")
        return
    report.ok("devin org", f"{settings.devin_org_id} reachable with ViewOrgSessions")
    try:
        await devin.generate_session_insights(PROBE_SESSION_ID)
    except DevinNotFoundError:
        # Whether Devin checks the permission before looking the session up is unverified (§17): a 404
        # on a made-up id proves nothing, and generating on a real session would have a side effect.
        report.unverified(
            "devin generate",
            "ManageOrgSessions unverified (Devin may look the session up before checking the permission); "
            "the Generate insights button says so if it is missing",
        )
    except DevinAuthError:
        report.warn(
            "devin generate",
            "the role lacks ManageOrgSessions: the Generate insights button will not work",
            "add ManageOrgSessions to the service user's role, or ignore this",
        )
    except DevinError as error:
        report.warn("devin generate", f"could not tell ({type(error).__name__})", "try again later")
    else:
        report.ok("devin generate", "ManageOrgSessions granted (Generate insights works)")
    await _check_team_permissions(devin, report)
    await _check_devin_members(devin, report)


async def _check_team_permissions(devin: DevinClient, report: CheckReport) -> None:
    """`summary`, digests and the budget read the org metrics and consumption; each degrades without its own."""
    now = int(time.time())
    probes = (
        ("devin metrics", PERMISSION_METRICS, "counts and pull requests", devin.get_session_metrics(now - 3600, now)),
        ("devin consumption", PERMISSION_CONSUMPTION, "ACUs", devin.get_daily_consumption(now - 86_400, now)),
    )
    for subject, permission, what, probe in probes:
        try:
            await probe
        except DevinAuthError:
            report.warn(
                subject,
                f"the role lacks {permission}: summaries estimate {what} from the session list",
                f"add {permission} to the service user's role for Devin's own figures, or ignore this",
            )
        except DevinError as error:
            report.warn(subject, f"could not tell ({type(error).__name__})", "try again later")
        else:
            report.ok(subject, f"{permission} granted (summaries show Devin's own {what})")


async def _check_devin_members(devin: DevinClient, report: CheckReport) -> None:
    # A made-up member id: 404 means the role may read members (the people features work).
    try:
        await devin.get_member(PROBE_MEMBER_ID)
    except DevinNotFoundError:
        report.ok("devin members", "ViewOrgMembership granted (alerts name and mention who started a session)")
    except DevinAuthError:
        report.warn(
            "devin members",
            "the role lacks ViewOrgMembership: alerts show Devin user ids, mention nobody and send no DMs",
            "add ViewOrgMembership to the service user's role",
        )
    except DevinError as error:
        report.warn("devin members", f"could not tell ({type(error).__name__})", "try again later")
    else:
        report.ok("devin members", "ViewOrgMembership granted (alerts name and mention who started a session)")
