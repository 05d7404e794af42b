"""The log lines an operator relies on: listening and stopping, a port in use, rejected signatures, alert
resolutions, Bolt's multi-line suggestions as one line, DEBUG about this app only, and `LOG_FORMAT=json`."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import sys
from pathlib import Path

import httpx
import pytest

from bot.ids import SLASH_COMMAND
from bot.logs import configure_logging
from bot.sandbox import SANDBOX_APP_TOKEN, SANDBOX_CHANNEL_ID, SANDBOX_SIGNING_SECRET
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.devin_seed import SEED_RUNNING
from bot.sandbox.slack_api import REGULAR_USER_ID, SlackStandIn
from bot.sandbox.slack_requests import block_action, sign
from tests.app_process import AppProcess, app_env
from tests.fixtures_app import running_app
from tests.test_logs import restore_logging

__all__ = ["restore_logging"]  # the fixture, used by name


def test_multi_line_messages_become_one_line(capsys: pytest.CaptureFixture[str], restore_logging: None) -> None:
    configure_logging("INFO")
    logging.getLogger("slack_bolt.AsyncApp").warning("Unhandled request\n---\n[Suggestion] add:\n\n  @app.action()")
    (line,) = capsys.readouterr().err.splitlines()
    assert "WARNING slack_bolt.AsyncApp Unhandled request ⏎ --- ⏎ [Suggestion] add: ⏎ @app.action()" in line


def test_json_format_is_one_object_per_line(capsys: pytest.CaptureFixture[str], restore_logging: None) -> None:
    configure_logging("INFO", log_format="json")
    logging.getLogger("bot.alerts.poller").info("alerts.resolved", extra={"session_id": "devin-1", "episode": 2})
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("bot.app").exception("app.unhandled_error")
    first, second = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert first["event"] == "alerts.resolved" and first["level"] == "INFO" and first["logger"] == "bot.alerts.poller"
    assert (first["session_id"], first["episode"]) == ("devin-1", 2) and first["ts"].endswith("+00:00")
    assert second["event"] == "app.unhandled_error" and "ValueError: boom" in second["exception"]


def test_debug_is_about_this_app_not_its_libraries(capsys: pytest.CaptureFixture[str], restore_logging: None) -> None:
    configure_logging("DEBUG")
    logging.getLogger("bot.devin.client").debug("devin.request.sent")
    logging.getLogger("aiosqlite").debug("executing SELECT 1")
    logging.getLogger("asyncio").debug("poll took 0.1 ms")
    logging.getLogger("slack_bolt.AsyncApp").debug("Applying listener middleware")
    err = capsys.readouterr().err
    assert "devin.request.sent" in err
    assert "executing SELECT" not in err and "poll took" not in err and "Applying" not in err


async def test_bolt_unhandled_request_is_logged_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure_logging("INFO")
    async with running_app(tmp_path) as app:
        click = block_action("no.such.action", "x", user_id=REGULAR_USER_ID, channel_id=SANDBOX_CHANNEL_ID)
        assert (await app.sender.action(click)).status == 404
    lines = [line for line in capsys.readouterr().err.splitlines() if "Unhandled request" in line]
    assert lines and all(" WARNING slack_bolt" in line and "[Suggestion]" in line for line in lines), lines


async def test_rejected_signature_is_logged_without_the_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.web")
    body = f"command={SLASH_COMMAND}&text=help".encode()
    async with running_app(tmp_path) as app, httpx.AsyncClient() as client:
        headers = sign("not-the-secret-at-all", body)
        response = await client.post(f"{app.url}/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    (record,) = [r for r in caplog.records if r.getMessage() == "slack.request.rejected"]
    assert record.levelname == "WARNING" and record.signed is True and 0 <= record.age_seconds < 60  # type: ignore[attr-defined]
    logged = repr(record.__dict__)
    assert SANDBOX_SIGNING_SECRET not in logged and headers["X-Slack-Signature"] not in logged


async def test_alert_resolution_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.alerts")
    async with running_app(tmp_path, with_alerts=True, alert_channel=SANDBOX_CHANNEL_ID, alert_poll_seconds=1) as app:
        app.devin.set_status(SEED_RUNNING, "suspended", "out_of_credits")
        await app.slack.wait_for("chat.postMessage", timeout=10, predicate=lambda call: call.ok)
        app.devin.set_status(SEED_RUNNING, "running", "working")
        await app.slack.wait_for("chat.update", timeout=10)
    (record,) = [r for r in caplog.records if r.getMessage() == "alerts.resolved"]
    assert record.session_id == SEED_RUNNING and record.reason == "out_of_credits"  # type: ignore[attr-defined]
    assert record.status == "running" and record.suspended_seconds >= 0  # type: ignore[attr-defined]


@pytest.mark.slow
async def test_http_mode_logs_listening_and_stopping(tmp_path: Path) -> None:
    async with DevinSimulator() as devin, SlackStandIn() as slack:
        process = AppProcess(app_env(devin, slack, f"sqlite:///{tmp_path}/s.db"), tmp_path)
        await process.start()
        await process.wait_for_log("app.listening")
        assert await process.stop() == 0
    log = process.log_path.read_text()
    (listening,) = [line for line in log.splitlines() if "app.listening" in line]
    assert "INFO bot.cli.run app.listening host='127.0.0.1'" in listening and f"port={process.port}" in listening
    assert "app.stopping mode='http'" in log and "app.stopped mode='http'" in log
    assert log.index("app.listening") < log.index("app.stopping") < log.index("app.stopped")


@pytest.mark.slow
async def test_a_port_in_use_is_one_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    async with DevinSimulator() as devin, SlackStandIn() as slack:
        with socket.create_server(("127.0.0.1", 0)) as taken:
            port = taken.getsockname()[1]
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", str(port),
                env=app_env(devin, slack, f"sqlite:///{tmp_path}/s.db"), cwd=tmp_path,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 3
    assert err.decode().strip().splitlines() == [
        f"cannot listen on 127.0.0.1:{port}: the port is already in use (set PORT or pass --port to use another)"
    ]
    assert out == b"" and not (tmp_path / "s.db").exists()  # nothing was started


@pytest.mark.slow
async def test_socket_mode_health_port_in_use_is_one_line_too(tmp_path: Path) -> None:
    async with DevinSimulator() as devin, SlackStandIn() as slack:
        env = app_env(devin, slack, f"sqlite:///{tmp_path}/s.db", SLACK_APP_TOKEN=SANDBOX_APP_TOKEN)
        with socket.create_server(("0.0.0.0", 0)) as taken:
            port = taken.getsockname()[1]
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--port", str(port), env=env, cwd=tmp_path,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 3
    assert err.decode().strip().splitlines() == [
        f"cannot listen on 0.0.0.0:{port}: the port is already in use (set PORT or pass --port to use another)"
    ]
    assert not (tmp_path / "s.db").exists()  # refused before the store opened
