"""The insights card: which parts and buttons appear in which state, ordering, caps, and hostile text."""

from __future__ import annotations

import json
from typing import Any

from blocks.session import NO_ANALYSIS, session_message
from bot.devin.models import SessionInsights
from bot.ids import ActionId
from tests import blocks_samples as s
from tests.blockkit_limits import (
    assert_message_limits,
    assert_no_unescaped_control,
    link_urls,
    mrkdwn_texts,
    total_text,
)


def _buttons(message: Any) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]}


def _mrkdwn(message: Any) -> str:
    return "\n".join(mrkdwn_texts(message))


def test_session_message_with_analysis_offers_details_not_generate() -> None:
    message = session_message(s.insights(), app_url=s.APP_URL)
    buttons = _buttons(message)
    assert set(buttons) == {ActionId.OPEN_IN_DEVIN, ActionId.SHOW_DETAILS, ActionId.SHARE_IN_CHANNEL}
    assert buttons[ActionId.OPEN_IN_DEVIN]["url"] == "https://app.devin.ai/sessions/3f9c2a7be14d4c0f9a61d2e8b7c45a90"
    assert buttons[ActionId.SHOW_DETAILS]["value"] == "devin-3f9c2a7be14d4c0f9a61d2e8b7c45a90"
    assert NO_ANALYSIS not in _mrkdwn(message)


def test_session_message_without_analysis_says_so_and_offers_generate() -> None:
    message = session_message(s.insights(s.INSIGHTS_NO_ANALYSIS), app_url=s.APP_URL)
    buttons = _buttons(message)
    assert ActionId.SHOW_DETAILS not in buttons
    assert buttons[ActionId.GENERATE_INSIGHTS]["value"] == "devin-fd0db1d69c804f9cb115b6d39944bce9"
    assert buttons[ActionId.GENERATE_INSIGHTS]["style"] == "primary"
    assert NO_ANALYSIS in _mrkdwn(message)


def test_session_message_notice_is_a_context_line_near_the_top() -> None:
    message = session_message(
        s.insights(s.INSIGHTS_NO_ANALYSIS), notice="Generating insights… <soon>", app_url=s.APP_URL
    )
    assert message["blocks"][1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "Generating insights… &lt;soon&gt;", "verbatim": True}],
    }


def test_session_message_shared_names_the_user_and_drops_the_share_button() -> None:
    message = session_message(s.insights(), shared_by_user_id="U024BE7LH", app_url=s.APP_URL)
    assert "Shared by <@U024BE7LH>" in _mrkdwn(message)
    assert ActionId.SHARE_IN_CHANNEL not in _buttons(message)


def test_session_message_never_mentions_a_malformed_user_id() -> None:
    message = session_message(s.insights(), shared_by_user_id="<!channel>", app_url=s.APP_URL)
    assert "<@" not in _mrkdwn(message) and "<!channel>" not in _mrkdwn(message)
    assert ActionId.SHARE_IN_CHANNEL not in _buttons(message)


def test_session_message_fallback_text_names_title_and_status() -> None:
    message = session_message(
        s.insights(s.INSIGHTS_NO_ANALYSIS, status="suspended", status_detail="out_of_credits"), app_url=s.APP_URL
    )
    assert message["text"] == "Devin session: Upgrade eslint to v9 in web-dashboard — Suspended (out of credits)"


def test_session_message_untitled_has_a_placeholder() -> None:
    for title in (None, "", "   \n "):
        message = session_message(s.insights(title=title), app_url=s.APP_URL)
        assert message["blocks"][0]["text"]["text"] == "Untitled session"
        assert json.dumps(message["blocks"]).count("Untitled session") == 1  # in the header only


def test_session_message_shows_the_title_once() -> None:
    message = session_message(s.insights(), app_url=s.APP_URL)
    title = message["blocks"][0]["text"]["text"]
    assert message["blocks"][0]["type"] == "header" and title in message["text"]
    assert json.dumps(message["blocks"]).count(title) == 1  # not repeated as a linked title below the header


def test_session_message_facts() -> None:
    text = _mrkdwn(session_message(s.insights(), app_url=s.APP_URL))
    for expected in (
        "*Size*\nM",
        "*ACUs*\n7.9",
        "*Messages*\n4 from users · 17 from Devin",
        "*Origin*\nSlack",
        "*Started by*\n`user-7a41c2e9d3b5`",
        "*Created*\n<!date^1767261600^{date_short_pretty} at {time}|2026-01-01 10:00 UTC>",
        ":large_purple_circle: <https://github.com/acme/orders-api/pull/482|acme/orders-api#482> merged",
        "Bug fixing (91% confidence)",
        "`bugfix` `orders-api`",
    ):
        assert expected in text


def test_session_message_service_user_as_creator() -> None:
    text = _mrkdwn(session_message(s.insights(user_id=None, service_user_id="service-user-abc123"), app_url=s.APP_URL))
    assert "*Started by*\n`service-user-abc123` (service user)" in text


def test_session_message_large_analysis_shows_worst_issues_first_and_counts_the_rest() -> None:
    text = _mrkdwn(session_message(s.huge_insights(), app_url=s.APP_URL))
    issues = text.split("*Issues* (40)\n")[1].split("\n+")[0].splitlines()
    assert all(line.startswith(":bangbang: *Critical*") for line in issues[:5])
    assert "+35 more issues — open *Details*" in text
    assert "+25 more action items — open *Details*" in text
    assert "+55 more steps — open *Details*" in text
    assert "+20 more" in text  # pull requests


def test_session_message_confidence_as_percent_either_scale() -> None:
    data = s.example(s.INSIGHTS_WITH_ANALYSIS)
    for confidence, shown in ((0.5, "(50% confidence)"), (87, "(87% confidence)"), (-3, None), (None, None)):
        data["analysis"]["classification"]["confidence"] = confidence
        text = _mrkdwn(session_message(SessionInsights.model_validate(data), app_url=s.APP_URL))
        assert (shown in text) if shown else ("confidence" not in text)


def test_session_message_empty_analysis_says_nothing_to_report() -> None:
    message = session_message(s.insights(analysis={}), app_url=s.APP_URL)
    assert "The analysis found nothing to report." in _mrkdwn(message)
    assert ActionId.SHOW_DETAILS in _buttons(message)


def test_session_message_hostile_text_is_inert() -> None:
    message = session_message(s.hostile_insights(), app_url=s.APP_URL)
    assert_no_unescaped_control(message, allowed_hosts=("app.devin.ai", "github.com"))
    text = _mrkdwn(message)
    for raw in ("<!channel>", "<!here>", "<!everyone>", "<@U12345>", "<https://evil", "<#C999", "<!subteam", "<mailto"):
        assert raw not in text
    assert "javascript:" not in json.dumps([b for b in message["blocks"] if b["type"] == "actions"])


def test_session_message_unsafe_url_is_ignored_for_the_app_link() -> None:
    insights = s.insights(url="javascript:alert(1)")
    message = session_message(insights, app_url=s.APP_URL)
    assert ActionId.OPEN_IN_DEVIN in _buttons(message)
    assert "javascript" not in json.dumps(message)
    assert set(link_urls(message)) >= {f"{s.APP_URL}/sessions/{insights.session_id.removeprefix('devin-')}"}


def test_session_message_without_a_usable_id_has_no_link_and_no_buttons() -> None:
    message = session_message(s.insights(session_id=""), app_url=s.APP_URL)
    assert _buttons(message) == {}
    assert not [url for url in link_urls(message) if "/sessions/" in url]


def test_session_message_worst_case_stays_within_limits() -> None:
    message = session_message(
        s.worst_case_insights(), notice="&" * 5000, shared_by_user_id="U024BE7LH", app_url=s.APP_URL
    )
    assert_message_limits(message)
    assert total_text(message["blocks"]) < 10_000
