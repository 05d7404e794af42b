"""The Slack stand-in answers slack_sdk/Bolt like Slack does, and the request helpers produce what Slack sends."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler, AsyncServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.sandbox import (
    SANDBOX_APP_TOKEN,
    SANDBOX_BOT_TOKEN,
    SANDBOX_BOT_USER_ID,
    SANDBOX_CHANNEL_ID,
    SANDBOX_SIGNING_SECRET,
    SANDBOX_TEAM_ID,
)
from bot.sandbox.slack_api import (
    ADMIN_USER_ID,
    ARCHIVED_CHANNEL_ID,
    DEFAULT_SCOPES,
    NOT_MEMBER_CHANNEL_ID,
    OWNER_USER_ID,
    REGULAR_USER_ID,
    SHARED_CHANNEL_ID,
    SlackStandIn,
)
from bot.sandbox.slack_requests import (
    COMPOSER_CHANNEL,
    SlackRequestSender,
    block_action,
    link_shared_event,
    sign,
    slash_command,
)

pytest_plugins = ["tests.fixtures_slack"]

SESSION_URL = "https://app.devin.ai/sessions/0123456789abcdef0123456789abcdef"
UNFURL = {SESSION_URL: {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Session*"}}]}}


async def _error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call
    return str(caught.value.response["error"])


# ---- Web API shapes ---------------------------------------------------------------------------------


async def test_standin_auth_test_returns_identity_and_scopes(slack_web_client: AsyncWebClient) -> None:
    response = await slack_web_client.auth_test()
    assert (response["team_id"], response["user_id"]) == (SANDBOX_TEAM_ID, SANDBOX_BOT_USER_ID)
    assert response["bot_id"] and response["url"].startswith("https://")
    assert response.headers["x-oauth-scopes"].split(",") == list(DEFAULT_SCOPES)


async def test_standin_tokens_checked_like_slack(slack_standin: SlackStandIn) -> None:
    wrong = AsyncWebClient(token="xoxb-not-a-sandbox-token", base_url=slack_standin.api_url)
    missing = AsyncWebClient(base_url=slack_standin.api_url)
    app_level = AsyncWebClient(token=SANDBOX_APP_TOKEN, base_url=slack_standin.api_url)
    assert await _error_of(wrong.auth_test()) == "invalid_auth"
    assert await _error_of(missing.auth_test()) == "not_authed"
    assert await _error_of(app_level.chat_postMessage(channel=SANDBOX_CHANNEL_ID, text="x")) == "not_allowed_token_type"
    assert "Authorization" not in slack_standin.calls[0].headers
    assert "token" not in slack_standin.calls[0].body


async def test_standin_post_update_and_thread_state(
    slack_standin: SlackStandIn, slack_web_client: AsyncWebClient
) -> None:
    first = await slack_web_client.chat_postMessage(channel=SANDBOX_CHANNEL_ID, text="alert", blocks=[])
    second = await slack_web_client.chat_postMessage(channel=SANDBOX_CHANNEL_ID, text="other")
    reply = await slack_web_client.chat_postMessage(channel=SANDBOX_CHANNEL_ID, text="note", thread_ts=first["ts"])
    updated = await slack_web_client.chat_update(channel=SANDBOX_CHANNEL_ID, ts=first["ts"], text="resolved")

    assert float(first["ts"]) < float(second["ts"]) < float(reply["ts"])
    assert first["message"]["user"] == SANDBOX_BOT_USER_ID and first["channel"] == SANDBOX_CHANNEL_ID
    assert updated["message"]["text"] == "resolved"
    messages = slack_standin.messages(SANDBOX_CHANNEL_ID)
    assert [m["text"] for m in messages] == ["resolved", "other"]
    assert messages[0]["reply_count"] == 1
    assert [m["text"] for m in slack_standin.threads[first["ts"]]] == ["note"]


@pytest.mark.parametrize(
    ("channel", "error"),
    [
        (NOT_MEMBER_CHANNEL_ID, "not_in_channel"),
        (ARCHIVED_CHANNEL_ID, "is_archived"),
        ("C0NOSUCHCHAN", "channel_not_found"),
    ],
)
async def test_standin_post_message_channel_errors(slack_web_client: AsyncWebClient, channel: str, error: str) -> None:
    assert await _error_of(slack_web_client.chat_postMessage(channel=channel, text="x")) == error


async def test_standin_update_unknown_ts_is_message_not_found(slack_web_client: AsyncWebClient) -> None:
    error = await _error_of(slack_web_client.chat_update(channel=SANDBOX_CHANNEL_ID, ts="1.000001", text="x"))
    assert error == "message_not_found"


async def test_standin_post_ephemeral_returns_message_ts(
    slack_standin: SlackStandIn, slack_web_client: AsyncWebClient
) -> None:
    response = await slack_web_client.chat_postEphemeral(channel=SANDBOX_CHANNEL_ID, user=REGULAR_USER_ID, text="hi")
    assert response["message_ts"]
    assert slack_standin.ephemerals[0]["user"] == REGULAR_USER_ID
    assert slack_standin.messages(SANDBOX_CHANNEL_ID) == []


async def test_standin_unfurl_records_parsed_unfurls_from_json_and_form(
    slack_standin: SlackStandIn, slack_web_client: AsyncWebClient
) -> None:
    await slack_web_client.chat_unfurl(channel=SANDBOX_CHANNEL_ID, ts="1700000000.000100", unfurls=UNFURL)
    form = {"unfurl_id": "U1-abc", "source": "composer", "unfurls": json.dumps(UNFURL)}
    await slack_web_client.api_call("chat.unfurl", data=form)

    calls = slack_standin.calls_to("chat.unfurl")
    assert [c.body["unfurls"] for c in calls] == [UNFURL, UNFURL]
    assert calls[1].headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert set(slack_standin.unfurls) == {f"{SANDBOX_CHANNEL_ID}:1700000000.000100", "U1-abc"}


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"unfurls": UNFURL}, "missing_channel"),
        ({"channel": SANDBOX_CHANNEL_ID, "unfurls": UNFURL}, "missing_ts"),
        ({"channel": COMPOSER_CHANNEL, "ts": "1.2", "unfurls": UNFURL}, "cannot_find_channel"),
        ({"source": "composer", "unfurls": UNFURL}, "missing_unfurl_id"),
        ({"unfurl_id": "U1-abc", "unfurls": UNFURL}, "missing_source"),
        ({"channel": SANDBOX_CHANNEL_ID, "ts": "1.2", "unfurls": {SESSION_URL: "text"}}, "invalid_unfurls_format"),
        ({"channel": SANDBOX_CHANNEL_ID, "ts": "1.2", "unfurls": "{not json"}, "invalid_unfurls_format"),
        ({"channel": SANDBOX_CHANNEL_ID, "ts": "1.2"}, "missing_unfurls"),
    ],
)
async def test_standin_unfurl_rejects_bad_targets_and_formats(
    slack_web_client: AsyncWebClient, params: dict[str, Any], error: str
) -> None:
    data = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
    assert await _error_of(slack_web_client.api_call("chat.unfurl", data=data)) == error


async def test_standin_views_open_update_publish(slack_standin: SlackStandIn, slack_web_client: AsyncWebClient) -> None:
    modal = {"type": "modal", "callback_id": "details", "title": {"type": "plain_text", "text": "T"}, "blocks": []}
    opened = await slack_web_client.views_open(trigger_id="1.2.abc", view=modal)
    view_id = opened["view"]["id"]
    assert view_id.startswith("V") and opened["view"]["callback_id"] == "details"
    assert await _error_of(slack_web_client.views_open(trigger_id="1.2.abc", view=modal)) == "exchanged_trigger_id"
    assert await _error_of(slack_web_client.api_call("views.open", json={"view": modal})) == "invalid_arguments"

    updated = await slack_web_client.views_update(view_id=view_id, view={**modal, "private_metadata": "m"})
    assert updated["view"]["id"] == view_id and slack_standin.views[view_id]["private_metadata"] == "m"
    published = await slack_web_client.views_publish(user_id=REGULAR_USER_ID, view={"type": "home", "blocks": []})
    assert slack_standin.home_views[REGULAR_USER_ID]["id"] == published["view"]["id"]


async def test_standin_conversations_info_reports_channel_kinds(slack_web_client: AsyncWebClient) -> None:
    shared = (await slack_web_client.conversations_info(channel=SHARED_CHANNEL_ID))["channel"]
    outside = (await slack_web_client.conversations_info(channel=NOT_MEMBER_CHANNEL_ID))["channel"]
    archived = (await slack_web_client.conversations_info(channel=ARCHIVED_CHANNEL_ID))["channel"]
    assert (shared["is_ext_shared"], shared["is_member"], shared["is_private"]) == (True, True, False)
    assert (outside["is_member"], archived["is_archived"]) == (False, True)
    assert await _error_of(slack_web_client.conversations_info(channel="C0NOSUCHCHAN")) == "channel_not_found"


async def test_standin_users_info_reports_roles(slack_web_client: AsyncWebClient) -> None:
    regular = (await slack_web_client.users_info(user=REGULAR_USER_ID))["user"]
    admin = (await slack_web_client.users_info(user=ADMIN_USER_ID))["user"]
    owner = (await slack_web_client.users_info(user=OWNER_USER_ID))["user"]
    assert (regular["is_admin"], admin["is_admin"], owner["is_owner"]) == (False, True, True)
    assert regular["team_id"] == SANDBOX_TEAM_ID and regular["profile"]["email"] == "user@example.com"
    assert await _error_of(slack_web_client.users_info(user="U0NOBODY")) == "user_not_found"


async def test_standin_apps_connections_open_needs_app_token(
    slack_standin: SlackStandIn, slack_web_client: AsyncWebClient
) -> None:
    response = await slack_web_client.apps_connections_open(app_token=SANDBOX_APP_TOKEN)
    assert response["url"] == slack_standin.url.replace("http://", "ws://") + "/socket"
    error = await _error_of(slack_web_client.apps_connections_open(app_token=SANDBOX_BOT_TOKEN))
    assert error == "not_allowed_token_type"


async def test_standin_unknown_method(slack_web_client: AsyncWebClient) -> None:
    assert await _error_of(slack_web_client.api_call("chat.doesNotExist")) == "unknown_method"


# ---- fault injection --------------------------------------------------------------------------------


async def test_standin_rate_limit_is_retried_by_sdk_handler(slack_standin: SlackStandIn) -> None:
    client = AsyncWebClient(
        token=SANDBOX_BOT_TOKEN,
        base_url=slack_standin.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack_standin.fail("chat.postMessage", retry_after=0)
    response = await client.chat_postMessage(channel=SANDBOX_CHANNEL_ID, text="alert")
    attempts = slack_standin.calls_to("chat.postMessage")
    assert response["ok"] and [c.status for c in attempts] == [429, 200]
    assert attempts[0].response == {"ok": False, "error": "ratelimited"}


async def test_standin_rate_limit_surfaces_retry_after_without_handler(
    slack_standin: SlackStandIn, slack_web_client: AsyncWebClient
) -> None:
    slack_standin.fail("chat.update", retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        await slack_web_client.chat_update(channel=SANDBOX_CHANNEL_ID, ts="1.2", text="x")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "7"


async def test_standin_server_error_is_retried_by_sdk_handler(slack_standin: SlackStandIn) -> None:
    client = AsyncWebClient(
        token=SANDBOX_BOT_TOKEN,
        base_url=slack_standin.api_url,
        # A fixed short interval keeps the test fast; the default backoff would wait ~1.5 s.
        retry_handlers=[
            AsyncServerErrorRetryHandler(max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0.01))
        ],
    )
    slack_standin.fail("conversations.info", status=503, times=2)
    response = await client.conversations_info(channel=SANDBOX_CHANNEL_ID)
    assert response["channel"]["id"] == SANDBOX_CHANNEL_ID
    assert [c.status for c in slack_standin.calls_to("conversations.info")] == [503, 503, 200]


async def test_standin_injected_error_raises_and_then_recovers(
    slack_standin: SlackStandIn, slack_web_client: AsyncWebClient
) -> None:
    slack_standin.fail("chat.unfurl", error="cannot_unfurl_url")
    unfurl = {"channel": SANDBOX_CHANNEL_ID, "ts": "1.2", "unfurls": UNFURL}
    assert await _error_of(slack_web_client.chat_unfurl(**unfurl)) == "cannot_unfurl_url"
    assert (await slack_web_client.chat_unfurl(**unfurl))["ok"]


async def test_standin_latency_delays_answers(slack_standin: SlackStandIn, slack_web_client: AsyncWebClient) -> None:
    slack_standin.latency("auth.test", 0.2)
    started = time.perf_counter()
    await slack_web_client.auth_test()
    assert time.perf_counter() - started >= 0.2


# ---- awaiting calls ---------------------------------------------------------------------------------


async def test_standin_wait_for_awaits_concurrent_call(
    slack_standin: SlackStandIn, slack_web_client: AsyncWebClient
) -> None:
    task = asyncio.create_task(slack_web_client.chat_postMessage(channel=SANDBOX_CHANNEL_ID, text="later"))
    calls = await slack_standin.wait_for("chat.postMessage", predicate=lambda c: c.body.get("text") == "later")
    await task
    assert calls[0].ok and calls[0].body["channel"] == SANDBOX_CHANNEL_ID


async def test_standin_wait_for_timeout_lists_recorded_calls(
    slack_standin: SlackStandIn, slack_web_client: AsyncWebClient
) -> None:
    await slack_web_client.auth_test()
    with pytest.raises(AssertionError) as caught:
        await slack_standin.wait_for("chat.unfurl", timeout=0.05)
    message = str(caught.value)
    assert "expected 1 matching call(s) to chat.unfurl" in message and "auth.test status=200" in message


async def test_standin_clear_forgets_calls_and_messages(
    slack_standin: SlackStandIn, slack_web_client: AsyncWebClient
) -> None:
    await slack_web_client.chat_postMessage(channel=SANDBOX_CHANNEL_ID, text="x")
    slack_standin.clear()
    assert slack_standin.calls == [] and slack_standin.messages(SANDBOX_CHANNEL_ID) == []


# ---- response_url hooks -----------------------------------------------------------------------------


async def test_standin_response_url_allows_five_uses(slack_standin: SlackStandIn) -> None:
    webhook = AsyncWebhookClient(slack_standin.response_url("cmd-1"))
    statuses = [(await webhook.send(text=f"reply {n}", response_type="ephemeral")).status_code for n in range(6)]
    sixth = slack_standin.calls_to("response_url")[-1]
    assert statuses == [200] * 5 + [404]
    assert (sixth.response, sixth.hook, sixth.body["text"]) == ("used_url", "cmd-1", "reply 5")


async def test_standin_response_url_fault_injection(slack_standin: SlackStandIn) -> None:
    slack_standin.fail("response_url", status=500)
    webhook = AsyncWebhookClient(slack_standin.response_url())
    first, second = await webhook.send(text="a"), await webhook.send(text="b")
    assert (first.status_code, second.status_code, second.body) == (500, 200, "ok")


# ---- signing ----------------------------------------------------------------------------------------


def test_sign_matches_slack_sdk_verifier() -> None:
    body = b"token=x&text=devin-0123"
    headers = sign(SANDBOX_SIGNING_SECRET, body)
    verifier = SignatureVerifier(SANDBOX_SIGNING_SECRET)
    assert verifier.is_valid(body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    assert not verifier.is_valid(body + b"x", headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    fixed = sign(SANDBOX_SIGNING_SECRET, body, timestamp=1700000000)
    assert fixed["X-Slack-Signature"] == verifier.generate_signature(timestamp="1700000000", body=body)


# ---- Bolt end to end: HTTP mode and Socket Mode ------------------------------------------------------


def _bolt_app(standin: SlackStandIn, seen: dict[str, Any]) -> AsyncApp:
    app = AsyncApp(
        client=AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=standin.api_url),
        signing_secret=SANDBOX_SIGNING_SECRET,
    )

    @app.command("/devin-insights")
    async def on_command(ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack(text=f"working on {command['text']}")
        await respond(text="done", response_type="ephemeral")

    @app.event("link_shared")
    async def on_link_shared(event: dict[str, Any], client: AsyncWebClient, request: Any) -> None:
        seen["retry_num"] = request.headers.get("x-slack-retry-num")  # Bolt keeps header values as lists
        unfurls = {link["url"]: UNFURL[SESSION_URL] for link in event["links"]}
        await client.chat_unfurl(unfurl_id=event["unfurl_id"], source=event["source"], unfurls=unfurls)

    @app.action("session.refresh")
    async def on_action(ack: Any, action: dict[str, Any], respond: Any) -> None:
        await ack()
        await respond(text=f"refreshed {action['value']}", replace_original=True)

    return app


@pytest.fixture
async def bolt_http(slack_standin: SlackStandIn) -> AsyncIterator[tuple[SlackRequestSender, dict[str, Any]]]:
    seen: dict[str, Any] = {}
    runner = web.AppRunner(_bolt_app(slack_standin, seen).web_app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    try:
        async with SlackRequestSender(f"http://{host}:{port}", SANDBOX_SIGNING_SECRET) as sender:
            yield sender, seen
    finally:
        await runner.cleanup()


async def test_sender_command_reaches_bolt_and_respond_reaches_hook(
    slack_standin: SlackStandIn, bolt_http: tuple[SlackRequestSender, dict[str, Any]]
) -> None:
    sender, _ = bolt_http
    url = slack_standin.response_url("cmd")
    fields = slash_command("devin-0123", response_url=url, user_id=REGULAR_USER_ID, channel_id=SANDBOX_CHANNEL_ID)
    result = await sender.command(fields)
    assert (result.status, result.body) == (200, "working on devin-0123")  # Bolt acks bare text as text/plain
    assert 0 < result.elapsed < 3
    hook = await slack_standin.wait_for("response_url")
    assert (hook[0].hook, hook[0].body["text"]) == ("cmd", "done")


async def test_sender_bad_signature_is_rejected_by_bolt(bolt_http: tuple[SlackRequestSender, dict[str, Any]]) -> None:
    sender, _ = bolt_http
    unsigned = await sender.post(b"command=%2Fdevin-insights", "application/x-www-form-urlencoded", sign=False)
    stale = await sender.post(b"command=%2Fdevin-insights", "application/x-www-form-urlencoded", timestamp=1)
    assert (unsigned.status, stale.status) == (401, 401)


async def test_sender_composer_link_shared_event_unfurls_by_id(
    slack_standin: SlackStandIn, bolt_http: tuple[SlackRequestSender, dict[str, Any]]
) -> None:
    sender, seen = bolt_http
    body = link_shared_event([SESSION_URL], channel=COMPOSER_CHANNEL, user=REGULAR_USER_ID, message_ts="Uxxx-1")
    result = await sender.event(body, retry_num=1, retry_reason="http_timeout")
    calls = await slack_standin.wait_for("chat.unfurl")
    assert result.status == 200 and seen["retry_num"] == ["1"]
    assert body["event"]["links"] == [{"domain": "app.devin.ai", "url": SESSION_URL}]
    assert calls[0].ok and calls[0].body["unfurl_id"] == body["event"]["unfurl_id"]
    assert calls[0].body["source"] == "composer" and calls[0].body["unfurls"] == UNFURL


async def test_sender_block_action_reaches_bolt(
    slack_standin: SlackStandIn, bolt_http: tuple[SlackRequestSender, dict[str, Any]]
) -> None:
    sender, _ = bolt_http
    payload = block_action(
        "session.refresh",
        "devin-0123",
        user_id=REGULAR_USER_ID,
        channel_id=SANDBOX_CHANNEL_ID,
        response_url=slack_standin.response_url(),
        message_ts="1700000000.000100",
    )
    result = await sender.action(payload)
    hook = await slack_standin.wait_for("response_url")
    assert result.status == 200
    assert hook[0].body == {"text": "refreshed devin-0123", "replace_original": True}


async def test_standin_socket_mode_round_trip(slack_standin: SlackStandIn) -> None:
    handler = AsyncSocketModeHandler(_bolt_app(slack_standin, {}), app_token=SANDBOX_APP_TOKEN)
    try:
        await handler.connect_async()
        await slack_standin.socket.wait_connected()
        fields = slash_command(
            "devin-0123",
            response_url=slack_standin.response_url("socket"),
            user_id=REGULAR_USER_ID,
            channel_id=SANDBOX_CHANNEL_ID,
        )
        ack = await slack_standin.socket.send_envelope("slash_commands", dict(fields))
        hook = await slack_standin.wait_for("response_url")
        event = link_shared_event([SESSION_URL], channel=COMPOSER_CHANNEL, user=REGULAR_USER_ID, message_ts="U-1")
        event_ack = await slack_standin.socket.send_envelope("events_api", event)
        unfurl = await slack_standin.wait_for("chat.unfurl")
    finally:
        await handler.close_async()
    assert ack["payload"] == {"text": "working on devin-0123"}
    assert hook[0].hook == "socket"
    assert list(event_ack) == ["envelope_id"]  # Bolt acks events with no payload
    assert unfurl[0].body["unfurl_id"] == event["event"]["unfurl_id"]
    assert slack_standin.calls_to("apps.connections.open")[0].ok
