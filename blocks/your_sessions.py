"""App Home's "Your sessions": the viewer's recent sessions (waiting for them first) and their DM setting. Pure.

Published only to the viewer (`views.publish` for that user). Every Devin string is escaped; the only links are
the sessions', built from the app URL and the session id.
"""

from __future__ import annotations

from blocks import facts
from blocks.kit import Block, context, divider, header, section
from blocks.status import detail_label, status_emoji, status_label
from blocks.text import plural, slack_date
from bot.devin.models import Session, StatusDetail
from bot.people.records import Unmatched, YourSessions

YOURS_TITLE = "Your sessions"
SHOWN_MAX = 10
"""Sessions listed; the rest are counted (a Home tab holds 100 blocks, shared with the other sections)."""
TITLE_MAX = 90
WAITING_FOR = {
    StatusDetail.WAITING_FOR_USER.value: "your answer",
    StatusDetail.WAITING_FOR_APPROVAL.value: "your approval",
}
UNMATCHED = {
    Unmatched.NOT_MEMBER: (
        ":bust_in_silhouette: We couldn't match your Slack e-mail to a Devin member, so there are no sessions to "
        "show you here. If you use Devin with another e-mail address, ask a Devin admin to invite this one."
    ),
    Unmatched.NO_EMAIL: (
        ":bust_in_silhouette: We couldn't read your Slack e-mail (your profile has none, or the app lacks the "
        "`users:read.email` scope), so we couldn't match you to a Devin member."
    ),
    Unmatched.NO_PERMISSION: (
        ":bust_in_silhouette: We couldn't match you to a Devin member: the app's Devin service user needs the "
        "*ViewOrgMembership* permission."
    ),
    Unmatched.UNAVAILABLE: (
        ":warning: Slack or Devin didn't answer just now, so your sessions aren't shown; open this tab again in a "
        "minute."
    ),
}
SESSIONS_FAILED = (
    ":warning: Devin didn't answer just now, so your sessions aren't shown; open this tab again in a minute."
)
SLOW = ":hourglass_flowing_sand: Your sessions are still loading; open this tab again in a moment."
NONE_RECENT = "None of your sessions was updated in the last {days} days."
DMS_OFF_HERE = ":no_bell: This deployment of devin-insights sends no direct messages (`NOTIFY_CREATORS` is off)."
DMS_UNAVAILABLE = ":no_bell: Direct messages aren't available in this deployment (they need the alert engine)."
NOTIFY_ON = (
    ":bell: Direct messages: *on*. You get one when a session of yours is suspended or waits for you; "
    "`/devin-insights notify off` stops them."
)
NOTIFY_OFF = ":no_bell: Direct messages: *off*. `/devin-insights notify on` turns them back on."


def your_sessions_blocks(yours: YourSessions, *, app_url: str) -> list[Block]:
    """The section: a header, the sessions (or one sentence why not), and the DM setting with how to change it."""
    blocks: list[Block] = [header(YOURS_TITLE)]
    match = yours.match
    if yours.slow:
        blocks.append(section(SLOW))
    elif match.devin_user_id is None:
        blocks.append(section(UNMATCHED[match.unmatched or Unmatched.UNAVAILABLE]))
    elif yours.sessions_failed:
        blocks.append(section(SESSIONS_FAILED))
    elif not yours.sessions:
        blocks.append(section(NONE_RECENT.format(days=yours.lookback_days)))
    else:
        shown = yours.sessions[:SHOWN_MAX]
        blocks += [section(_line(s, app_url)) for s in shown]
        if (hidden := max(yours.total, len(yours.sessions)) - len(shown)) > 0:
            blocks.append(
                context(f"…and {plural(hidden, 'more session')} updated in the last {yours.lookback_days} days.")
            )
    blocks.append(context(_dm_setting(yours)))
    blocks.append(divider())
    return blocks


def _line(session: Session, app_url: str) -> str:
    status = str(session.status)
    detail = str(session.status_detail) if session.status_detail is not None else None
    waiting = WAITING_FOR.get(detail or "")
    state = f"*{status_label(status)}*"
    if words := detail_label(detail):
        state += f" · {words}"
    first = f"{status_emoji(status, detail)} {facts.title_link(session, app_url, TITLE_MAX)}"
    if waiting:
        first = f":raised_hand: *Waiting for {waiting}* · {facts.title_link(session, app_url, TITLE_MAX)}"
    updated = f" · updated {slack_date(session.updated_at)}" if session.updated_at > 0 else ""
    return f"{first}\n{state} · {facts.acus(session.acus_consumed)} ACUs{updated}"


def _dm_setting(yours: YourSessions) -> str:
    if not yours.dms_enabled:
        return DMS_OFF_HERE
    if yours.notify is None:
        return DMS_UNAVAILABLE
    return NOTIFY_ON if yours.notify else NOTIFY_OFF
