"""Quiet from the alert itself: the snooze and mute buttons, the note saying who quieted a reason and until
when, the ephemeral answers to those clicks, and the settings card's lines about them.

Everything here names Slack users by id (a mention built only from a well-formed id) and reasons by
their label; the reason's raw value is shown only as code.
"""

from __future__ import annotations

from dataclasses import dataclass

from blocks.kit import Block, Message, actions, button, context, message, section
from blocks.status import detail_label
from blocks.text import code, plural, slack_date, user_mention
from bot.ids import SLASH_COMMAND, ActionId

SNOOZES: tuple[tuple[ActionId, str, int], ...] = (
    (ActionId.SNOOZE_1H, "Snooze 1 h", 3600),
    (ActionId.SNOOZE_4H, "Snooze 4 h", 4 * 3600),
    (ActionId.SNOOZE_24H, "Snooze 24 h", 24 * 3600),
)
"""The snooze buttons: action, label, seconds."""
MUTE_LABEL = "Mute this reason here"
RESTORE = f"`{SLASH_COMMAND} alerts on`"


@dataclass(frozen=True)
class QuietNote:
    """A reason snoozed (`until` set) or muted (`until` None) in a channel, by whom."""

    reason: str
    by_user: str
    until: int | None


def snooze_seconds(action_id: str) -> int | None:
    """How long a snooze button snoozes; None for the mute button (and anything else)."""
    return next((seconds for action, _, seconds in SNOOZES if action == action_id), None)


def quiet_footer(reason: str, note: QuietNote | None) -> list[Block]:
    """What goes under an open alert: who quieted its reason here (if anyone), then the quiet buttons."""
    value = reason or None
    buttons = [button(label, action_id=action, value=value) for action, label, _ in SNOOZES]
    buttons.append(button(MUTE_LABEL, action_id=ActionId.MUTE_REASON, value=value))
    blocks: list[Block] = []
    if note is not None:
        blocks.append(context(f"{quiet_line(note)}: new suspensions for it are recorded, not posted."))
    blocks.append(actions(*buttons))
    return blocks


def quiet_line(note: QuietNote, *, here: bool = True) -> str:
    """`🔕 Out of credits: snoozed here by @ann until …` (or muted until `alerts on`)."""
    words = detail_label(note.reason) or code(note.reason, 60) or "no reason"
    who = _who(note.by_user)
    where = " here" if here else ""
    if note.until is None:
        return f":no_bell: *{words}* muted{where} by {who} until {RESTORE}"
    return f":zzz: *{words}* snoozed{where} by {who} until {slack_date(note.until)}"


def quiet_answer(note: QuietNote, replaced: QuietNote | None) -> Message:
    """The ephemeral answer to a click on a quiet button: what it did, and what it replaced."""
    words = detail_label(note.reason) or code(note.reason, 60) or "no reason"
    if note.until is None:
        done = f":no_bell: *{words}* is muted in this channel until {RESTORE}."
    else:
        done = f":zzz: *{words}* is snoozed in this channel until {slack_date(note.until)}."
    if replaced is not None:
        before = "a mute" if replaced.until is None else f"a snooze until {slack_date(replaced.until)}"
        done += f" This replaces {before} set by {_who(replaced.by_user)}."
    done += " New suspensions for this reason are recorded and shown by `alerts`, not posted here."
    return message(done.replace("*", ""), [section(done)])


def quiet_settings_lines(notes: list[QuietNote], suppressed: int) -> list[Block]:
    """The settings card's part on snoozes and mutes: one line each, and how many suspensions they held back."""
    if not notes:
        return []
    lines = "\n".join(f"• {quiet_line(n, here=False)}" for n in notes)
    held = f"{plural(suppressed, 'suspension')} recorded but not posted while quiet; {RESTORE} ends every one."
    return [section(f"*Snoozed and muted here*\n{lines}"), context(held)]


def snoozed_summary_note(count: int) -> list[str]:
    """The team summary's note on what snoozes and mutes kept from this channel in its period (none: nothing)."""
    if count <= 0:
        return []
    return [f":zzz: {plural(count, 'suspension')} snoozed or muted here in this period (recorded, not posted)"]


def _who(user_id: str) -> str:
    return user_mention(user_id) or "someone"
