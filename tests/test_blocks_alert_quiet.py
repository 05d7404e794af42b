"""The quiet builders: snooze and mute buttons, the note on the alert, the click's answer, the settings lines."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from blocks.alert_quiet import QuietNote, quiet_answer, quiet_footer, quiet_line, quiet_settings_lines, snooze_seconds
from bot.ids import ActionId
from tests.blockkit_limits import assert_message_limits

UNTIL = 1_767_445_600


def test_snooze_buttons_say_how_long_and_mute_has_no_end() -> None:
    assert [snooze_seconds(a) for a in (ActionId.SNOOZE_1H, ActionId.SNOOZE_4H, ActionId.SNOOZE_24H)] == [
        3600,
        14_400,
        86_400,
    ]
    assert snooze_seconds(ActionId.MUTE_REASON) is None and snooze_seconds("alert.view_insights") is None


def test_footer_has_the_four_buttons_carrying_the_reason_and_no_note_when_nobody_quieted_it() -> None:
    blocks = quiet_footer("out_of_credits", None)
    [row] = blocks
    assert [e["action_id"] for e in row["elements"]] == [
        ActionId.SNOOZE_1H,
        ActionId.SNOOZE_4H,
        ActionId.SNOOZE_24H,
        ActionId.MUTE_REASON,
    ]
    assert {e["value"] for e in row["elements"]} == {"out_of_credits"}


def test_note_names_who_and_until_when_in_the_viewers_time_zone() -> None:
    note, _ = quiet_footer("out_of_credits", QuietNote("out_of_credits", "U0SNOOZER01", UNTIL))
    text = note["elements"][0]["text"]
    assert "<@U0SNOOZER01>" in text and f"<!date^{UNTIL}^" in text and "|2026-01-03 13:06 UTC>" in text
    muted = quiet_line(QuietNote("out_of_credits", "U0SNOOZER01", None))
    assert "muted here" in muted and "alerts on" in muted and "<!date" not in muted


def test_a_malformed_user_id_never_becomes_a_mention() -> None:
    line = quiet_line(QuietNote("out_of_credits", "<!channel>", UNTIL))
    assert "<!channel>" not in line and "someone" in line


def test_answer_says_what_it_replaced() -> None:
    answer = quiet_answer(
        QuietNote("out_of_credits", "U0SNOOZER01", UNTIL), QuietNote("out_of_credits", "U0OTHER0001", UNTIL - 60)
    )
    text = json.dumps(answer)
    assert "This replaces a snooze until" in text and "<@U0OTHER0001>" in text
    assert_message_limits(answer)


def test_settings_lines_count_the_suspensions_held_back() -> None:
    assert quiet_settings_lines([], 5) == []
    blocks = quiet_settings_lines([QuietNote("payment_declined", "U0MUTER0001", None)], 1)
    assert "1 suspension recorded but not posted" in json.dumps(blocks)


@given(
    st.text(max_size=20),
    st.sampled_from(["<!channel>", "<!here>", "<@U0VICTIM01>", "<#C0SECRET01>"]),
    st.text(max_size=20),
)
def test_any_reason_from_devin_is_escaped(before: str, raw: str, after: str) -> None:
    note = QuietNote(before + raw + after, "U0SNOOZER01", UNTIL)
    text = (
        quiet_line(note) + json.dumps(quiet_answer(note, note)["blocks"]) + json.dumps(quiet_settings_lines([note], 1))
    )
    assert raw not in text
