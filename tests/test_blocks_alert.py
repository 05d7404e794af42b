"""Suspension alerts: advice per reason, the resolved look, storms with progress, thread lists, settings."""

from __future__ import annotations

import re
from typing import Any

import pytest

from blocks.alert import (
    GROUP_LIST_MAX,
    alert_message,
    alert_resolved_reply,
    alert_settings_message,
    grouped_alert_message,
    grouped_alert_thread_message,
)
from blocks.alert_advice import GENERIC_ADVICE, REASON_ADVICE, advice, human_duration
from bot.config import DEFAULT_ALERT_REASONS
from bot.ids import ActionId
from tests import blocks_samples as s
from tests.blockkit_limits import assert_message_limits, assert_no_unescaped_control, link_urls, mrkdwn_texts


def storm() -> list[Any]:
    """Forty sessions (built per test: a missing example file fails tests, not collection)."""
    return [s.numbered_session(n) for n in range(1, 41)]


def _text(message: Any) -> str:
    return "\n".join(mrkdwn_texts(message))


def _header(message: Any) -> str:
    return str(message["blocks"][0]["text"]["text"])


@pytest.mark.parametrize("reason", [*DEFAULT_ALERT_REASONS, "something_new"])
def test_alert_message_every_reason_has_its_own_advice_and_links_only_to_the_app(reason: str) -> None:
    message = alert_message(s.session(status_detail=reason), reason=reason, opened_at=s.OPENED_AT, app_url=s.APP_URL)
    assert_message_limits(message)
    assert_no_unescaped_control(message)
    assert (reason in REASON_ADVICE) == (reason in DEFAULT_ALERT_REASONS)
    assert "*What to do*" in _text(message)
    assert set(link_urls(message)) <= {s.APP_URL, s.session().url}


def test_alert_advice_is_distinct_per_billing_reason() -> None:
    texts = [advice(reason, None) for reason in DEFAULT_ALERT_REASONS]
    assert len(set(texts)) == len(texts)
    assert advice("something_new", None) == GENERIC_ADVICE.format(devin="Devin")


def test_alert_advice_links_to_the_configured_app_origin_only() -> None:
    text = advice("out_of_credits", "https://devin.acme.internal/org/acme")
    assert "<https://devin.acme.internal|Devin>" in text
    assert "Settings → Billing" in text


def test_alert_message_open() -> None:
    message = alert_message(s.session(), reason="out_of_credits", opened_at=s.OPENED_AT, app_url=s.APP_URL)
    assert _header(message) == ":rotating_light: Devin session suspended: out of credits"
    text = _text(message)
    assert "Your organization ran out of ACU credits." in text
    assert "*Started by*\n`service-user-abc123` (service user)" in text
    assert "*ACUs used*\n24.6" in text
    assert "*Last activity*\n<!date^1767437940^" in text
    buttons = {e["action_id"]: e for e in message["blocks"][-1]["elements"]}
    assert buttons[ActionId.OPEN_ALERT_SESSION]["url"] == s.session().url
    assert buttons[ActionId.VIEW_INSIGHTS]["value"] == s.session().session_id
    assert message["text"] == "Devin session suspended (out of credits): Migrate payment webhooks to Stripe API 2025-xx"


def test_alert_message_resolved_looks_resolved() -> None:
    message = alert_message(
        s.session(),
        reason="out_of_credits",
        opened_at=s.OPENED_AT,
        resolved_at=s.NOW,
        resolved_status="running",
        app_url=s.APP_URL,
    )
    assert _header(message).startswith(":white_check_mark: Resolved")
    text = _text(message)
    assert "~Suspended: out of credits~" in text
    assert "back to *Running* at <!date^1767450000^" in text
    assert "down for 2 h 13 min" in text
    assert "*What to do*" not in text
    assert message["text"].startswith("Resolved: ")


def test_alert_message_resolved_without_status() -> None:
    message = alert_message(s.session(), reason="error", opened_at=s.OPENED_AT, resolved_at=s.NOW, app_url=s.APP_URL)
    assert "no longer suspended" in _text(message)
    assert "Unknown" not in _text(message)


def test_alert_message_reason_changed() -> None:
    message = alert_message(
        s.session(),
        reason="payment_declined",
        opened_at=s.OPENED_AT,
        reason_changed_from="out_of_credits",
        app_url=s.APP_URL,
    )
    assert "it was *out of credits*, now *payment declined*" in _text(message)
    same = alert_message(
        s.session(), reason="error", opened_at=s.OPENED_AT, reason_changed_from="error", app_url=s.APP_URL
    )
    assert "reason changed" not in _text(same)


def test_alert_message_unknown_reason_is_quoted() -> None:
    message = alert_message(s.session(), reason="<!channel>", opened_at=s.OPENED_AT, app_url=s.APP_URL)
    assert "Devin reported “&lt;!channel&gt;”." in _text(message)
    assert_no_unescaped_control(message)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (-5, "0 s"),
        (0, "0 s"),
        (45, "45 s"),
        (90, "1 min 30 s"),
        (600, "10 min"),
        (659, "10 min"),
        (3600, "1 h"),
        (7980, "2 h 13 min"),
        (86400, "1 d"),
        (90000, "1 d 1 h"),
        (10**9, "11,574 d 1 h"),
    ],
)
def test_human_duration(seconds: int, words: str) -> None:
    assert human_duration(seconds) == words


def test_grouped_alert_open_lists_the_first_sessions_and_points_to_the_thread() -> None:
    message = grouped_alert_message(storm(), reason="out_of_credits", opened_at=s.OPENED_AT, app_url=s.APP_URL)
    assert_message_limits(message)
    assert _header(message) == ":rotating_light: 40 Devin sessions suspended: out of credits"
    text = _text(message)
    assert len(re.findall(r"^• ", text, re.M)) == GROUP_LIST_MAX
    assert "Nightly dependency upgrade #15>" in text and "#16>" not in text
    assert "started by `user-0001`" in text
    assert "+25 more sessions in the thread" in text
    assert text.count("*What to do*") == 1
    assert message["text"] == "40 Devin sessions suspended (out of credits); 0 of 40 recovered"


def test_grouped_alert_partly_resolved_shows_progress() -> None:
    resolved = [x.session_id for x in storm()[:12]]
    message = grouped_alert_message(
        storm(), reason="out_of_credits", opened_at=s.OPENED_AT, resolved_ids=resolved, app_url=s.APP_URL
    )
    text = _text(message)
    assert "*12 of 40 recovered*" in text
    assert text.count("— recovered") == 12


def test_grouped_alert_fully_resolved_looks_resolved() -> None:
    message = grouped_alert_message(
        storm()[:3],
        reason="out_of_credits",
        opened_at=s.OPENED_AT,
        resolved_ids={x.session_id for x in storm()},
        resolved_at=s.NOW,
        app_url=s.APP_URL,
    )
    assert _header(message) == ":white_check_mark: Resolved: 3 Devin sessions back (out of credits)"
    text = _text(message)
    assert "*All 3 recovered* at <!date^1767450000^" in text and "down for 2 h 13 min" in text
    assert "*What to do*" not in text


def test_grouped_alert_with_no_sessions_does_not_crash() -> None:
    assert_message_limits(grouped_alert_message([], reason="error", opened_at=s.OPENED_AT, app_url=s.APP_URL))


def test_grouped_alert_thread_lists_the_rest() -> None:
    message = grouped_alert_thread_message(storm()[GROUP_LIST_MAX:], reason="out_of_credits", app_url=s.APP_URL)
    assert_message_limits(message)
    text = _text(message)
    assert len(re.findall(r"^• ", text, re.M)) == 25
    assert "#16>" in text and "#40>" in text


def test_grouped_alert_thread_with_too_many_sessions_says_how_many_more() -> None:
    many = [s.numbered_session(n) for n in range(1, 301)]
    message = grouped_alert_thread_message(many, reason="out_of_credits", app_url=s.APP_URL)
    assert_message_limits(message)
    assert re.search(r"\+\d+ more sessions not listed", _text(message))


def test_alert_resolved_reply() -> None:
    message = alert_resolved_reply(s.session(), resolved_status="running", down_seconds=7980, app_url=s.APP_URL)
    assert_message_limits(message)
    assert "is back to *Running* after 2 h 13 min suspended." in _text(message)
    assert message["text"] == "Migrate payment webhooks to Stripe API 2025-xx is back to running after 2 h 13 min"
    blank = alert_resolved_reply(s.session(), resolved_status="", down_seconds=5, app_url=s.APP_URL)
    assert "is no longer suspended after 5 s" in _text(blank)


def _settings(**changes: Any) -> Any:
    base: dict[str, Any] = {
        "channel_id": "C0123ABC",
        "enabled": True,
        "reasons": ["out_of_credits"],
        "is_default_channel": False,
        "last_error": None,
        "last_error_at": None,
        "pending": 0,
    }
    return alert_settings_message(**{**base, **changes})


def test_alert_settings_message_current_state_and_how_to_change() -> None:
    text = _text(_settings())
    assert ":bell: Alerts are *on* and go to <#C0123ABC>." in text
    assert "• out of credits (`out_of_credits`)" in text
    assert "`/devin-insights alerts off`" in text
    assert "Last delivery problem" not in text and "waiting" not in text


@pytest.mark.parametrize(
    ("error", "fix"),
    [
        ("not_in_channel", "Invite @devin-insights to this channel"),
        ("channel_not_found", "invite it"),
        ("invalid_auth", "reinstall the app"),
        ("ratelimited", "retried automatically"),
        ("<!channel> boom", "The app log has the details"),
    ],
)
def test_alert_settings_message_last_error_with_its_fix(error: str, fix: str) -> None:
    message = _settings(last_error=error, last_error_at=s.OPENED_AT, pending=3, is_default_channel=True)
    assert_no_unescaped_control(message)
    text = _text(message)
    assert fix in text
    assert "3 alerts waiting to be delivered" in text
    assert "default alert channel" in text


def test_alert_settings_message_off_and_a_malformed_channel_id() -> None:
    text = _text(_settings(enabled=False, channel_id="<!here>", reasons=[]))
    assert ":no_bell: Alerts are *off* for `&lt;!here&gt;`." in text
    assert "no suspension will raise an alert" in text
