"""Usage, one-line notices and the App Home tab."""

from __future__ import annotations

from slack_sdk.models.views import View

from blocks.help import notice_message, usage_message
from blocks.home import NO_ALERT_CHANNELS, home_view
from bot.ids import CallbackId
from tests.blockkit_limits import assert_message_limits, assert_no_unescaped_control, assert_view_limits, mrkdwn_texts


def test_usage_message_lists_every_form_of_the_command() -> None:
    message = usage_message()
    assert_message_limits(message)
    assert_no_unescaped_control(message)
    text = "\n".join(mrkdwn_texts(message))
    for form in ("&lt;session link or id&gt;", "help`", "alerts`", "alerts on [reason …]`", "alerts off`", "Example:"):
        assert form in text


def test_usage_message_note_comes_first_escaped() -> None:
    message = usage_message("I couldn't find a Devin session link in `<!channel>`")
    first = message["blocks"][0]["text"]["text"]
    assert first == ":information_source: I couldn't find a Devin session link in `&lt;!channel&gt;`"
    assert message["text"].startswith("I couldn't find")
    assert_no_unescaped_control(message)


def test_notice_message_is_one_escaped_line() -> None:
    message = notice_message("Devin said <!here> & left.")
    assert message["blocks"] == [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": ":warning: Devin said &lt;!here&gt; &amp; left.", "verbatim": True},
        }
    ]
    assert message["text"] == ":warning: Devin said &lt;!here&gt; &amp; left."


def test_notice_message_with_deliberate_mrkdwn_and_emoji() -> None:
    message = notice_message("Shared in <#C0123ABC>.", emoji=":white_check_mark:", mrkdwn=True)
    assert message["blocks"][0]["text"]["text"] == ":white_check_mark: Shared in <#C0123ABC>."
    assert_no_unescaped_control(message)
    assert notice_message("plain", emoji="")["text"] == "plain"


def test_home_view_lists_only_well_formed_alert_channels_once() -> None:
    view = home_view(alert_channels=["C0123ABC", "<!channel>", "C0123ABC", "G0456"])
    assert_view_limits(view)
    assert_no_unescaped_control(view)
    assert view["type"] == "home" and view["callback_id"] == CallbackId.HOME
    text = "\n".join(mrkdwn_texts(view))
    assert "go to <#C0123ABC>, <#G0456>." in text
    assert "channel>" not in text.replace("<#C0123ABC>", "")
    assert View(**view).to_dict() == view


def test_home_view_without_alert_channels_says_how_to_set_one() -> None:
    view = home_view(alert_channels=[])
    assert NO_ALERT_CHANNELS in "\n".join(mrkdwn_texts(view))
