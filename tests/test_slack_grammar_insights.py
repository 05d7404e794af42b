"""The `summary` (and later `digest`) words of the command grammar."""

from __future__ import annotations

import pytest

from bot.slack.grammar import DigestRequest, Invalid, Summary, parse_command, parse_period

HOST = "app.devin.ai"


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("summary", 7),
        ("SUMMARY", 7),
        ("summary 24h", 1),
        ("summary 7d", 7),
        ("summary 30D", 30),
        ("summary 90d", 90),
        ("summary 48h", 2),
        ("  summary   1d ", 1),
    ],
)
def test_grammar_summary_periods(text: str, days: int) -> None:
    assert parse_command(text, HOST) == Summary(days)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("summary 0d", "1 to 90 days"),
        ("summary 400d", "1 to 90 days"),
        ("summary 91d", "1 to 90 days"),
        ("summary yesterday", "is not a period"),
        ("summary 7", "is not a period"),
        ("summary 25h", "is not a period"),
        ("summary 7d 30d", "is not a period"),
        ("summary -7d", "is not a period"),
    ],
)
def test_grammar_summary_bad_periods_get_a_sentence(text: str, says: str) -> None:
    result = parse_command(text, HOST)
    assert isinstance(result, Invalid)
    assert says in result.reason and "`24h`, `7d`, `30d`" in result.reason


def test_grammar_period_words() -> None:
    assert [parse_period(w) for w in ("24h", "72h", "3d", "d", "h", "1w")] == [1, 3, 3, None, None, None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("digest", DigestRequest("show")),
        ("digest off", DigestRequest("off")),
        ("DIGEST NOW", DigestRequest("now")),
        ("digest daily 09:00", DigestRequest("daily", None, 9, 0)),
        ("digest daily 7:05", DigestRequest("daily", None, 7, 5)),
        ("digest weekly mon 08:30", DigestRequest("weekly", 0, 8, 30)),
        ("digest weekly Sunday 23:59", DigestRequest("weekly", 6, 23, 59)),
    ],
)
def test_grammar_digest_commands(text: str, expected: DigestRequest) -> None:
    assert parse_command(text, HOST) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("digest daily 24:00", "is not a time of day"),
        ("digest daily 9am", "is not a time of day"),
        ("digest weekly 09:00", "is not a digest command"),
        ("digest weekly someday 09:00", "is not a digest command"),
        ("digest hourly", "is not a digest command"),
        ("digest off now", "is not a digest command"),
    ],
)
def test_grammar_digest_bad_commands_get_a_sentence(text: str, says: str) -> None:
    result = parse_command(text, HOST)
    assert isinstance(result, Invalid) and says in result.reason and "digest daily HH:MM" in result.reason
