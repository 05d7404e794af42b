"""Words and emoji for every documented value of Devin's open enums, and unknown values shown as they are."""

from __future__ import annotations

import pytest

from blocks.status import (
    ACTION_TYPE_LABELS,
    DETAIL_EMOJI,
    DETAIL_EXPLANATIONS,
    DETAIL_LABELS,
    ORIGIN_LABELS,
    RAW_VALUE_MAX,
    STATUS_EMOJI,
    STATUS_LABELS,
    UNKNOWN_EMOJI,
    action_type_label,
    detail_label,
    explanation,
    impact_emoji,
    impact_rank,
    origin_label,
    pr_state_emoji,
    size_text,
    status_emoji,
    status_label,
    status_line,
    status_summary,
)
from bot.devin.models import ActionItemType, SessionOrigin, SessionSize, SessionStatus, StatusDetail


@pytest.mark.parametrize("status", list(SessionStatus))
def test_every_status_has_words_and_emoji(status: SessionStatus) -> None:
    assert status in STATUS_LABELS and status in STATUS_EMOJI
    assert status_label(status) == STATUS_LABELS[status]


@pytest.mark.parametrize("detail", list(StatusDetail))
def test_every_status_detail_has_words_an_explanation_and_emoji(detail: StatusDetail) -> None:
    assert detail in DETAIL_LABELS and detail in DETAIL_EXPLANATIONS and detail in DETAIL_EMOJI
    assert explanation(detail).endswith(".")


@pytest.mark.parametrize("origin", list(SessionOrigin))
def test_every_origin_has_words(origin: SessionOrigin) -> None:
    assert origin in ORIGIN_LABELS


@pytest.mark.parametrize("kind", list(ActionItemType))
def test_every_action_item_type_has_words(kind: ActionItemType) -> None:
    assert kind in ACTION_TYPE_LABELS


def test_out_of_credits_in_plain_language() -> None:
    assert explanation("out_of_credits") == "Your organization ran out of ACU credits."
    line = status_line("suspended", "out_of_credits")
    assert line == ":credit_card: *Suspended* · out of credits — Your organization ran out of ACU credits."
    assert status_summary("suspended", "out_of_credits") == "Suspended (out of credits)"


def test_status_line_without_detail() -> None:
    assert status_line("exit", None) == ":checkered_flag: *Ended*"
    assert status_summary("running") == "Running"


def test_unknown_values_are_shown_escaped_and_short() -> None:
    assert status_label("hibernating") == "hibernating"
    assert status_label("<!channel>") == "&lt;!channel&gt;"
    assert status_label("<!channel>", plain=True) == "<!channel>"
    assert detail_label("cosmic_rays") == "cosmic_rays"
    assert explanation("cosmic_rays") == ""
    assert status_emoji("hibernating", "cosmic_rays") == UNKNOWN_EMOJI
    assert len(status_label("x" * 500)) <= RAW_VALUE_MAX
    assert status_label("") == "Unknown"
    assert status_line("hibernating", "<b>") == ":grey_question: *hibernating* · &lt;b&gt;"


def test_detail_emoji_wins_over_status_emoji() -> None:
    assert status_emoji("suspended", "inactivity") == ":zzz:"
    assert status_emoji("suspended", None) == ":double_vertical_bar:"


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (SessionSize.XS, "XS"),
        (SessionSize.M, "M"),
        (SessionSize.L, "L :warning: flagged unhealthy"),
        (SessionSize.XL, "XL :warning: flagged unhealthy"),
        ("xxl", "xxl"),
        ("<b>", "&lt;b&gt;"),
        (None, "—"),
    ],
)
def test_size_words_flag_l_and_xl(size: str | None, text: str) -> None:
    assert size_text(size) == text


@pytest.mark.parametrize(
    ("state", "emoji"),
    [
        ("open", ":large_green_circle:"),
        ("merged", ":large_purple_circle:"),
        ("closed", ":red_circle:"),
        ("MERGED", ":large_purple_circle:"),
        (None, UNKNOWN_EMOJI),
        ("weird", UNKNOWN_EMOJI),
    ],
)
def test_pr_state_emoji(state: str | None, emoji: str) -> None:
    assert pr_state_emoji(state) == emoji


def test_impact_ranks_critical_high_medium_low_then_the_rest() -> None:
    ranked = sorted(["Low", "whatever", "High", "medium", "Critical"], key=impact_rank)
    assert ranked == ["Critical", "High", "medium", "Low", "whatever"]
    assert impact_emoji("High") == ":red_circle:"


def test_origin_and_action_type_unknowns() -> None:
    assert origin_label("slack") == "Slack"
    assert origin_label("fax") == "fax"
    assert origin_label(None) == ""
    assert action_type_label("machine_setup") == "Machine setup"
    assert action_type_label(None) == ""
