"""User-facing sentences for what cannot be done, in one place: listeners pick one, builders show it.

Details for admins go to the log, never into these sentences.
"""

from __future__ import annotations

SESSION_NOT_FOUND = (
    "I couldn't find that Devin session. Check the link, and that the session belongs to this workspace's Devin "
    "organization."
)
DEVIN_AUTH = (
    "Devin refused the app's credentials or permissions. An admin should run `devin-insights check` "
    "(the service user needs the ViewOrgSessions permission)."
)
DEVIN_MANAGE_AUTH = (
    "Devin refused to generate insights: the app's service user needs the ManageOrgSessions permission. "
    "Ask a Devin admin, or generate them from the Devin web app."
)
DEVIN_RATE_LIMITED = "Devin is asking the app to slow down right now. Try again in a minute."
DEVIN_TIMEOUT = "Devin didn't answer in time. Try again in a minute."
DEVIN_UNREACHABLE = "I couldn't reach Devin just now. Try again in a minute."
DEVIN_SERVER = "Devin is having trouble right now (it answered with a server error). Try again in a few minutes."
DEVIN_INVALID = "Devin sent an answer I couldn't read. The app's log has the details for an admin."
DEVIN_OTHER = "Devin couldn't answer that request. The app's log has the details for an admin."
NOT_ALLOWED_WORKSPACE = "Sorry, devin-insights isn't enabled for your workspace."
NOT_ALLOWED_CHANNEL = (
    "Session lookups aren't enabled in this conversation. Try a channel where devin-insights is allowed."
)
CANNOT_POST_HERE = (
    "I can't post in this conversation. Invite me with `/invite @devin-insights` (or use a channel I'm in) and try "
    "again."
)
SLACK_TROUBLE = "Slack didn't accept my message just now. Try again in a minute."
NOT_ADMIN = "Only Slack workspace admins and the app's configured admins can change alert settings."
ADMIN_CHECK_FAILED = "I couldn't check your Slack role just now, so nothing changed. Try again in a minute."
ALERTS_UNAVAILABLE = "Alerts aren't running in this deployment of devin-insights."
DIGESTS_UNAVAILABLE = "Scheduled digests need the app's database, which this app runs without."
TZ_UNKNOWN = "Slack would not tell me your time zone just now; try again in a minute."
INSIGHTS_UNAVAILABLE = "Team insights are not available in this app."
INVALID_PERIOD_BUTTON = "That button no longer points at a valid period. Run `/devin-insights summary` again."
STORE_UNAVAILABLE = "I couldn't reach the app's database just now, so nothing changed. Try again in a minute."
NOTIFY_UNAVAILABLE = (
    "Direct messages need the alert engine's database, which isn't running in this deployment of devin-insights."
)
NOTIFY_STORE_UNAVAILABLE = (
    "I couldn't reach the app's database just now, so I can't show or change your direct-message setting "
    "(nothing changed). Try again in a minute."
)
UNEXPECTED = "Something went wrong on my side. The app's log has the details for an admin; please try again."

GENERATING_NOTICE = ":hourglass_flowing_sand: Generating insights… this usually takes about a minute."
STILL_GENERATING_NOTICE = ":hourglass: Still generating insights; Devin can take a couple of minutes."
NOT_READY_NOTICE = (
    ":warning: Devin hasn't produced insights for this session yet (it may still be working, or generation failed). "
    "Try *Generate insights* again in a few minutes."
)
NO_MESSAGES_NOTICE = ":information_source: Devin can't generate insights for a session without any Devin messages."
INVALID_BUTTON = "That button no longer points at a valid session."
QUIET_INVALID_BUTTON = "That button does not name a suspension reason, so nothing was snoozed."
QUIET_NOT_HERE = (
    "Snooze and mute work on an alert the app posted in this channel, and this message is not one it knows, "
    "so nothing was snoozed. Use the buttons on the alert in its channel."
)
DETAILS_NOT_OPENED = "Slack couldn't open the details window just now. Click *Details* again."

SLACK_INVITE = "/invite @devin-insights"
_TOKEN_FIX = "The app's Slack token no longer works: reinstall the app and update `SLACK_BOT_TOKEN`."
_SLACK_DOWN_FIX = "Slack had a problem on its side; the alerts are retried automatically."
_FORMAT_FIX = "Slack refused the message itself; this is a bug in the app, please report it with the app log."
_ANOTHER_CHANNEL = "choose another channel (`ALERT_CHANNEL`, or `alerts on` there)."
SLACK_ERROR_FIXES: dict[str, str] = {
    "not_in_channel": f"Invite @devin-insights to this channel (`{SLACK_INVITE}`).",
    "channel_not_found": (
        f"The app cannot see this channel: invite it (`{SLACK_INVITE}`), or turn alerts on in another channel."
    ),
    "is_archived": "The channel is archived: unarchive it, or turn alerts on in another channel.",
    "channel_is_archived": "The channel is archived: unarchive it, or turn alerts on in another channel.",
    "missing_scope": "The app lacks a permission: reinstall it so Slack grants the scopes in its manifest.",
    "no_permission": "The workspace does not let the app post here: ask a Slack admin.",
    "restricted_action": "A workspace setting stops the app posting here: ask an admin, or use another channel.",
    "restricted_action_read_only_channel": f"The channel is read-only: {_ANOTHER_CHANNEL}",
    "restricted_action_thread_only_channel": f"The channel only allows thread replies: {_ANOTHER_CHANNEL}",
    "restricted_action_non_threadable_channel": f"The channel does not allow threads: {_ANOTHER_CHANNEL}",
    "team_access_not_granted": "The app is not granted access to this workspace: ask an org admin.",
    "ekm_access_denied": "Slack EKM denied access: ask a Slack admin.",
    "ratelimited": "Slack was rate-limiting the app; the alerts are retried automatically.",
    "not_authed": _TOKEN_FIX,
    "invalid_auth": _TOKEN_FIX,
    "account_inactive": _TOKEN_FIX,
    "token_revoked": _TOKEN_FIX,
    "token_expired": _TOKEN_FIX,
    "fatal_error": _SLACK_DOWN_FIX,
    "internal_error": _SLACK_DOWN_FIX,
    "service_unavailable": _SLACK_DOWN_FIX,
    "request_timeout": _SLACK_DOWN_FIX,
    "msg_too_long": _FORMAT_FIX,
    "msg_blocks_too_long": _FORMAT_FIX,
    "invalid_blocks": _FORMAT_FIX,
}
"""Slack error code → what a person should do; the one table of remedies (stored with a delivery problem)."""
GENERIC_FIX = "The app log has the details; undelivered alerts are retried."


def slack_error_fix(error: str) -> str:
    """What to do about a Slack error code met while delivering."""
    return SLACK_ERROR_FIXES.get(error.strip(), GENERIC_FIX)
