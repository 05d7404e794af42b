"""The App Home tab: what the app does, how to use the command, and where alerts go."""

from __future__ import annotations

from collections.abc import Sequence

from blocks.help import EXAMPLE, USAGE
from blocks.kit import Block, View, context, divider, header, lines_within, section
from blocks.text import channel_mention
from bot.ids import CallbackId

HOME_TITLE = "Devin Insights"
ABOUT = (
    "Insights on your team's Devin sessions, right in Slack:\n"
    "• *Session cards*: status, size, ACUs, pull requests and Devin's own analysis of what went well or badly\n"
    "• *Link previews*: paste a Devin session link in any conversation\n"
    "• *Suspension alerts*: a message in a channel when a session stops because of billing, quota or errors"
)
NO_ALERT_CHANNELS = (
    ":no_bell: Suspension alerts are not sent anywhere yet. Run `/devin-insights alerts on` in the channel "
    "that should get them."
)
CHANNELS_MAX = 2000


def home_view(*, alert_channels: Sequence[str], sections: Sequence[Block] = (), personal: Sequence[Block] = ()) -> View:
    """The Home tab, listing the channels (well-formed ids only) that receive suspension alerts.

    `personal` (the viewer's own sessions) comes first, under the title; `sections` are other builders' blocks
    (the org at a glance, …), composed at the end.
    """
    blocks: list[Block] = [
        header(HOME_TITLE),
        *personal,
        section(ABOUT),
        divider(),
        section(USAGE),
        context(EXAMPLE),
        divider(),
        section(_alert_channels(alert_channels)),
        *sections,
    ]
    return {"type": "home", "callback_id": CallbackId.HOME.value, "blocks": blocks}


def _alert_channels(channel_ids: Sequence[str]) -> str:
    mentions = [m for m in dict.fromkeys(channel_mention(c) for c in channel_ids) if m]
    if not mentions:
        return NO_ALERT_CHANNELS
    shown = lines_within(mentions, CHANNELS_MAX, lambda n: f"+{n:,} more", sep=", ")
    return f":bell: *Suspension alerts* go to {shown}."
