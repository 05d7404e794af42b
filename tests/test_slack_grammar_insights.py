"""The `summary` (and later `digest`) words of the command grammar."""

from __future__ import annotations

import pytest

from bot.slack.grammar import Invalid, Summary, parse_command, parse_period

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
