"""Grammar of the `/devin-insights` command text: pure parsing, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.devin.links import SessionRef, find_session_refs
from bot.devin.models import SUSPENSION_REASONS, unknown_suspension_reasons
from bot.insights.period import PERIOD_DEFAULT_DAYS, PERIOD_MAX_DAYS

TEXT_MAX = 4000
"""Slack sends at most a few thousand characters; anything longer is refused unparsed."""
ECHO_MAX = 40
HELP_WORDS = frozenset({"help", "-h", "--help", "?", "usage"})
ALERTS_WORD = "alerts"
SUMMARY_WORD = "summary"
DIGEST_WORD = "digest"
CLOCK_RE = re.compile(r"(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)")
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DIGEST_HELP = (
    "Use `digest daily HH:MM`, `digest weekly <mon…sun> HH:MM`, `digest` (show), `digest off` or `digest now`; "
    "the time is in your Slack time zone."
)
NOTIFY_WORD = "notify"
PERIOD_RE = re.compile(r"(?P<n>\d{1,6})(?P<unit>[dh])")
PERIOD_HELP = f"Use `24h`, `7d`, `30d` or any `<N>d` up to `{PERIOD_MAX_DAYS}d`."


@dataclass(frozen=True)
class ShowHelp:
    """`help` or nothing."""


@dataclass(frozen=True)
class LookupSession:
    """A session link or id: show its card. `note` explains what else in the text was ignored."""

    ref: SessionRef
    note: str | None = None


@dataclass(frozen=True)
class AlertSettings:
    """`alerts` (show), `alerts on [reason …]`, `alerts off`, `alerts broadcast on|off` (`broadcast_on|off`)."""

    action: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Summary:
    """`summary [24h|7d|30d|<N>d]`: the team's figures for the last `days` days."""

    days: int = PERIOD_DEFAULT_DAYS


@dataclass(frozen=True)
class DigestRequest:
    """`digest` (show), `digest off`, `digest now`, `digest daily HH:MM`, `digest weekly <day> HH:MM`."""

    action: str
    """show, off, now, daily or weekly."""
    weekday: int | None = None
    hour: int = 0
    minute: int = 0


@dataclass(frozen=True)
class NotifySetting:
    """`notify` (show), `notify on`, `notify off`: the caller's own direct messages."""

    action: str


@dataclass(frozen=True)
class Invalid:
    """Unparseable text; `reason` is one plain sentence for the user."""

    reason: str


Command = ShowHelp | LookupSession | AlertSettings | Summary | DigestRequest | NotifySetting | Invalid


def parse_command(text: str, app_host: str) -> Command:
    """Decide what the user asked for. Never raises; every input gets an answer."""
    if len(text) > TEXT_MAX:
        return Invalid("That is too long to be a session link or id.")
    words = text.split()
    if not words or words[0].lower() in HELP_WORDS:
        return ShowHelp()
    if words[0].lower() == ALERTS_WORD:
        return _parse_alerts(words[1:])
    if words[0].lower() == SUMMARY_WORD:
        return _parse_summary(words[1:])
    if words[0].lower() == DIGEST_WORD:
        return _parse_digest([w.lower() for w in words[1:]])
    if words[0].lower() == NOTIFY_WORD:
        return _parse_notify(words[1:])
    refs = find_session_refs(text, app_host)
    if not refs:
        return Invalid(f"I couldn't find a Devin session link or id in `{_echo(text)}`.")
    notes = []
    if len(refs) > 1:
        notes.append(f"You gave {len(refs)} sessions; showing the first. Run the command once per session.")
    extra = [w for w in words if not find_session_refs(w, app_host)]
    if extra and len(refs) == 1:
        notes.append(f"Ignored the extra words `{_echo(' '.join(extra))}`.")
    return LookupSession(refs[0], " ".join(notes) or None)


def _parse_alerts(args: list[str]) -> Command:
    if not args:
        return AlertSettings("show")
    verb = args[0].lower()
    if verb == "off" and len(args) == 1:
        return AlertSettings("off")
    if verb == "broadcast" and len(args) == 2 and args[1].lower() in ("on", "off"):
        return AlertSettings(f"broadcast_{args[1].lower()}")
    if verb == "on":
        reasons = tuple(dict.fromkeys(r for arg in args[1:] for r in arg.lower().split(",") if r))
        unknown = unknown_suspension_reasons(reasons)
        if unknown:
            return Invalid(
                f"Unknown alert reason `{_echo(unknown[0])}`. Known reasons: {', '.join(sorted(SUSPENSION_REASONS))}."
            )
        return AlertSettings("on", reasons)
    return Invalid(
        f"`alerts {_echo(' '.join(args))}` is not an alerts command; use `alerts`, `alerts on`, `alerts off` "
        "or `alerts broadcast on|off`."
    )


def _parse_notify(args: list[str]) -> Command:
    if not args:
        return NotifySetting("show")
    if len(args) == 1 and args[0].lower() in ("on", "off"):
        return NotifySetting(args[0].lower())
    return Invalid(
        f"`notify {_echo(' '.join(args))}` is not a notify command; use `notify`, `notify on` or `notify off`."
    )


def _parse_summary(args: list[str]) -> Command:
    if not args:
        return Summary()
    days = parse_period(args[0]) if len(args) == 1 else None
    if days is None:
        return Invalid(f"`{_echo(' '.join(args))}` is not a period. {PERIOD_HELP}")
    if not 1 <= days <= PERIOD_MAX_DAYS:
        return Invalid(
            f"A summary covers 1 to {PERIOD_MAX_DAYS} days; `{_echo(args[0])}` is outside that. {PERIOD_HELP}"
        )
    return Summary(days)


def _parse_digest(args: list[str]) -> Command:
    if not args:
        return DigestRequest("show")
    if args in (["off"], ["now"]):
        return DigestRequest(args[0])
    weekday: int | None = None
    if args[0] == "daily" and len(args) == 2:
        clock = args[1]
    elif args[0] == "weekly" and len(args) == 3 and args[1][:3] in WEEKDAY_NAMES and args[1].isalpha():
        weekday, clock = WEEKDAY_NAMES.index(args[1][:3]), args[2]
    else:
        return Invalid(f"`digest {_echo(' '.join(args))}` is not a digest command. {DIGEST_HELP}")
    match = CLOCK_RE.fullmatch(clock)
    if match is None:
        return Invalid(f"`{_echo(clock)}` is not a time of day; write it as HH:MM, e.g. `09:00`. {DIGEST_HELP}")
    return DigestRequest(args[0], weekday, int(match["h"]), int(match["m"]))


def parse_period(word: str) -> int | None:
    """`24h` → 1, `7d` → 7, `48h` → 2; None when `word` is not a period (hours must make whole days)."""
    match = PERIOD_RE.fullmatch(word.lower())
    if match is None:
        return None
    n = int(match["n"])
    if match["unit"] == "h":
        return n // 24 if n % 24 == 0 else None
    return n


def _echo(text: str) -> str:
    """A short echo of user text for inline code: bounded, no backticks or newlines. Plain text: builders escape."""
    flat = " ".join(text.replace("`", "'").split())
    return flat if len(flat) <= ECHO_MAX else flat[: ECHO_MAX - 1] + "…"
