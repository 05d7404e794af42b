"""Secrets never reach a log line: the redacting filter on every record shape, and the whole app at DEBUG level."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest
from aiohttp import web

from bot.app import create_app
from bot.config import Settings
from bot.devin.client import DevinClient
from bot.ids import ActionId
from bot.logs import (
    LIBRARIES_KEPT_AT_INFO,
    LOG_FORMAT,
    REDACTED,
    ExtrasFormatter,
    OwnDebugFilter,
    RedactingFilter,
    configure_logging,
    redact,
)
from bot.sandbox import SANDBOX_CHANNEL_ID, SANDBOX_ORG_ID
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.devin_seed import SEED_RUNNING, SEED_WITH_ANALYSIS
from bot.sandbox.slack_api import REGULAR_USER_ID, SlackStandIn
from bot.sandbox.slack_requests import SlackRequestSender, block_action, link_shared_event, new_ts, slash_command
from tests.fixtures_app import FAST_INSIGHTS, TEST_RETRY, running_app

BOT_TOKEN = "xoxb-7201384756-4412098765432-HardeningBotTokenQx7Zp2"
USER_TOKEN = "xoxp-7201384756-4412098765432-4412098765433-0f9e8d7c6b5a49382716aabbccddeeff"
APP_TOKEN = "xapp-1-A0HARDENING-4412098765432-5c1e9a7d20b84f3e9d6a4b2c8e1f0a37aa"
SIGNING_SECRET = "8f14e45fceea167a5a36dedd4bea2543"
"""Slack signing secrets are 32 hex digits: no shape to match, so only the known value can be redacted."""
DEVIN_KEY = "cog_HardeningDevinKey_5e8d2b7a9c1f4e3d"
DEVIN_USER_KEY = "apk_user_ZGV2aW4taGFyZGVuaW5n_4b7c9e1a2d3f"
DEVIN_LEGACY_KEY = "apk_9a8b7c6d5e4f3a2b1c0d"
BEARER_VALUE = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJoYXJkZW5pbmcifQ.c2lnbmF0dXJl"
KNOWN_SECRETS = [BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, DEVIN_KEY]
SECRETS = {
    "xoxb": (BOT_TOKEN, BOT_TOKEN),
    "xoxp": (USER_TOKEN, USER_TOKEN),
    "xapp": (APP_TOKEN, APP_TOKEN),
    "signing secret": (SIGNING_SECRET, SIGNING_SECRET),
    "cog": (DEVIN_KEY, DEVIN_KEY),
    "apk_user": (DEVIN_USER_KEY, DEVIN_USER_KEY),
    "apk": (DEVIN_LEGACY_KEY, DEVIN_LEGACY_KEY),
    "bearer": (f"Bearer {BEARER_VALUE}", BEARER_VALUE),
}
"""kind → (the text that is logged, the part that must never appear)."""


class Boom(Exception):
    """An exception whose message carries whatever it is given."""


def _raise_and_log(log: logging.Logger, build: Callable[[], BaseException]) -> None:
    try:
        raise build()
    except Exception:
        log.exception("operation.failed")


def _chained(secret: str) -> BaseException:
    try:
        try:
            raise Boom(f"inner {secret}")
        except Boom as inner:
            raise RuntimeError("outer wrapper") from inner
    except RuntimeError as outer:
        return outer


def _implicit(secret: str) -> BaseException:
    try:
        try:
            raise Boom(f"during handling {secret}")
        except Boom:
            raise RuntimeError("while handling the first error")  # noqa: B904 - the implicit context is the point
    except RuntimeError as second:
        return second


def _noted(secret: str) -> BaseException:
    error = Boom("with a note")
    error.add_note(f"request headers: Authorization={secret}")
    return error


def _exc_info_instance(log: logging.Logger, secret: str) -> None:
    try:
        raise Boom(f"handed over {secret}")
    except Boom as error:
        caught = error
    log.error("app.unhandled_error", exc_info=caught)  # how the @app.error handler logs


PLACES: dict[str, Callable[[logging.Logger, str], None]] = {
    "message": lambda log, s: log.warning(f"token {s} pasted"),
    "%s argument": lambda log, s: log.warning("token %s pasted", s),
    "%r argument": lambda log, s: log.warning("headers %r", {"Authorization": s}),
    "mapping argument": lambda log, s: log.warning("token %(token)s", {"token": s}),
    "non-str message": lambda log, s: log.warning({"token": s}),
    "extra str": lambda log, s: log.warning("slack.request", extra={"header": f"Authorization: {s}"}),
    "extra dict": lambda log, s: log.warning("slack.response", extra={"response": {"token": s, "ok": False}}),
    "extra list": lambda log, s: log.warning("slack.response", extra={"tokens": [s]}),
    "extra exception": lambda log, s: log.warning("devin.failed", extra={"error": Boom(s)}),
    "exception": lambda log, s: _raise_and_log(log, lambda: Boom(f"bad credentials {s}")),
    "chained exception": lambda log, s: _raise_and_log(log, lambda: _chained(s)),
    "implicit context": lambda log, s: _raise_and_log(log, lambda: _implicit(s)),
    "exception note": lambda log, s: _raise_and_log(log, lambda: _noted(s)),
    "exc_info instance": _exc_info_instance,
}


@contextmanager
def captured(secrets: list[str] | None = None) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A private logger whose one handler formats like production, behind the redacting filter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(ExtrasFormatter(LOG_FORMAT))
    handler.addFilter(RedactingFilter(KNOWN_SECRETS if secrets is None else secrets))
    # A fresh name each time: pytest attaches its capture handlers to existing non-propagating loggers.
    log = logging.getLogger(f"tests.hardening.redaction.{uuid.uuid4().hex}")
    log.propagate = False
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)
    try:
        yield log, stream
    finally:
        log.removeHandler(handler)


@pytest.mark.parametrize("place", list(PLACES))
def test_redacting_filter_removes_every_secret_wherever_it_appears(place: str) -> None:
    for kind, (logged, forbidden) in SECRETS.items():
        with captured() as (log, stream):
            PLACES[place](log, logged)
        output = stream.getvalue()
        assert output.strip(), "nothing was logged"
        assert forbidden not in output, f"{kind} leaked: {output}"
        assert REDACTED in output


def test_redacting_filter_keeps_the_rest_of_the_record() -> None:
    with captured() as (log, stream):
        log.warning("devin.request.failed %s", "GET /v3/self", extra={"status": 401, "token": BOT_TOKEN})
    line = stream.getvalue()
    assert "devin.request.failed GET /v3/self" in line and "status=401" in line and f"token='{REDACTED}'" in line


def test_redacting_filter_survives_a_bad_format_call() -> None:
    """A mistake in a rarely used log call must not turn into an exception in the code that logs."""
    with captured() as (log, stream):
        log.warning("two placeholders %s %s, one argument", DEVIN_KEY)
        log.warning("after the bad call")
    output = stream.getvalue()
    assert DEVIN_KEY not in output and "after the bad call" in output


def test_redacting_filter_ignores_empty_and_tiny_known_secrets() -> None:
    with captured(["", "abc"]) as (log, stream):
        log.warning("abc stays, %s goes", BOT_TOKEN)
    assert stream.getvalue().endswith(f" abc stays, {REDACTED} goes\n")


@pytest.mark.parametrize(("kind", "pair"), list(SECRETS.items()))
def test_redact_replaces_token_shapes_without_knowing_them(kind: str, pair: tuple[str, str]) -> None:
    logged, forbidden = pair
    if kind == "signing secret":
        assert redact(f"x {logged} y", [logged]) == f"x {REDACTED} y"
        return
    assert forbidden not in redact(f"x {logged} y") and REDACTED in redact(f"x {logged} y")


def test_redact_leaves_ordinary_text_alone() -> None:
    text = "GET /v3/organizations/org-5c1e/sessions/devin-3f9c2a7be14d4c0f9a61d2e8b7c45a90 cog xox apk"
    assert redact(text, KNOWN_SECRETS) == text


# --- configure_logging and the whole app ------------------------------------------------------------


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging replaces the root handlers and sets levels; put everything back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    names = ("apscheduler", "aiohttp.access", "httpx", "httpcore", *LIBRARIES_KEPT_AT_INFO)
    noisy = {name: logging.getLogger(name).level for name in names}
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name, old in noisy.items():
            logging.getLogger(name).setLevel(old)


def test_configure_logging_redacts_every_logger(capsys: pytest.CaptureFixture[str], restore_logging: None) -> None:
    configure_logging("DEBUG", secrets=KNOWN_SECRETS)
    for name in (
        "bot.listeners.error_handler",
        "slack_bolt.AsyncApp",
        "slack_sdk.web.async_base_client",
        "aiohttp.server",
    ):
        logging.getLogger(name).error("%s saw %s and %s", name, SIGNING_SECRET, f"Bearer {BEARER_VALUE}")
    err = capsys.readouterr().err
    assert err.count(REDACTED) == 8
    assert SIGNING_SECRET not in err and BEARER_VALUE not in err


@asynccontextmanager
async def app_with_secrets(
    tmp_path: Any,
) -> AsyncIterator[tuple[Any, DevinSimulator, SlackStandIn, SlackRequestSender]]:
    """The app in HTTP mode with distinctive secrets (the shared fixture uses the sandbox's)."""
    devin = DevinSimulator(api_key=DEVIN_KEY, insights_delay=0.2)
    slack = SlackStandIn(bot_token=BOT_TOKEN, app_token=APP_TOKEN)
    await devin.start()
    await slack.start()
    settings = Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url,
        devin_api_key=DEVIN_KEY,
        devin_org_id=SANDBOX_ORG_ID,
        devin_api_url=devin.url,
        database_url=f"sqlite:///{tmp_path}/store.db",
    )
    client = DevinClient.create(api_url=devin.url, api_key=DEVIN_KEY, org_id=SANDBOX_ORG_ID, retry=TEST_RETRY)
    app = create_app(settings, devin=client, insights_timing=FAST_INSIGHTS)
    runner = web.AppRunner(app.web_application(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    sender = SlackRequestSender(f"http://127.0.0.1:{runner.addresses[0][1]}", SIGNING_SECRET)
    try:
        yield app, devin, slack, sender
    finally:
        await sender.aclose()
        await runner.cleanup()
        await slack.stop()
        await devin.stop()


async def _command(slack: SlackStandIn, sender: SlackRequestSender, text: str) -> None:
    hook = slack.response_url()
    payload = slash_command(text, response_url=hook, user_id=REGULAR_USER_ID, channel_id=SANDBOX_CHANNEL_ID)
    assert (await sender.command(payload)).status == 200
    await slack.wait_for("response_url", predicate=lambda c: c.hook == hook.rsplit("/", 1)[-1])


async def test_app_logs_no_secret_end_to_end(
    tmp_path: Any, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure_logging("DEBUG", secrets=KNOWN_SECRETS)
    hex_id = SEED_WITH_ANALYSIS.removeprefix("devin-")
    baited_link = f"https://app.devin.ai/sessions/{hex_id}?token={DEVIN_KEY}&slack={BOT_TOKEN}"
    async with app_with_secrets(tmp_path) as (_, devin, slack, sender):
        await _command(slack, sender, SEED_WITH_ANALYSIS)
        await _command(slack, sender, f"{BOT_TOKEN} {DEVIN_KEY} {SIGNING_SECRET}")  # pasted by mistake
        await sender.event(
            link_shared_event([baited_link], channel=SANDBOX_CHANNEL_ID, user=REGULAR_USER_ID, message_ts=new_ts())
        )
        (unfurl,) = await slack.wait_for("chat.unfurl")
        assert unfurl.ok

        slack.bot_tokens = {"xoxb-rotated-0000000000-elsewhere"}  # Slack now answers invalid_auth
        share = block_action(
            ActionId.SHARE_IN_CHANNEL,
            SEED_WITH_ANALYSIS,
            user_id=REGULAR_USER_ID,
            channel_id=SANDBOX_CHANNEL_ID,
            response_url=slack.response_url(),
        )
        await sender.action(share)
        (refused,) = await slack.wait_for(
            "chat.postMessage", predicate=lambda c: c.body["channel"] == SANDBOX_CHANNEL_ID
        )
        assert refused.response["error"] == "invalid_auth"

        port = int(devin.url.rsplit(":", 1)[1])
        await devin.stop()
        wrong_key = DevinSimulator(api_key="cog_the_key_devin_expects_instead", insights_delay=0.2)
        await wrong_key.start(port=port)
        try:
            await _command(slack, sender, SEED_WITH_ANALYSIS)
            assert wrong_key.requests, "the app never reached the simulator with the wrong key"
        finally:
            await wrong_key.stop()
    err = capsys.readouterr().err
    assert REDACTED in err, "the baits (a pasted token, a key in a link) were never logged, so nothing was tested"
    for event in ("unfurl.sent", "action.share.failed", "devin.request.failed", "command.lookup.failed"):
        assert event in err, f"{event} was not logged, so the scenario did not run as intended"
    for secret in (*KNOWN_SECRETS, BEARER_VALUE):
        assert secret not in err, f"a secret reached the log: …{secret[-6:]}"


TITLE_MARK = "Zebra-quartz title 7f3a"


def _in_channel(call: Any) -> bool:
    """A successful post in the channel (the creators' DMs go to their user ids)."""
    return bool(call.ok and call.body["channel"] == SANDBOX_CHANNEL_ID)


async def test_debug_logs_never_contain_session_titles_or_message_bodies(
    tmp_path: Any, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure_logging("DEBUG", secrets=KNOWN_SECRETS)
    async with running_app(tmp_path, with_alerts=True, alert_channel=SANDBOX_CHANNEL_ID, alert_poll_seconds=1) as app:
        app.devin.update_session(SEED_WITH_ANALYSIS, title=TITLE_MARK)
        _, hook = await app.command(SEED_WITH_ANALYSIS)  # the card: a response_url body
        (card,) = await app.responses(hook)
        assert TITLE_MARK in json.dumps(card)
        _, share_hook = await app.click(ActionId.SHARE_IN_CHANNEL, SEED_WITH_ANALYSIS)  # chat.postMessage
        (shared,) = await app.slack.wait_for("chat.postMessage", predicate=_in_channel)
        assert TITLE_MARK in json.dumps(shared.body)
        app.devin.update_session(SEED_RUNNING, title=TITLE_MARK, status="suspended", status_detail="out_of_credits")
        await app.slack.wait_for("chat.postMessage", count=2, timeout=10, predicate=_in_channel)  # the alert
        await app.settle()
    err = capsys.readouterr().err
    assert "alerts.sent" in err and "store.migrated" in err, "the scenario did not run as intended"
    assert TITLE_MARK not in err, "a session title reached the DEBUG log"
    assert '"blocks"' not in err and "'blocks'" not in err, "a message body reached the DEBUG log"


def test_own_debug_records_pass_and_library_debug_records_do_not() -> None:
    keep = OwnDebugFilter()

    def record(name: str, level: int) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, "x", None, None)

    assert keep.filter(record("bot.devin.client", logging.DEBUG))
    assert keep.filter(record("bot", logging.DEBUG))
    assert not keep.filter(record("botany", logging.DEBUG))
    assert not keep.filter(record("slack_sdk.web.async_base_client", logging.DEBUG))
    assert not keep.filter(record("aiosqlite", logging.DEBUG))
    assert keep.filter(record("slack_sdk.web.async_base_client", logging.INFO))
