"""Direct messages to a session's creator: their session was suspended, or has been waiting for them; and the
same message once that is over (edited in place). Every Devin string is escaped; the only link is the session's."""

from __future__ import annotations

from blocks import facts
from blocks.alert_advice import advice, human_duration
from blocks.kit import Block, Message, actions, context, message, section
from blocks.status import detail_label, status_emoji, status_label
from blocks.text import slack_date
from bot.devin.models import Session, StatusDetail
from bot.ids import ActionId

SUSPENDED = ":rotating_light: Your Devin session *{title}* was suspended: *{reason}*."
SUSPENDED_BACK = (
    ":white_check_mark: Your Devin session *{title}* is back to *{status}* after {down} suspended ({reason})."
)
SUSPENDED_OVER = ":white_check_mark: Your Devin session *{title}* is no longer suspended ({reason})."
WAITING = ":raised_hand: Your Devin session *{title}* is waiting for {what} since {since}."
WAITING_OVER = ":white_check_mark: Your Devin session *{title}* is no longer waiting for you (now *{status}*)."
WAITING_WHAT = {
    StatusDetail.WAITING_FOR_APPROVAL.value: "your approval of an action",
    StatusDetail.WAITING_FOR_USER.value: "your answer",
}
NO_REASON = "no reason given"
WHY_DM = "You get this because you started the session. `/devin-insights notify off` stops these messages."


def suspension_dm(
    session: Session,
    *,
    app_url: str,
    reason: str,
    opened_at: int,
    resolved_at: int | None = None,
    resolved_status: str | None = None,
) -> Message:
    """The DM for a suspension episode; with `resolved_at`, the same DM once it ended."""
    title, words = facts.title_link(session, app_url), detail_label(reason) or NO_REASON
    if resolved_at is not None:
        down = human_duration(max(0, resolved_at - opened_at))
        status = status_label(resolved_status) if resolved_status else ""
        line = (SUSPENDED_BACK if status else SUSPENDED_OVER).format(
            title=title, status=status, down=down, reason=words
        )
        text = f"Your Devin session {facts.short_title(session, 150)} is no longer suspended"
        return message(text, [section(line), *_open(session, app_url)])
    line = SUSPENDED.format(title=title, reason=words)
    since = f"{status_emoji('suspended', reason)} Suspended since {slack_date(opened_at)}" if opened_at > 0 else ""
    blocks = [section(f"{line}\n{advice(reason, app_url)}")]
    if since:
        blocks.append(context(since))
    text = f"Your Devin session {facts.short_title(session, 150)} was suspended ({words})"
    return message(text, [*blocks, *_open(session, app_url), context(WHY_DM)])


def waiting_dm(
    session: Session,
    *,
    app_url: str,
    detail: str | None,
    since: int,
    resolved_at: int | None = None,
    resolved_status: str | None = None,
) -> Message:
    """The DM for a waiting episode (`waiting_for_user` / `waiting_for_approval`); edited once it is over."""
    title = facts.title_link(session, app_url)
    if resolved_at is not None:
        now = detail_label(resolved_status) or status_label(resolved_status or "") or "moving on"
        text = f"Your Devin session {facts.short_title(session, 150)} is no longer waiting for you"
        return message(text, [section(WAITING_OVER.format(title=title, status=now)), *_open(session, app_url)])
    what = WAITING_WHAT.get(detail or "", "you")
    line = WAITING.format(title=title, what=what, since=slack_date(since))
    text = f"Your Devin session {facts.short_title(session, 150)} is waiting for {what}"
    return message(text, [section(line), *_open(session, app_url), context(WHY_DM)])


def _open(session: Session, app_url: str) -> list[Block]:
    button = facts.open_button(session, ActionId.OPEN_DM_SESSION, app_url)
    return [actions(button)] if button is not None else []


NOTIFY_ON = (
    ":bell: *Direct messages are on.* When a session you started is suspended, or waits for your answer or "
    "approval, I'll tell you here in the app's Messages tab. `/devin-insights notify off` stops them."
)
NOTIFY_OFF = (
    ":no_bell: *Direct messages are off.* Channel alerts still mention you. `/devin-insights notify on` "
    "turns direct messages back on."
)


def notify_setting_message(*, enabled: bool, changed: bool) -> Message:
    """The answer to `notify`, `notify on` and `notify off`."""
    body = NOTIFY_ON if enabled else NOTIFY_OFF
    prefix = "Done. " if changed else ""
    return message(f"{prefix}Direct messages are {'on' if enabled else 'off'}", [section(f"{prefix}{body}")])
