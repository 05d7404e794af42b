"""How to use `/devin-insights`, and one-line notices (errors and confirmations)."""

from __future__ import annotations

from blocks.kit import Block, Message, context, message, section
from blocks.text import escape, paragraph
from bot.ids import SLASH_COMMAND

NOTE_MAX = 300
NOTICE_MAX = 2000
EXAMPLE_LINK = "https://app.devin.ai/sessions/3f9c2a7be14d4c0f9a61d2e8b7c45a90"
USAGE = (
    f"*Usage of `{SLASH_COMMAND}`*\n"
    f"`{SLASH_COMMAND} &lt;session link or id&gt;` — insights for one Devin session: status, size, ACUs, "
    "pull requests, and what went well or badly\n"
    f"`{SLASH_COMMAND} summary [24h|7d|30d|&lt;N&gt;d]` — the team's sessions, ACUs, pull requests and "
    "Devin's own analyses for a period (default 7 days)\n"
    f"`{SLASH_COMMAND} digest daily HH:MM` · `digest weekly mon HH:MM` · `digest` · `digest off` · `digest now` — "
    "that summary posted in this channel on a schedule (your Slack time zone)\n"
    f"`{SLASH_COMMAND} help` — how to use the command\n"
    f"`{SLASH_COMMAND} alerts` — where suspension alerts go and for which reasons\n"
    f"`{SLASH_COMMAND} alerts on [reason …]` — send suspension alerts to this channel "
    "(optionally only for the reasons you list, e.g. `out_of_credits`)\n"
    f"`{SLASH_COMMAND} alerts off` — stop alerts in this channel\n"
    f"`{SLASH_COMMAND} alerts broadcast on|off` — also send each alert's resolution to the channel\n"
    f"`{SLASH_COMMAND} notify [on|off]` — direct messages when your own sessions are suspended or wait for you"
)
USAGE_FALLBACK = f"Usage: {SLASH_COMMAND} &lt;session link or id&gt; | summary | digest | alerts | notify | help"
"""The notification text of the usage message (every subcommand, in one line)."""
EXAMPLE = f"Example: `{SLASH_COMMAND} {EXAMPLE_LINK}` (or just the id, `devin-3f9c…`)"
TIP = "Answers are only visible to you until you press *Share in channel*. Pasting a session link also shows a preview."


def usage_message(note: str | None = None) -> Message:
    """How to use the command; `note` (plain text) first, as the one-line reason the usage is shown."""
    blocks: list[Block] = []
    if note and note.strip():
        blocks.append(section(f":information_source: {paragraph(note, NOTE_MAX)}"))
    blocks += [section(USAGE), context(EXAMPLE), context(TIP)]
    text = f"{escape(' '.join(note.split()))} — " if note and note.strip() else ""
    return message(f"{text}{USAGE_FALLBACK}", blocks)


def notice_message(text: str, *, emoji: str = ":warning:", mrkdwn: bool = False) -> Message:
    """A one-sentence message such as an error. `text` is escaped unless `mrkdwn=True` says it is our markup."""
    body = text.strip() if mrkdwn else paragraph(text, NOTICE_MAX)
    line = f"{emoji} {body}" if emoji else body
    return message(line, [section(line)])
