"""Property tests for everything that reads user text: the command grammar, session links, escaping and truncation."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from blocks.help import usage_message
from blocks.text import ELLIPSIS, escape, truncate
from bot.devin.links import find_session_refs, is_session_id, parse_session_ref
from bot.devin.models import SUSPENSION_REASONS
from bot.slack.grammar import (
    ECHO_MAX,
    HELP_WORDS,
    TEXT_MAX,
    AlertSettings,
    Invalid,
    LookupSession,
    ShowHelp,
    parse_command,
)
from tests.blockkit_limits import assert_message_limits, assert_no_unescaped_control

APP_HOST = "app.devin.ai"
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CANONICAL = re.compile(r"devin-[0-9a-f]{32}")
REASON_MAX = 500
"""The longest sentence parse_command may produce: the known-reasons list plus a bounded echo."""
CODE_SPAN = re.compile(r"`([^`]*)`")

HOSTILE = [
    "<!channel>",
    "<!here>",
    "<@U0123ABC>",
    "<#C0123|x>",
    "<https://evil.example/x|click>",
    "&",
    "&amp;",
    "&lt;",
    "`",
    "```",
    "|",
    "\n",
    "\t",
    "\x00",
    "\x1b[31m",
    "\u200d",
    "\u202e",
    "\ufeff",
    "\ud83d",
    "\ud83d\ude00",
    "👨‍👩‍👧",
    "🇫🇷",
    "e\u0301",
    "../../v3/self",
    "'; DROP TABLE sessions; --",
    "$(rm -rf /)",
    "devin-",
    "https://",
    "sessions/",
    "alerts",
    "help",
]
HEX = "0123456789abcdef"
hex32 = st.text(alphabet=HEX + HEX.upper(), min_size=32, max_size=32)
any_char = st.characters(exclude_categories=())  # surrogates included: JSON can carry lone ones
fragments = st.one_of(st.sampled_from(HOSTILE), st.text(any_char, max_size=12), hex32)
hostile_text = st.lists(fragments, max_size=12).map(" ".join) | st.text(any_char, max_size=200)
label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?", fullmatch=True)
hostnames = st.lists(label, min_size=1, max_size=4).map(".".join)
slug = st.from_regex(r"[A-Za-z0-9._~-]{1,30}", fullmatch=True)


def _case_mix(word: str, flips: list[bool]) -> str:
    return "".join(c.upper() if flip else c for c, flip in zip(word, flips + [False] * len(word), strict=False))


def _rendered(sentence: str | None) -> None:
    """No raw `<`/`>` or bare `&` where Slack reads the sentence: in the message the app builds from it.

    Judged there rather than on the parser's output because escaping belongs to the builder, exactly once
    (see test_fuzz_command_echo_shows_the_users_text_escaped_exactly_once).
    """
    message = usage_message(note=sentence)
    assert_message_limits(message)
    assert_no_unescaped_control(message)


# --- parse_command ----------------------------------------------------------------------------------


@SETTINGS
@given(hostile_text)
def test_parse_command_never_raises_and_always_answers(text: str) -> None:
    command = parse_command(text, APP_HOST)
    assert isinstance(command, ShowHelp | LookupSession | AlertSettings | Invalid)
    if isinstance(command, LookupSession):
        assert CANONICAL.fullmatch(command.ref.session_id), command
    if isinstance(command, AlertSettings):
        assert command.action in ("show", "on", "off")
        assert set(command.reasons) <= SUSPENSION_REASONS


@SETTINGS
@given(hostile_text)
def test_parse_command_sentences_are_bounded_one_line_and_inert(text: str) -> None:
    command = parse_command(text, APP_HOST)
    sentence = command.reason if isinstance(command, Invalid) else getattr(command, "note", None)
    if sentence is None:
        return
    assert len(sentence) <= REASON_MAX
    assert "\n" not in sentence and "\r" not in sentence
    # Backticks come only in pairs we wrote; an echo of user text can never close its code span early.
    assert sentence.count("`") % 2 == 0, sentence
    for span in CODE_SPAN.findall(sentence):
        assert len(span) <= len("alerts ") + ECHO_MAX * len("&amp;"), span
    _rendered(sentence)


@SETTINGS
@given(st.lists(fragments, min_size=1, max_size=6).map(" ".join), hex32)
def test_parse_command_finds_an_id_anywhere_and_notes_the_rest(noise: str, hex_id: str) -> None:
    assume(not find_session_refs(noise, APP_HOST))
    assume(noise.split() and noise.split()[0].lower() not in HELP_WORDS | {"alerts"})
    command = parse_command(f"{noise} https://{APP_HOST}/sessions/{hex_id}", APP_HOST)
    assert isinstance(command, LookupSession)
    assert command.ref.session_id == f"devin-{hex_id.lower()}"
    assert command.note is not None and "Ignored the extra words" in command.note
    _rendered(command.note)


@SETTINGS
@given(st.integers(min_value=TEXT_MAX + 1, max_value=TEXT_MAX * 3), hex32)
def test_parse_command_huge_text_is_refused_unparsed(length: int, hex_id: str) -> None:
    text = (f"devin-{hex_id} " * (length // 38 + 1))[:length]
    assert isinstance(parse_command(text, APP_HOST), Invalid)


@FEW
@given(st.sampled_from(sorted(HELP_WORDS)), st.lists(st.booleans(), max_size=6), st.text(any_char, max_size=40))
def test_parse_command_help_words_in_any_case_show_help(word: str, flips: list[bool], rest: str) -> None:
    assert parse_command(f"  {_case_mix(word, flips)} {rest}", APP_HOST) == ShowHelp()


@FEW
@given(st.text(" \t\n\r\u00a0\u2003\u3000", max_size=30))
def test_parse_command_whitespace_only_shows_help(text: str) -> None:
    assert parse_command(text, APP_HOST) == ShowHelp()


@FEW
@given(st.lists(st.sampled_from(sorted(SUSPENSION_REASONS)), max_size=6), st.lists(st.booleans(), max_size=30))
def test_parse_command_alerts_on_keeps_known_reasons_in_order(reasons: list[str], flips: list[bool]) -> None:
    text = "alerts on " + " ".join(_case_mix(f"{r},", flips) if i % 2 else r for i, r in enumerate(reasons))
    command = parse_command(text, APP_HOST)
    assert command == AlertSettings("on", tuple(dict.fromkeys(reasons)))


def test_parse_command_alerts_show_and_off() -> None:
    assert parse_command("alerts", APP_HOST) == AlertSettings("show")
    assert parse_command("ALERTS   Off", APP_HOST) == AlertSettings("off")


def test_parse_command_alerts_broadcast_on_and_off() -> None:
    assert parse_command("alerts broadcast on", APP_HOST) == AlertSettings("broadcast_on")
    assert parse_command("alerts Broadcast OFF", APP_HOST) == AlertSettings("broadcast_off")
    assert isinstance(parse_command("alerts broadcast", APP_HOST), Invalid)
    assert isinstance(parse_command("alerts broadcast maybe", APP_HOST), Invalid)


def test_parse_command_alerts_on_accepts_a_comma_separated_list() -> None:
    """`ALERT_REASONS` is comma-separated; a user copying it into the command means the same reasons."""
    command = parse_command("alerts on out_of_credits,out_of_quota", APP_HOST)
    assert command == AlertSettings("on", ("out_of_credits", "out_of_quota"))


@FEW
@given(st.lists(st.sampled_from(sorted(SUSPENSION_REASONS)), max_size=3), st.sampled_from(HOSTILE + ["quantum_nap"]))
def test_parse_command_alerts_on_with_an_unknown_reason_is_invalid(known: list[str], bad: str) -> None:
    assume(bad.strip(", \t\n") and bad.lower().strip(",") not in SUSPENSION_REASONS)
    assume(len(bad.split()) == 1)
    command = parse_command(f"alerts on {' '.join(known)} {bad}", APP_HOST)
    assert isinstance(command, Invalid)
    assert "Unknown alert reason" in command.reason and "out_of_credits" in command.reason
    _rendered(command.reason)


@FEW
@given(st.sampled_from(["of", "onn", "enable", "off now", "list", "<!channel>", "on\u200d", "`off`"]))
def test_parse_command_other_alerts_verbs_are_invalid(verb: str) -> None:
    command = parse_command(f"alerts {verb}", APP_HOST)
    assert isinstance(command, Invalid) and "alerts on" in command.reason
    _rendered(command.reason)


# --- parse_session_ref / find_session_refs ----------------------------------------------------------


@SETTINGS
@given(hostile_text, hostnames)
def test_parse_session_ref_never_raises_and_ids_are_canonical(text: str, host: str) -> None:
    for candidate in (text, f"https://{host}/sessions/{text}", f"<{text}|{text}>"):
        ref = parse_session_ref(candidate, host)
        assert ref is None or is_session_id(ref.session_id)
    for ref in find_session_refs(text, host):
        assert is_session_id(ref.session_id)


def _link_forms(hex_id: str, host: str, org: str, query: str) -> list[str]:
    url = f"https://{host}/sessions/{hex_id}"
    return [
        hex_id,
        f"devin-{hex_id}",
        url,
        f"{url}/",
        f"https://{host}/sessions/devin-{hex_id}",
        f"https://{host}/org/{org}/sessions/{hex_id}",
        f"{url}?{query}",
        f"{url}#{query}",
        f"HTTPS://{host.upper()}/sessions/{hex_id}",
        f"http://{host}:8443/sessions/{hex_id}",
        f"<{url}>",
        f"<{url}|{query or 'label'}>",
        f"({url}).",
        f"{url},",
    ]


@SETTINGS
@given(hex32, hostnames, slug, st.from_regex(r"[A-Za-z0-9=&_]{0,20}", fullmatch=True))
def test_parse_session_ref_round_trips_every_accepted_form(hex_id: str, host: str, org: str, query: str) -> None:
    expected = f"devin-{hex_id.lower()}"
    for form in _link_forms(hex_id, host, org, query):
        ref = parse_session_ref(form, host)
        assert ref is not None and ref.session_id == expected, form
        assert [r.session_id for r in find_session_refs(f"see {form} please", host)] == [expected], form


@SETTINGS
@given(hex32, hostnames, hostnames)
def test_parse_session_ref_other_hosts_never_match(hex_id: str, app_host: str, other: str) -> None:
    assume(other.lower() != app_host.lower())
    for url in (
        f"https://{other}/sessions/{hex_id}",
        f"https://{app_host}.{other}/sessions/{hex_id}",
        f"https://{other}/{app_host}/sessions/{hex_id}",
        f"https://{app_host}@{other}/sessions/{hex_id}",
        f"https://{app_host}:x@{other}/sessions/{hex_id}",
        f"<https://{other}/sessions/{hex_id}|https://{app_host}/sessions/{hex_id}>",
        f"ftp://{app_host}/sessions/{hex_id}",
        f"javascript://{app_host}/sessions/{hex_id}",
    ):
        assert parse_session_ref(url, app_host) is None, url
        assert find_session_refs(url, app_host) == [], url


@SETTINGS
@given(hex32, st.integers(min_value=1, max_value=40).filter(lambda n: n != 32))
def test_parse_session_ref_wrong_length_ids_never_match(hex_id: str, length: int) -> None:
    wrong = (hex_id * 2)[:length]
    for form in (wrong, f"devin-{wrong}", f"https://{APP_HOST}/sessions/{wrong}"):
        assert parse_session_ref(form, APP_HOST) is None, form


# --- escape / truncate ------------------------------------------------------------------------------


@SETTINGS
@given(hostile_text)
def test_escape_leaves_no_markup_and_round_trips(text: str) -> None:
    escaped = escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert re.search(r"&(?!amp;|lt;|gt;)", escaped) is None
    assert escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


surrogate_heavy = st.lists(
    st.sampled_from(["\ud83d\ude00", "\ud83d", "\ude00", "a", " ", "&amp;", "é", "👍🏽", "\u200d"]), max_size=60
).map("".join)


@SETTINGS
@given(st.one_of(hostile_text, surrogate_heavy), st.integers(min_value=0, max_value=120), st.booleans())
def test_truncate_is_bounded_a_prefix_and_keeps_surrogate_pairs(text: str, limit: int, mrkdwn: bool) -> None:
    cut = truncate(text, limit, mrkdwn=mrkdwn)
    assert len(cut) <= max(limit, 0)
    if len(text) <= limit:
        assert cut == text
        return
    assert cut.endswith(ELLIPSIS) or limit == 0
    kept = cut.removesuffix(ELLIPSIS)
    assert text.startswith(kept)
    if kept and "\ud800" <= kept[-1] <= "\udbff":
        assert not "\udc00" <= text[len(kept)] <= "\udfff", "a surrogate pair was split"


@SETTINGS
@given(hostile_text, st.integers(min_value=2, max_value=80))
def test_truncate_of_escaped_text_never_leaves_half_an_entity(text: str, limit: int) -> None:
    kept = truncate(escape(text), limit).removesuffix(ELLIPSIS)
    assert re.search(r"&(?!amp;|lt;|gt;)", kept) is None, kept
