"""Property tests: for any session the models accept, every builder stays within Block Kit's limits,
escapes Devin's text, and links only to PR URLs that came in as URLs or to the configured Devin app (never
to the session's own `url`); plus the text helpers' laws."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blocks.alert import (
    alert_message,
    alert_resolved_reply,
    alert_settings_message,
    grouped_alert_message,
    grouped_alert_thread_message,
)
from blocks.details import details_view
from blocks.help import notice_message, usage_message
from blocks.home import home_view
from blocks.session import session_message
from blocks.text import ELLIPSIS, escape, link, truncate
from blocks.unfurl import session_unfurl
from bot.devin.links import is_session_id, session_url
from bot.devin.models import Session, SessionInsights, SessionStatus, StatusDetail
from tests.blockkit_limits import (
    assert_message_limits,
    assert_no_unescaped_control,
    assert_unfurl_limits,
    assert_view_limits,
    link_urls,
)

APP_URL = "https://devin.acme.internal"
"""Not a host any generated `url` uses: a link there can only have been built from the configured app URL."""
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HOSTILE = [
    "<!channel>",
    "<!here|here>",
    "<@U0123ABC>",
    "<#C0123|x>",
    "<https://evil.example/x|click>",
    "<!date^1^{date}|x>",
    "&lt;!channel&gt;",
    "&",
    "&amp;",
    "*_~`",
    "```",
    "|",
    "\n\n\n",
    "> quote",
    ":skull:",
    "e\u0301",
    "👨‍👩‍👧",
    "🇫🇷",
    "\ud83d",
    "\ud83d\ude00",
    "\x00\x07",
    "\u202e",
]

# Short unicode, hostile fragments, or long repetitions (cheap to generate, expensive to render).
texts = st.one_of(
    st.text(max_size=30),
    st.sampled_from(HOSTILE),
    st.lists(st.sampled_from(HOSTILE), max_size=8).map("".join),
    st.builds(lambda part, times: part * times, st.text(min_size=1, max_size=6), st.integers(1, 1500)),
)
optional_texts = st.none() | texts


def big_lists(element: st.SearchStrategy[Any], big: int = 300) -> st.SearchStrategy[list[Any]]:
    """Usually a few items; sometimes hundreds (one item repeated, so generation stays fast)."""
    return st.lists(element, max_size=4) | st.builds(lambda item, n: [item] * n, element, st.integers(5, big))


hosts = st.sampled_from(["app.devin.ai", "github.com", "gitlab.example.com"])
urls = st.one_of(
    st.builds(lambda h, p: f"https://{h}/{p}", hosts, st.text(max_size=40)),
    st.builds(lambda h: f"https://{h}/sessions/{'ab' * 16}", hosts),
    st.builds(lambda h, n: f"https://{h}/{'x' * n}", hosts, st.integers(250, 3500)),
    st.sampled_from(["javascript:alert(1)", "", "https://", "https://app.devin.ai:99999/x", "ftp://app.devin.ai/x"]),
    texts,
)
statuses = st.sampled_from([*SessionStatus]) | texts
details = st.none() | st.sampled_from([*StatusDetail]) | texts
floats = st.floats(allow_nan=True, allow_infinity=True)
ints = st.integers(min_value=-(2**63), max_value=2**63)
timestamps = st.one_of(st.integers(0, 2_000_000_000), ints)

issues = st.fixed_dictionaries({"issue": texts, "impact": texts, "label": texts, "id": optional_texts})
action_items = st.fixed_dictionaries({"action_item": texts, "issue_id": optional_texts, "type": st.none() | texts})
steps = st.fixed_dictionaries({"title": texts, "description": texts, "issue_id": optional_texts})
feedback = st.fixed_dictionaries({"summary": texts, "excerpt": texts, "details": texts})
note_uses = st.fixed_dictionaries({"note_id": texts, "message": texts, "reason": texts})
analyses = st.none() | st.fixed_dictionaries(
    {
        "issues": big_lists(issues),
        "action_items": big_lists(action_items),
        "timeline": big_lists(steps),
        "classification": st.none()
        | st.fixed_dictionaries(
            {
                "category": texts,
                "confidence": st.none() | floats,
                "programming_languages": big_lists(texts),
                "tools_and_frameworks": big_lists(texts),
            }
        ),
        "suggested_prompt": st.none()
        | st.fixed_dictionaries(
            {"original_prompt": texts, "suggested_prompt": texts, "feedback_items": big_lists(feedback)}
        ),
        "note_usage": st.none()
        | st.fixed_dictionaries({"good_usages": big_lists(note_uses), "bad_usages": big_lists(note_uses)}),
    }
)
session_fields = {
    "session_id": st.sampled_from([f"devin-{'ab' * 16}", ""]) | texts,
    "url": urls,
    "status": statuses,
    "status_detail": details,
    "title": optional_texts,
    "tags": big_lists(texts),
    "created_at": timestamps,
    "updated_at": timestamps,
    "acus_consumed": floats,
    "pull_requests": big_lists(st.fixed_dictionaries({"pr_url": urls, "pr_state": optional_texts})),
    "user_id": optional_texts,
    "service_user_id": optional_texts,
    "origin": st.none() | texts,
    "category": optional_texts,
    "subcategory": optional_texts,
}
sessions = st.fixed_dictionaries(session_fields).map(Session.model_validate)
insights = st.fixed_dictionaries(
    {
        **session_fields,
        "num_user_messages": ints,
        "num_devin_messages": ints,
        "session_size": st.none() | st.sampled_from(["xs", "s", "m", "l", "xl"]) | texts,
        "analysis": analyses,
    }
).map(SessionInsights.model_validate)


def _hosts(*items: Session) -> set[str]:
    found = {urlsplit(APP_URL).hostname or ""}
    for item in items:
        for url in (pr.pr_url for pr in item.pull_requests):
            try:
                found.add((urlsplit(url).hostname or "").lower())
            except ValueError:
                continue
    return found - {""}


def _allowed_links(*items: Session) -> set[str]:
    pr_urls = {pr.pr_url for item in items for pr in item.pull_requests}
    sessions = {session_url(APP_URL, item.session_id) for item in items if is_session_id(item.session_id)}
    return pr_urls | sessions | {APP_URL}


def assert_safe(payload: Any, *items: Session) -> None:
    """No control sequence from Devin's text; every link goes to a PR URL Devin gave as a URL, or to the app."""
    assert_no_unescaped_control(payload, allowed_hosts=_hosts(*items))
    assert set(link_urls(payload)) <= _allowed_links(*items)


@SETTINGS
@given(insights, optional_texts, st.none() | st.sampled_from(["U024BE7LH", "W1", "<!channel>", ""]) | texts)
def test_session_message_any_insights_within_limits(item: SessionInsights, notice: str | None, user: Any) -> None:
    message = session_message(item, notice=notice, shared_by_user_id=user, app_url=APP_URL)
    assert_message_limits(message)
    assert_safe(message, item)


@SETTINGS
@given(insights)
def test_details_view_any_insights_within_limits(item: SessionInsights) -> None:
    view = details_view(item, app_url=APP_URL)
    assert_view_limits(view)
    assert_safe(view, item)


@SETTINGS
@given(sessions | insights, st.booleans())
def test_session_unfurl_any_session_within_limits(item: Session, minimal: bool) -> None:
    unfurl = session_unfurl(item, minimal=minimal, app_url=APP_URL)
    assert_unfurl_limits(unfurl)
    assert len(unfurl["blocks"]) <= 5
    assert_safe(unfurl, item)


@SETTINGS
@given(sessions, details.map(str), timestamps, st.none() | timestamps, optional_texts, optional_texts)
def test_alert_message_any_session_within_limits(
    item: Session, reason: str, opened: int, resolved: int | None, status: str | None, changed: str | None
) -> None:
    message = alert_message(
        item,
        reason=reason,
        opened_at=opened,
        resolved_at=resolved,
        resolved_status=status,
        reason_changed_from=changed,
        app_url=APP_URL,
    )
    assert_message_limits(message)
    assert_safe(message, item)


@SETTINGS
@given(big_lists(sessions, big=120), details.map(str), timestamps, st.none() | timestamps, st.data())
def test_grouped_alerts_any_sessions_within_limits(
    items: list[Session], reason: str, opened: int, resolved: int | None, data: st.DataObject
) -> None:
    resolved_ids = data.draw(st.sets(st.sampled_from([i.session_id for i in items]))) if items else set()
    message = grouped_alert_message(
        items, reason=reason, opened_at=opened, resolved_ids=resolved_ids, resolved_at=resolved, app_url=APP_URL
    )
    assert_message_limits(message)
    assert_safe(message, *items)
    thread = grouped_alert_thread_message(items, reason=reason, app_url=APP_URL)
    assert_message_limits(thread)
    assert_safe(thread, *items)


@SETTINGS
@given(sessions, texts, ints)
def test_alert_resolved_reply_any_session_within_limits(item: Session, status: str, down: int) -> None:
    message = alert_resolved_reply(item, resolved_status=status, down_seconds=down, app_url=APP_URL)
    assert_message_limits(message)
    assert_safe(message, item)


@SETTINGS
@given(
    st.sampled_from(["C0123ABC", "G1", "D9"]) | texts,
    st.booleans(),
    big_lists(texts, big=200),
    st.booleans(),
    optional_texts,
    st.none() | timestamps,
    ints,
)
def test_alert_settings_message_any_input_within_limits(
    channel: str, on: bool, reasons: list[str], default: bool, error: str | None, at: int | None, pending: int
) -> None:
    message = alert_settings_message(
        channel_id=channel,
        enabled=on,
        reasons=reasons,
        is_default_channel=default,
        last_error=error,
        last_error_at=at,
        pending=pending,
    )
    assert_message_limits(message)
    assert_no_unescaped_control(message)


@SETTINGS
@given(optional_texts, texts, texts)
def test_usage_and_notice_any_text_within_limits(note: str | None, text: str, emoji: str) -> None:
    for message in (usage_message(note), notice_message(text), notice_message(text, emoji=escape(emoji))):
        assert_message_limits(message)
        assert_no_unescaped_control(message)


@SETTINGS
@given(big_lists(st.sampled_from(["C0123ABC", "G0456", "D1X"]) | texts, big=400))
def test_home_view_any_channels_within_limits(channels: list[str]) -> None:
    view = home_view(alert_channels=channels)
    assert_view_limits(view)
    assert_no_unescaped_control(view)


@SETTINGS
@given(texts)
def test_escape_round_trips_and_leaves_no_markup(text: str) -> None:
    escaped = escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert re.search(r"&(?!amp;|lt;|gt;)", escaped) is None
    assert escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


@SETTINGS
@given(texts, st.integers(0, 400), st.booleans())
def test_truncate_bounded_idempotent_and_whole(text: str, limit: int, mrkdwn: bool) -> None:
    subject = escape(text)
    cut = truncate(subject, limit, mrkdwn=mrkdwn)
    assert len(cut) <= limit
    assert truncate(cut, limit, mrkdwn=mrkdwn) == cut
    if len(subject) <= limit:
        assert cut == subject
    else:
        kept = cut.removesuffix(ELLIPSIS)
        assert subject.startswith(kept)
        assert re.search(r"&(?!amp;|lt;|gt;)", kept) is None, "an entity was cut"
        assert not (kept and "\ud800" <= kept[-1] <= "\udbff" and subject[len(kept)] >= "\udc00"), "split pair"


@SETTINGS
@given(urls, texts)
def test_link_is_a_clean_link_or_just_the_label(url: str, label: str) -> None:
    rendered = link(url, label)
    if rendered.startswith("<"):
        match = re.fullmatch(r"<(https?://[^\s<>|]+)(?:\|([^<>|]+))?>", rendered)
        assert match is not None, rendered
        assert match[1].replace("&amp;", "&") == url
    else:
        assert "<" not in rendered and ">" not in rendered and "|" not in rendered
