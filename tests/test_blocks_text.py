"""Explicit cases for the mrkdwn text helpers: escaping, cutting, links, dates, mentions, wording."""

from __future__ import annotations

import pytest

from blocks.text import (
    ELLIPSIS,
    LINK_URL_MAX,
    UNKNOWN_TIME,
    channel_mention,
    code,
    escape,
    humanize,
    inline,
    link,
    origin,
    paragraph,
    plural,
    quote,
    safe_url,
    scrub,
    slack_date,
    truncate,
    user_mention,
    utc,
)

FAMILY = "👨\u200d👩\u200d👧"


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a & b", "a &amp; b"),
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("<https://evil.example|x>", "&lt;https://evil.example|x&gt;"),
        ("&lt;", "&amp;lt;"),
        ("`code` *bold* _it_ ~s~", "`code` *bold* _it_ ~s~"),
        ("", ""),
    ],
)
def test_escape_only_touches_amp_lt_gt(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped


def test_truncate_leaves_short_text_alone() -> None:
    assert truncate("x" * 3000, 3000) == "x" * 3000


def test_truncate_3001_chars_to_3000_with_ellipsis() -> None:
    cut = truncate("x" * 3001, 3000)
    assert len(cut) == 3000
    assert cut == "x" * 2999 + ELLIPSIS


@pytest.mark.parametrize("limit", [0, 1])
def test_truncate_tiny_limits(limit: int) -> None:
    assert truncate("hello", limit) == ELLIPSIS[:limit]


@pytest.mark.parametrize("limit", range(2, 12))
def test_truncate_never_cuts_an_entity(limit: int) -> None:
    cut = truncate(escape("a<b&c>d") * 3, limit)
    body = cut.removesuffix(ELLIPSIS)
    for fragment in ("&a", "&am", "&amp", "&l", "&lt", "&g", "&gt"):
        assert not body.endswith(fragment), cut
    assert len(cut) <= limit


def test_truncate_keeps_a_zwj_emoji_whole() -> None:
    text = "x" * 10 + FAMILY + "y" * 10
    for limit in range(11, 16):
        body = truncate(text, limit).removesuffix(ELLIPSIS)
        assert body in ("x" * 10, "x" * 10 + FAMILY), (limit, body)


def test_truncate_keeps_combining_marks_with_their_letter() -> None:
    assert truncate("e\u0301" * 5, 4) == "e\u0301" + ELLIPSIS


def test_truncate_keeps_flags_whole() -> None:
    assert truncate("ab🇫🇷🇩🇪", 4) == "ab" + ELLIPSIS
    assert truncate("ab🇫🇷🇩🇪", 5) == "ab🇫🇷" + ELLIPSIS


def test_truncate_never_splits_a_surrogate_pair() -> None:
    text = "ab\ud83d\ude00cd"  # a pair kept as two code points, as some decoders leave it
    assert truncate(text, 4) == "ab" + ELLIPSIS


def test_truncate_mrkdwn_never_cuts_inside_a_token() -> None:
    text = "see <https://app.devin.ai/sessions/abc|the session> now"
    assert truncate(text, 20, mrkdwn=True) == "see" + ELLIPSIS
    assert truncate(text, len(text) - 2, mrkdwn=True).startswith("see <https://app.devin.ai/sessions/abc|the session>")


def test_truncate_emoji_at_the_cut_point() -> None:
    cut = truncate("ab😀😀😀", 4)
    assert cut == "ab😀" + ELLIPSIS


def test_scrub_replaces_lone_surrogates_and_joins_pairs() -> None:
    assert scrub("a\ud800b") == "a\ufffdb"
    assert scrub("\ud83d\ude00") == "😀"
    assert scrub("plain") == "plain"


def test_scrub_drops_control_characters_but_keeps_layout() -> None:
    assert scrub("a\x00b\x07c\x1b[31m\x7f") == "abc[31m"
    assert scrub("a\tb\nc\r\n") == "a\tb\nc\r\n"


def test_inline_collapses_whitespace_escapes_and_cuts() -> None:
    assert inline("  a\n\tb  <c> ", 100) == "a b &lt;c&gt;"
    assert inline(None, 10) == ""
    assert len(inline("&" * 100, 12)) <= 12


def test_paragraph_keeps_single_blank_lines_only() -> None:
    assert paragraph("a\n\n\n\nb\n", 100) == "a\n\nb"


def test_quote_prefixes_every_line_so_text_cannot_leave_the_quote() -> None:
    quoted = quote("one\n\n> two\nthree", 100)
    assert all(line.startswith("> ") for line in quoted.splitlines())
    assert "&gt; two" in quoted
    assert len(quote("a\n" * 500, 100)) <= 100


@pytest.mark.parametrize(
    ("raw", "rendered"),
    [("pytest -q", "`pytest -q`"), ("a`b", "`aˋb`"), ("```", "`ˋˋˋ`"), ("<x>", "`&lt;x&gt;`"), ("", ""), (None, "")],
)
def test_code_shows_text_literally(raw: str | None, rendered: str) -> None:
    assert code(raw, 40) == rendered


def test_code_stays_within_its_limit() -> None:
    assert len(code("x" * 100, 20)) <= 20


@pytest.mark.parametrize(
    "url",
    [
        "https://app.devin.ai/sessions/abc",
        "http://localhost:3000/sessions/abc",
        "https://github.com/acme/api/pull/1?x=1&y=2",
        "HTTPS://APP.DEVIN.AI/x",
    ],
)
def test_safe_url_accepts_http_urls(url: str) -> None:
    assert safe_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "javascript:alert(1)",
        "mailto:a@b.c",
        "ftp://app.devin.ai/x",
        "https://",
        "//app.devin.ai/x",
        "https://app.devin.ai/a b",
        "https://app.devin.ai/a|b",
        "https://app.devin.ai/<b>",
        'https://app.devin.ai/"b',
        "https://app.devin.ai/\nb",
        "https://[::1",
        "https://app.devin.ai/" + "a" * 3000,
    ],
)
def test_safe_url_rejects_everything_else(url: str | None) -> None:
    assert safe_url(url) is None


def test_link_escapes_the_label_and_replaces_bars() -> None:
    assert link("https://app.devin.ai/s", "a|b <c> & d") == "<https://app.devin.ai/s|a¦b &lt;c&gt; &amp; d>"


def test_link_escapes_ampersands_in_the_url() -> None:
    assert link("https://x.example/?a=1&b=2", "x") == "<https://x.example/?a=1&amp;b=2|x>"


def test_link_with_an_unsafe_url_is_just_the_label() -> None:
    assert link("javascript:alert(1)", "<!channel>") == "&lt;!channel&gt;"


def test_link_with_a_url_longer_than_the_link_budget_is_just_the_label() -> None:
    url = "https://app.devin.ai/" + "a" * LINK_URL_MAX
    assert link(url, "title") == "title"


def test_link_cuts_long_labels() -> None:
    rendered = link("https://app.devin.ai/s", "t" * 500, limit=50)
    assert rendered.startswith("<https://app.devin.ai/s|") and len(rendered) <= len("<https://app.devin.ai/s|>") + 50


def test_link_without_a_label_shows_the_url() -> None:
    assert link("https://app.devin.ai/s", "  ") == "<https://app.devin.ai/s>"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://app.devin.ai/sessions/abc", "https://app.devin.ai"),
        ("HTTPS://App.Devin.AI:8443/x", "https://app.devin.ai:8443"),
        ("https://user:pw@app.devin.ai/x", "https://app.devin.ai"),
        ("https://app.devin.ai:99999/x", None),
        ("javascript:alert(1)", None),
    ],
)
def test_origin_is_scheme_host_and_port_only(url: str, expected: str | None) -> None:
    assert origin(url) == expected


def test_slack_date_renders_in_the_readers_zone_with_a_utc_fallback() -> None:
    assert slack_date(1767261600) == "<!date^1767261600^{date_short_pretty} at {time}|2026-01-01 10:00 UTC>"
    assert slack_date(1767261600, "{date_num}") == "<!date^1767261600^{date_num}|2026-01-01 10:00 UTC>"


@pytest.mark.parametrize("ts", [0, -1, 10**15, -(10**20)])
def test_slack_date_of_unset_or_impossible_times_is_words(ts: int) -> None:
    assert slack_date(ts) == UNKNOWN_TIME
    assert utc(ts) == UNKNOWN_TIME


@pytest.mark.parametrize(
    ("user_id", "mention"),
    [("U024BE7LH", "<@U024BE7LH>"), ("W0123ABC", "<@W0123ABC>"), ("u024", None), ("<!channel>", None), ("", None)],
)
def test_user_mention_only_for_well_formed_ids(user_id: str, mention: str | None) -> None:
    assert user_mention(user_id) == mention


@pytest.mark.parametrize(
    ("channel_id", "mention"),
    [("C0123ABC", "<#C0123ABC>"), ("G0456", "<#G0456>"), ("D9X", "<#D9X>"), ("#general", None), ("C1>x", None)],
)
def test_channel_mention_only_for_well_formed_ids(channel_id: str, mention: str | None) -> None:
    assert channel_mention(channel_id) == mention


def test_plural() -> None:
    assert plural(1, "issue") == "1 issue"
    assert plural(0, "issue") == "0 issues"
    assert plural(1204, "session") == "1,204 sessions"
    assert plural(2, "child", "children") == "2 children"


def test_humanize_slugs() -> None:
    assert humanize("bug_fixing") == "Bug fixing"
    assert humanize(None) == ""
    assert humanize("<x>") == "&lt;x&gt;"
