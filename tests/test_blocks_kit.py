"""The block helpers enforce their own limits, so no builder can produce an oversized block."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from slack_sdk.models.blocks import Block as SdkBlock

from blocks.kit import (
    EMPTY_TEXT,
    FALLBACK_TEXT_MAX,
    actions,
    button,
    context,
    divider,
    fields,
    header,
    line_sections,
    lines_within,
    message,
    mrkdwn,
    packed_sections,
    plain,
    section,
)
from bot.ids import ActionId
from tests.blockkit_limits import assert_message_limits, total_text

PROBE = "x" * 3001


def _sdk_round_trip(block: dict[str, object]) -> None:
    parsed = SdkBlock.parse(block)
    assert parsed is not None
    assert parsed.to_dict() == block  # to_dict() validates the limits slack_sdk knows about


def test_header_is_cut_to_150() -> None:
    block = header(PROBE)
    assert len(block["text"]["text"]) == 150
    _sdk_round_trip(block)


def test_header_is_one_line() -> None:
    assert header("a\nb\tc")["text"]["text"] == "a b c"


def test_section_text_is_cut_to_3000() -> None:
    block = section(PROBE)
    assert len(block["text"]["text"]) == 3000
    _sdk_round_trip(block)


def test_section_fields_are_cut_to_2000_and_10() -> None:
    block = section(fields=[PROBE] * 12)
    assert len(block["fields"]) == 10
    assert all(len(field["text"]) == 2000 for field in block["fields"])
    _sdk_round_trip(block)


def test_section_with_only_fields_has_no_text() -> None:
    assert "text" not in section(fields=["a"])


def test_fields_pairs_bold_labels() -> None:
    assert fields([("Size", "M")])["fields"] == [mrkdwn("*Size*\nM")]


def test_context_keeps_at_most_10_elements() -> None:
    block = context(*[f"line {n}" for n in range(12)])
    assert len(block["elements"]) == 10
    _sdk_round_trip(block)


def test_actions_skip_none_and_keep_at_most_25() -> None:
    buttons = [button(f"b{n}", action_id=ActionId.SHOW_DETAILS, value=str(n)) for n in range(30)]
    assert len(actions(None, *buttons)["elements"]) == 25


def test_button_label_value_and_url_limits() -> None:
    block = button(
        PROBE, action_id=ActionId.GENERATE_INSIGHTS, value=PROBE, url="https://app.devin.ai/x", style="primary"
    )
    assert len(block["text"]["text"]) == 75
    assert len(block["value"]) == 2000
    assert block["action_id"] == "session.generate_insights"
    _sdk_round_trip(actions(block))


@pytest.mark.parametrize("url", ["javascript:alert(1)", "https://app.devin.ai/" + "a" * 3000, "not a url"])
def test_button_drops_an_unsafe_or_oversized_url(url: str) -> None:
    assert "url" not in button("Open", action_id=ActionId.OPEN_IN_DEVIN, url=url)


def test_button_action_id_is_a_plain_string() -> None:
    block = button("Open", action_id=ActionId.OPEN_IN_DEVIN, url="https://app.devin.ai/x")
    assert type(block["action_id"]) is str
    assert json.loads(json.dumps(block))["action_id"] == "session.open"


def test_empty_text_objects_get_a_placeholder() -> None:
    assert plain("   ")["text"] == EMPTY_TEXT
    assert mrkdwn("\n")["text"] == EMPTY_TEXT


def test_mrkdwn_is_verbatim_so_slack_parses_nothing_we_did_not_mark_up() -> None:
    assert mrkdwn("@channel #general https://x.example")["verbatim"] is True


def test_text_objects_scrub_lone_surrogates() -> None:
    assert mrkdwn("a\ud800")["text"] == "a\ufffd"
    assert plain("a\udc00")["text"] == "a\ufffd"


def test_divider() -> None:
    assert divider() == {"type": "divider"}


def test_message_fallback_is_one_short_line() -> None:
    built = message("&lt;" * 1000, [divider()])
    assert len(built["text"]) <= FALLBACK_TEXT_MAX
    assert built["text"].removesuffix("…").endswith("&lt;")
    assert_message_limits(built)


def test_lines_within_keeps_whole_lines_and_counts_the_rest() -> None:
    lines = [f"line {n:02d}" for n in range(10)]  # 7 characters each
    text = lines_within(lines, 40, lambda n: f"+{n} more")
    assert text == "line 00\nline 01\nline 02\nline 03\n+6 more"
    assert len(text) <= 40


def test_lines_within_counts_items_that_were_never_rendered() -> None:
    assert lines_within(["a", "b"], 100, lambda n: f"+{n} more", total=7) == "a\nb\n+5 more"


def test_lines_within_cuts_a_first_line_that_cannot_fit() -> None:
    text = lines_within(["x" * 100, "y" * 30], 30, lambda n: f"+{n} more")
    assert len(text) <= 30
    assert text.startswith("xxx") and text.endswith("…\n+1 more")


def test_lines_within_never_cuts_inside_a_link() -> None:
    line = "<https://app.devin.ai/sessions/abc|a long session title>"
    assert "<" not in lines_within([line], 20)


def test_lines_within_custom_separator() -> None:
    assert lines_within(["a", "b", "c"], 100, sep=", ") == "a, b, c"


def test_packed_sections_packs_and_notes_what_is_left() -> None:
    items = ["x" * 1000] * 20
    blocks = packed_sections(items, total=len(items), max_blocks=4, max_bytes=10**6, more=lambda n: f"+{n} more")
    assert len(blocks) == 4
    assert [b["type"] for b in blocks] == ["section"] * 3 + ["context"]
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks[:3])
    assert blocks[-1]["elements"][0]["text"] == f"+{20 - 2 * 3} more"


def test_packed_sections_respects_the_byte_budget() -> None:
    items = ["😀" * 1000] * 10
    blocks = packed_sections(items, total=len(items), max_blocks=50, max_bytes=30_000, more=lambda n: f"+{n} more")
    assert sum(len(json.dumps(b)) for b in blocks) < 30_000 + 1000
    assert blocks[-1]["type"] == "context"


def test_packed_sections_without_overflow_has_no_note() -> None:
    blocks = packed_sections(["a", "b"], total=2, max_blocks=5, max_bytes=1000, more=lambda n: f"+{n} more")
    assert blocks == [section("a\n\nb")]


def test_packed_sections_consumes_items_only_as_far_as_they_fit() -> None:
    rendered: list[int] = []

    def items() -> Iterator[str]:
        for n in range(10_000):
            rendered.append(n)
            yield "z" * 2000

    blocks = packed_sections(items(), total=10_000, max_blocks=3, max_bytes=10**9, more=lambda n: f"+{n} more")
    assert len(rendered) == 4  # three pages of one item each, and the item that did not fit
    assert len(blocks) == 3
    assert blocks[-1]["elements"][0]["text"] == "+9998 more"


def test_line_sections_split_at_the_section_limit() -> None:
    blocks = line_sections(["y" * 999] * 7)  # three lines and two newlines make 2999 characters
    assert len(blocks) == 3
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks)
    assert total_text(blocks) == 7 * 999 + 4  # the newlines joining lines within a section
