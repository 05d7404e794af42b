"""What to do about a suspension reason, and durations in words: shared by alerts and direct messages.

The advice names places in Devin's settings as guidance only ("look under …"): menu names are not
something we can verify. The only link is to the configured Devin app.
"""

from __future__ import annotations

from blocks.text import link, origin
from bot.devin.models import StatusDetail

REASON_ADVICE: dict[str, str] = {
    StatusDetail.OUT_OF_CREDITS: (
        "An organization admin can buy more ACUs or turn on automatic top-ups in {devin} "
        "(look under *Settings → Billing*), then resume the session."
    ),
    StatusDetail.OUT_OF_QUOTA: (
        "An admin can raise the organization's ACU quota in {devin} (look under *Settings → Billing* or "
        "*Usage limits*), or wait for it to renew, then resume the session."
    ),
    StatusDetail.NO_QUOTA_ALLOCATION: (
        "An admin can allocate ACU quota to the person or team running this session in {devin} "
        "(look under *Settings → Usage limits* or *Members*), then resume the session."
    ),
    StatusDetail.PAYMENT_DECLINED: (
        "An admin should update the payment method in {devin} (look under *Settings → Billing*). "
        "Once a payment goes through, resume the session."
    ),
    StatusDetail.USAGE_LIMIT_EXCEEDED: (
        "A per-user or per-session limit was probably reached. An admin can review or raise it in {devin} "
        "(look under *Settings → Usage limits*), then resume the session."
    ),
    StatusDetail.ORG_USAGE_LIMIT_EXCEEDED: (
        "An admin can raise the organization's usage limit in {devin} (look under *Settings → Usage limits*) "
        "or wait for the next period, then resume the session."
    ),
    StatusDetail.USER_USAGE_LIMIT_EXCEEDED: (
        "The creator's own ACU cap was reached. An admin can raise that person's limit in {devin} "
        "(look under *Settings → Usage limits* or *Members*), then resume the session."
    ),
    StatusDetail.TOTAL_SESSION_LIMIT_EXCEEDED: (
        "End or archive sessions you no longer need in {devin}, or ask an admin to raise the limit, "
        "then resume this one."
    ),
    StatusDetail.ERROR: (
        "Open the session to see what went wrong, then resume it or start a new one. "
        "If it keeps happening, contact Devin support."
    ),
    StatusDetail.INACTIVITY: "Nothing is broken: send Devin a message in the session to wake it up.",
    StatusDetail.USER_REQUEST: "Someone paused it on purpose; resume it from the session page when it should go on.",
}
GENERIC_ADVICE = "Open the session in {devin} to see why it stopped, fix the cause, then resume it."


def advice(reason: str, app_url: str | None) -> str:
    """What to do about a suspension reason; the only link is to the configured Devin app."""
    app = origin(app_url)
    devin = link(app, "Devin") if app else "Devin"
    return REASON_ADVICE.get(reason, GENERIC_ADVICE).format(devin=devin)


def human_duration(seconds: int) -> str:
    """`45 s`, `12 min`, `2 h 13 min`, `3 d 4 h`; negative durations count as zero."""
    seconds = max(int(seconds), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs and minutes < 10 else f"{minutes} min"
    hours, mins = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    days, hrs = divmod(hours, 24)
    return f"{days:,} d {hrs} h" if hrs else f"{days:,} d"
