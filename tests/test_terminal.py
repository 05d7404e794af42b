"""The terminal renderer used by `demo` and `preview`: emoji, box titles, Block Kit Builder links."""

from __future__ import annotations

import io
import json
import re
from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from blocks.session import session_message
from bot.cli.terminal import (
    BLOCK_KIT_BUILDER_URL,
    block_kit_builder_url,
    console,
    emojize,
    mrkdwn_to_text,
    render_message,
    shorten,
)
from tests import blocks_samples as s


def _printed(blocks: list[dict[str, object]], title: str = "t", width: int = 100) -> str:
    out = io.StringIO()
    console(width=width, file=out, no_color=True).print(render_message(blocks, title=title))
    return out.getvalue()


def test_slack_emoji_names_that_rich_lacks_render() -> None:
    assert emojize(":large_purple_circle: merged · :large_orange_circle: Medium") == "🟣 merged · 🟠 Medium"
    assert emojize(":large_green_circle: :large_yellow_circle: :checkered_flag:") == "🟢 🟡 🏁"


def test_unknown_emoji_names_stay_as_typed() -> None:
    assert emojize(":our_custom_emoji: at 10:30:00") == ":our_custom_emoji: at 10:30:00"


def test_rendered_card_has_no_emoji_codes_left() -> None:
    printed = _printed(session_message(s.insights(), app_url=s.APP_URL)["blocks"])
    assert re.findall(r":[a-z_]+:", printed) == [], printed


def test_shorten_cuts_at_a_word_boundary() -> None:
    assert shorten("Add rate limiting to the public search API", 30) == "Add rate limiting to the…"
    assert shorten("short", 30) == "short"
    assert shorten("a  b\n c", 30) == "a b c"


@given(st.text(alphabet=st.sampled_from("ab ·—"), max_size=60), st.integers(min_value=2, max_value=50))
def test_shorten_never_cuts_a_word(text: str, limit: int) -> None:
    shortened = shorten(text, limit)
    flat = " ".join(text.split())
    assert len(shortened) <= max(limit, 1 + len("…"))
    if shortened != flat:
        kept = shortened.removesuffix("…")
        words = flat.split(" ")
        # Whole words, or (only when the first word alone is too long) a cut first word.
        assert " ".join(words[: len(kept.split(" "))]).startswith(kept) or len(words[0]) >= limit - 1


def test_box_title_is_printed_whole() -> None:
    printed = _printed([{"type": "divider"}], title="#devin-sandbox · alert, updated", width=60)
    assert "╭─ #devin-sandbox · alert, updated ─" in printed


def test_block_kit_builder_link_carries_the_whole_payload() -> None:
    message = session_message(s.insights(), app_url=s.APP_URL)
    url = block_kit_builder_url(dict(message))
    assert json.loads(unquote(url.removeprefix(BLOCK_KIT_BUILDER_URL))) == {"blocks": message["blocks"]}


def test_block_kit_builder_link_for_a_view_keeps_its_type_and_title() -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Details"}, "blocks": [{"type": "divider"}]}
    decoded = json.loads(unquote(block_kit_builder_url(view, kind="modal").removeprefix(BLOCK_KIT_BUILDER_URL)))
    assert decoded == view


def test_terminal_renders_a_chart_as_text_bars() -> None:
    from blocks.chart import bar_chart

    block = bar_chart("ACUs per billing day", [("Nov 24", 10.0), ("Nov 25", 5.0)], series="ACUs", y_label="ACUs")
    out = io.StringIO()
    console(no_color=True, width=80, file=out).print(render_message([block], title="t"))
    text = out.getvalue()
    assert "ACUs per billing day" in text
    assert "Nov 24 " + "█" * 30 + " 10.00" in text and "Nov 25 " + "█" * 15 + " 5.00" in text


def test_code_inside_bold_renders_without_backticks() -> None:
    text = mrkdwn_to_text("*Usage of `/devin-insights`* and `code` and _it `x`_")
    assert text.plain == "Usage of /devin-insights and code and it x"
