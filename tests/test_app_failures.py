"""Failing services end to end: Devin and Slack misbehave via the stand-ins; users get a sentence, the app recovers."""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from blocks import sentences
from bot.devin.retry import RetryPolicy
from bot.ids import ActionId
from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_faults import UNKNOWN_ENUM_VALUES
from bot.sandbox.devin_org import UNTIL_CLEARED
from bot.sandbox.devin_seed import SEED_WITH_ANALYSIS, SEED_WITHOUT_ANALYSIS
from bot.sandbox.slack_api import ADMIN_USER_ID, REGULAR_USER_ID
from bot.sandbox.slack_requests import app_home_opened_event, link_shared_event, new_ts
from tests.blockkit_limits import assert_message_limits, assert_unfurl_limits, assert_view_limits
from tests.fixtures_app import TEST_RETRY, RunningApp, running_app

HEX = SEED_WITH_ANALYSIS.removeprefix("devin-")
URL = f"https://app.devin.ai/sessions/{HEX}"
TITLE = "Fix 500 on refund endpoint"
UNHANDLED = "app.unhandled_error"
SHORT_BUDGET = RetryPolicy(budget_seconds=0.6, max_attempts=2, backoff_initial=0.01, backoff_max=0.02)


def _text(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + message.get("text", "")


async def _ask(running: RunningApp, text: str = SEED_WITH_ANALYSIS, timeout: float = 8.0) -> str:
    """Run the command and return what the user sees."""
    _, hook = await running.command(text)
    (answer,) = await running.responses(hook, timeout=timeout)
    assert_message_limits(answer)
    return _text(answer)


async def _assert_recovers(running: RunningApp) -> None:
    """The next lookup, with nothing injected, shows the card."""
    running.devin.clear_faults()
    assert TITLE in await _ask(running)


def _unhandled(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage() == UNHANDLED or r.name == "aiohttp.server"]


# --- Devin misbehaving ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_faults_devin_server_errors_are_retried_then_explained(live: RunningApp, status: int) -> None:
    live.devin.inject(status=status, times=TEST_RETRY.max_attempts)
    assert sentences.DEVIN_SERVER in await _ask(live)
    assert len(_session_requests(live)) == TEST_RETRY.max_attempts
    await _assert_recovers(live)


async def test_faults_devin_server_error_once_is_invisible(live: RunningApp) -> None:
    live.devin.inject(status=502, times=1)
    assert TITLE in await _ask(live)


async def test_faults_devin_rate_limit_honours_retry_after(live: RunningApp) -> None:
    live.devin.inject(retry_after=0.3, times=1)
    assert TITLE in await _ask(live)
    first, second = _session_requests(live)
    assert second.at - first.at >= 0.3


async def test_faults_devin_rate_limit_that_persists_is_explained(live: RunningApp) -> None:
    live.devin.inject(retry_after=0.01, times=TEST_RETRY.max_attempts)
    assert sentences.DEVIN_RATE_LIMITED in await _ask(live)
    await _assert_recovers(live)


async def test_faults_devin_retry_after_beyond_the_budget_answers_at_once(live: RunningApp) -> None:
    live.devin.inject(retry_after=60, times=1)
    started = time.monotonic()
    assert sentences.DEVIN_RATE_LIMITED in await _ask(live)
    assert time.monotonic() - started < 2.0
    assert len(_session_requests(live)) == 1
    await _assert_recovers(live)


async def test_faults_devin_timeout_is_explained_within_the_budget(tmp_path: Any) -> None:
    async with running_app(tmp_path, retry=SHORT_BUDGET) as app:
        app.devin.inject(latency=30.0, times=UNTIL_CLEARED)
        started = time.monotonic()
        assert sentences.DEVIN_TIMEOUT in await _ask(app)
        assert time.monotonic() - started < SHORT_BUDGET.budget_seconds + 1.5
        await _assert_recovers(app)


async def test_faults_devin_connection_refused_then_back(live: RunningApp) -> None:
    port = urlsplit(live.devin.url).port
    await live.devin.stop()
    assert sentences.DEVIN_UNREACHABLE in await _ask(live)
    await live.devin.start(port=port or 0)
    await _assert_recovers(live)


async def test_faults_devin_dropped_connection_is_explained(live: RunningApp) -> None:
    # More drops than attempts: aiohttp itself retries a request whose reused connection was dropped.
    live.devin.inject(drop=True, times=50)
    assert sentences.DEVIN_UNREACHABLE in await _ask(live)
    live.devin.clear_faults()
    await _assert_recovers(live)


@pytest.mark.parametrize("kind", ["not_json", "wrong_shape"])
async def test_faults_devin_malformed_answer_is_explained(live: RunningApp, kind: str) -> None:
    live.devin.inject(malformed=kind, times=1)
    assert sentences.DEVIN_INVALID in await _ask(live)
    await _assert_recovers(live)


async def test_faults_devin_unknown_enum_values_still_render(live: RunningApp) -> None:
    live.devin.inject(malformed="unknown_enum", times=1)
    shown = await _ask(live)
    assert TITLE in shown
    assert UNKNOWN_ENUM_VALUES["status"] in shown.lower()


async def test_faults_devin_wrong_key_is_explained(live: RunningApp) -> None:
    live.devin.inject(status=401, times=1)
    assert sentences.DEVIN_AUTH.split(".")[0] in await _ask(live)
    await _assert_recovers(live)


async def test_faults_devin_session_gone_between_card_and_buttons(live: RunningApp) -> None:
    assert TITLE in await _ask(live)
    live.devin.remove_session(SEED_WITH_ANALYSIS)
    for action in (ActionId.SHARE_IN_CHANNEL, ActionId.VIEW_INSIGHTS, ActionId.GENERATE_INSIGHTS):
        _, hook = await live.click(action, SEED_WITH_ANALYSIS)
        (reply,) = await live.responses(hook)
        assert sentences.SESSION_NOT_FOUND.split(".")[0] in _text(reply), action
    await live.click(ActionId.SHOW_DETAILS, SEED_WITH_ANALYSIS)
    (updated,) = await live.slack.wait_for("views.update")
    assert sentences.SESSION_NOT_FOUND.split(".")[0] in json.dumps(updated.body["view"])
    assert live.slack.calls_to("chat.postMessage") == []
    assert ActionId.GENERATE_INSIGHTS in await _ask(live, SEED_WITHOUT_ANALYSIS)  # other sessions still work


def _link_event(*links: str, channel: str = SANDBOX_CHANNEL_ID) -> dict[str, Any]:
    return link_shared_event(list(links), channel=channel, user=REGULAR_USER_ID, message_ts=new_ts())


async def test_faults_devin_slow_during_unfurl_skips_the_preview_then_recovers(tmp_path: Any) -> None:
    async with running_app(tmp_path, retry=SHORT_BUDGET) as app:
        app.devin.inject(latency=30.0, times=UNTIL_CLEARED)
        await app.sender.event(_link_event(URL))
        await app.settle()
        assert app.slack.calls_to("chat.unfurl") == []
        app.devin.clear_faults()
        await app.sender.event(_link_event(f"https://app.devin.ai/sessions/{SEED_WITHOUT_ANALYSIS[6:]}"))
        (call,) = await app.slack.wait_for("chat.unfurl")
        assert call.ok


@pytest.mark.parametrize("kind", ["not_json", "unknown_enum"])
async def test_faults_devin_malformed_during_unfurl_never_renders_broken(live: RunningApp, kind: str) -> None:
    live.devin.inject(malformed=kind, times=1)
    await live.sender.event(_link_event(URL))
    await live.settle()
    for call in live.slack.calls_to("chat.unfurl"):
        for unfurl in call.body["unfurls"].values():
            assert_unfurl_limits(unfurl)
    assert len(live.slack.calls_to("chat.unfurl")) == (1 if kind == "unknown_enum" else 0)


# --- Slack misbehaving ------------------------------------------------------------------------------

FAILURES = {"502": {"status": 502}, "ok false": {"error": "fatal_error"}}
"""Failures the Web API client does not retry (a 429 or a 500/503 is retried twice first; see below)."""
RATE_LIMITED_ONCE = {"retry_after": 0, "times": 1}


async def _share(running: RunningApp) -> tuple[list[Any], str]:
    _, hook = await running.click(ActionId.SHARE_IN_CHANNEL, SEED_WITH_ANALYSIS)
    await running.settle()
    name = hook.rsplit("/", 1)[-1]
    replies_seen = [c.body for c in running.slack.calls_to("response_url") if c.hook == name]
    return [c for c in running.slack.calls_to("chat.postMessage") if c.ok], "".join(_text(r) for r in replies_seen)


@pytest.mark.parametrize(
    ("fault", "sentence"),
    [
        ({"status": 502}, sentences.SLACK_TROUBLE),
        ({"retry_after": 0, "times": 3}, sentences.SLACK_TROUBLE),
        ({"error": "invalid_auth"}, sentences.SLACK_TROUBLE),
        ({"error": "not_in_channel"}, sentences.CANNOT_POST_HERE),
    ],
)
async def test_faults_slack_post_message_failure_explained_then_recovers(
    live: RunningApp, fault: dict[str, Any], sentence: str
) -> None:
    live.slack.fail("chat.postMessage", **fault)
    posted, seen = await _share(live)
    assert posted == [] and sentence in seen
    posted, seen = await _share(live)
    assert len(posted) == 1 and seen == ""


async def test_faults_slack_post_message_server_error_once_is_retried(live: RunningApp) -> None:
    live.slack.fail("chat.postMessage", status=503)
    posted, seen = await _share(live)
    assert len(posted) == 1 and seen == ""


@pytest.mark.parametrize("method", ["views.open", "views.update"])
@pytest.mark.parametrize("failure", list(FAILURES))
async def test_faults_slack_details_modal_failure_explained_then_recovers(
    live: RunningApp, caplog: pytest.LogCaptureFixture, method: str, failure: str
) -> None:
    live.slack.fail(method, **FAILURES[failure])
    _, hook = await live.click(ActionId.SHOW_DETAILS, SEED_WITH_ANALYSIS)
    (reply,) = await live.responses(hook)
    assert any(sentence in _text(reply) for sentence in (sentences.DETAILS_NOT_OPENED, sentences.SLACK_TROUBLE)), _text(
        reply
    )
    assert _unhandled(caplog) == [], "a Slack failure the handler can explain is not an unhandled error"
    await live.click(ActionId.SHOW_DETAILS, SEED_WITH_ANALYSIS)
    updated = await live.slack.wait_for("views.update", predicate=lambda c: c.ok)
    assert_view_limits(updated[-1].body["view"])


@pytest.mark.parametrize("failure", list(FAILURES))
async def test_faults_slack_unfurl_failure_breaks_nothing_then_recovers(
    live: RunningApp, caplog: pytest.LogCaptureFixture, failure: str
) -> None:
    live.slack.fail("chat.unfurl", **FAILURES[failure])
    result = await live.sender.event(_link_event(URL))
    await live.settle()
    assert result.status == 200
    assert [c.ok for c in live.slack.calls_to("chat.unfurl")] == [False]
    assert _unhandled(caplog) == []
    await live.sender.event(_link_event(f"https://app.devin.ai/sessions/{SEED_WITHOUT_ANALYSIS[6:]}"))
    recovered = await live.slack.wait_for("chat.unfurl", predicate=lambda c: c.ok)
    assert recovered[-1].body["unfurls"]


@pytest.mark.parametrize("failure", [*FAILURES, "missing_scope"])
async def test_faults_slack_conversations_info_failure_gives_a_minimal_preview(
    live: RunningApp, caplog: pytest.LogCaptureFixture, failure: str
) -> None:
    fault = FAILURES.get(failure, {"error": "missing_scope"})
    live.slack.fail("conversations.info", **fault)
    await live.sender.event(_link_event(URL))
    (minimal,) = await live.slack.wait_for("chat.unfurl")
    assert "ACUs" not in json.dumps(minimal.body["unfurls"][URL])  # when unsure, show less, never more
    assert _unhandled(caplog) == []
    await live.sender.event(_link_event(URL))
    full = await live.slack.wait_for("chat.unfurl", count=2)
    assert "ACUs" in json.dumps(full[1].body["unfurls"][URL])  # a failure is not cached


@pytest.mark.parametrize("failure", list(FAILURES))
async def test_faults_slack_views_publish_failure_breaks_nothing_then_recovers(
    live: RunningApp, caplog: pytest.LogCaptureFixture, failure: str
) -> None:
    live.slack.fail("views.publish", **FAILURES[failure])
    result = await live.sender.event(app_home_opened_event(REGULAR_USER_ID))
    await live.settle()
    assert result.status == 200
    assert _unhandled(caplog) == [], "a Slack hiccup on the Home tab is a warning, not an unhandled error"
    await live.sender.event(app_home_opened_event(REGULAR_USER_ID))
    (published,) = await live.slack.wait_for("views.publish", predicate=lambda c: c.ok)
    assert_view_limits(published.body["view"])


@pytest.mark.parametrize("failure", list(FAILURES))
async def test_faults_slack_users_info_failure_does_not_call_an_admin_a_non_admin(tmp_path: Any, failure: str) -> None:
    async with running_app(tmp_path, with_alerts=True) as app:
        alerts = app.app.deps.alerts
        assert alerts is not None
        app.slack.fail("users.info", **FAILURES[failure])
        _, hook = await app.command("alerts on", user_id=ADMIN_USER_ID)
        (reply,) = await app.responses(hook)
        assert sentences.NOT_ADMIN not in _text(reply), "Slack failing is not the user lacking a role"
        assert "Try again" in _text(reply)
        assert not (await alerts.channel_settings(SANDBOX_CHANNEL_ID)).enabled
        _, hook = await app.command("alerts on", user_id=ADMIN_USER_ID)
        await app.responses(hook)
        assert (await alerts.channel_settings(SANDBOX_CHANNEL_ID)).enabled


async def test_faults_slack_users_info_regular_user_is_refused(tmp_path: Any) -> None:
    async with running_app(tmp_path, with_alerts=True) as app:
        _, hook = await app.command("alerts on", user_id=REGULAR_USER_ID)
        (reply,) = await app.responses(hook)
        assert sentences.NOT_ADMIN in _text(reply)
        assert app.app.deps.alerts is not None
        assert not (await app.app.deps.alerts.channel_settings(SANDBOX_CHANNEL_ID)).enabled


@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 502}, {"error": "expired_url", "status": 404}])
async def test_faults_slack_response_url_failure_breaks_nothing_then_recovers(
    live: RunningApp, caplog: pytest.LogCaptureFixture, fault: dict[str, Any]
) -> None:
    live.slack.fail("response_url", **fault)
    result, hook = await live.command(SEED_WITH_ANALYSIS)
    assert result.status == 200
    await live.settle()
    (lost,) = [c for c in live.slack.calls_to("response_url") if c.hook == hook.rsplit("/", 1)[-1]]
    assert not lost.ok
    assert all(r.levelno < logging.ERROR for r in caplog.records)
    await _assert_recovers(live)


async def _use_every_surface_once(running: RunningApp, method: str) -> None:
    """Do what a user does that makes the app call `method`, and wait until a call to it succeeded."""
    if method == "chat.postMessage":
        await running.click(ActionId.SHARE_IN_CHANNEL, SEED_WITH_ANALYSIS)
    elif method in ("views.open", "views.update"):
        await running.click(ActionId.SHOW_DETAILS, SEED_WITH_ANALYSIS)
    elif method in ("chat.unfurl", "conversations.info"):
        await running.sender.event(_link_event(URL))
    elif method == "views.publish":
        await running.sender.event(app_home_opened_event(REGULAR_USER_ID))
    elif method == "users.info":
        await running.command("alerts on", user_id=ADMIN_USER_ID)
    await running.slack.wait_for(method, predicate=lambda c: c.ok, timeout=8.0)


@pytest.mark.parametrize(
    "method",
    [
        "chat.postMessage",
        "views.open",
        "views.update",
        "chat.unfurl",
        "conversations.info",
        "views.publish",
        "users.info",
    ],
)
async def test_faults_slack_rate_limited_once_is_retried_on_every_method(
    tmp_path: Any, caplog: pytest.LogCaptureFixture, method: str
) -> None:
    async with running_app(tmp_path, with_alerts=method == "users.info") as app:
        app.slack.fail(method, **RATE_LIMITED_ONCE)
        await _use_every_surface_once(app, method)
        await app.settle()
        assert [c.status for c in app.slack.calls_to(method)][:2] == [429, 200]
    assert all(r.levelno < logging.WARNING for r in caplog.records if r.name.startswith("bot"))


def _session_requests(live: RunningApp) -> list[Any]:
    """Requests for the session itself (the card's creator lookup goes to the members endpoint)."""
    return [r for r in live.devin.requests if "/members/" not in r.path]
