"""The command line beyond `demo` and `check`: preview, sandbox, and run's configuration errors."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.cli.preview import PreviewError, render_preview
from bot.sandbox import SANDBOX_APP_TOKEN, SANDBOX_BOT_TOKEN, SANDBOX_CHANNEL_ID
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.devin_seed import (
    SEED_OUT_OF_CREDITS,
    SEED_RUNNING,
    SEED_WITH_ANALYSIS,
    SEED_WITHOUT_ANALYSIS,
    UNKNOWN_SESSION_ID,
)
from bot.sandbox.serve import sandbox_settings
from bot.sandbox.slack_api import REGULAR_USER_ID, SlackCall
from bot.sandbox.slack_feed import describe
from bot.sandbox.slack_requests import link_shared_event, new_ts
from tests.fixtures_app import running_app

LINK = f"https://app.devin.ai/sessions/{SEED_WITH_ANALYSIS.removeprefix('devin-')}"


@pytest.mark.parametrize(("kind", "expected"), [("card", "Details"), ("alert", "What to do")])
async def test_preview_renders_each_kind_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, expected: str
) -> None:
    async with DevinSimulator() as devin:
        settings = sandbox_settings(devin.url, "http://127.0.0.1:9/api/", f"sqlite:///{tmp_path}/s.db")
        session = SEED_WITH_ANALYSIS if kind != "alert" else SEED_OUT_OF_CREDITS
        await render_preview(settings, f"https://app.devin.ai/sessions/{session[6:]}", kind=kind, as_json=True)
    payload = json.loads(capsys.readouterr().out)
    assert payload["blocks"] and expected in json.dumps(payload) and "text" in payload


@pytest.mark.parametrize("work_objects", [True, False])
async def test_preview_unfurl_is_what_the_app_sends_for_a_pasted_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], work_objects: bool
) -> None:
    async with running_app(tmp_path, work_objects=work_objects) as app:
        event = link_shared_event([LINK], channel=SANDBOX_CHANNEL_ID, user=REGULAR_USER_ID, message_ts=new_ts())
        await app.sender.event(event)
        (sent,) = await app.slack.wait_for("chat.unfurl", timeout=10)
        await render_preview(app.settings, LINK, kind="unfurl", as_json=True)
    shown = json.loads(capsys.readouterr().out)
    assert shown["unfurls"] == sent.body["unfurls"]
    assert shown.get("metadata") == sent.body.get("metadata") and ("metadata" in shown) == work_objects


async def test_preview_unfurl_follows_unfurl_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    async with DevinSimulator() as devin:
        base = (devin.url, "http://127.0.0.1:9/api/", f"sqlite:///{tmp_path}/s.db")
        await render_preview(sandbox_settings(*base, unfurl_mode="minimal"), LINK, kind="unfurl", as_json=True)
        minimal = json.loads(capsys.readouterr().out)
        await render_preview(sandbox_settings(*base), LINK, kind="unfurl", as_json=True)
        full = json.loads(capsys.readouterr().out)
        with pytest.raises(PreviewError, match="UNFURL_MODE=off"):
            await render_preview(sandbox_settings(*base, unfurl_mode="off"), LINK, kind="unfurl", as_json=True)
    assert len(json.dumps(minimal["unfurls"])) < len(json.dumps(full["unfurls"]))


@pytest.mark.parametrize("session", [SEED_WITH_ANALYSIS, SEED_RUNNING])
async def test_preview_alert_refuses_a_session_that_is_not_suspended(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], session: str
) -> None:
    async with DevinSimulator() as devin:
        settings = sandbox_settings(devin.url, "http://127.0.0.1:9/api/", f"sqlite:///{tmp_path}/s.db")
        with pytest.raises(PreviewError, match="No alert: this session is .*, not suspended"):
            await render_preview(settings, session, kind="alert", as_json=True)
    assert capsys.readouterr().out == ""  # nothing invented


async def test_preview_alert_uses_the_real_reason_and_says_where_it_goes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with DevinSimulator() as devin:
        settings = sandbox_settings(
            devin.url, "http://127.0.0.1:9/api/", f"sqlite:///{tmp_path}/s.db", alert_channel=SANDBOX_CHANNEL_ID
        )
        await render_preview(settings, SEED_WITHOUT_ANALYSIS, kind="alert", as_json=True)  # suspended: inactivity
        shown = json.loads(capsys.readouterr().out)
        await render_preview(settings, SEED_WITHOUT_ANALYSIS, kind="alert", as_json=False)
        printed = capsys.readouterr().out
    assert "inactiv" in json.dumps(shown).lower() and "credits" not in json.dumps(shown).lower()
    assert "not in ALERT_REASONS" in printed


def test_preview_refuses_conflicting_flags() -> None:
    result = CliRunner().invoke(main, ["preview", SEED_WITH_ANALYSIS, "--unfurl", "--alert"])
    assert result.exit_code == 2 and "--unfurl and --alert" in result.output


async def test_preview_explains_unknown_sessions_and_bad_input(tmp_path: Path) -> None:
    async with DevinSimulator() as devin:
        settings = sandbox_settings(devin.url, "http://127.0.0.1:9/api/", f"sqlite:///{tmp_path}/s.db")
        with pytest.raises(PreviewError, match="couldn't find that Devin session"):
            await render_preview(settings, UNKNOWN_SESSION_ID, kind="card", as_json=False)
        with pytest.raises(PreviewError, match="Not a Devin session link"):
            await render_preview(settings, "https://example.com/x", kind="card", as_json=False)


async def test_sandbox_prints_env_lines_and_stops_on_sigint(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "sandbox",
        env={"PATH": os.environ.get("PATH", "")}, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    lines = []
    while not any("ALERT_CHANNEL=" in line for line in lines):
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        assert line, "sandbox exited early: " + "".join(lines)
        lines.append(line.decode())
    assert any(line.strip().startswith("export DEVIN_API_URL=http://127.0.0.1:") for line in lines)
    process.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(process.wait(), timeout=15) == 0


async def test_run_without_configuration_names_every_missing_variable(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--http",
        env={"PATH": os.environ.get("PATH", ""), "DEVIN_ORG_ID": "acme", "ALERT_POLL_SECONDS": "0"}, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    text = output.decode()
    assert process.returncode == 2
    assert "DEVIN_ORG_ID" in text and "ALERT_POLL_SECONDS" in text
    assert "Traceback" not in text


async def test_run_names_every_missing_setting_in_one_message(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--http",
        env={"PATH": os.environ.get("PATH", "")}, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    text = output.decode()
    assert process.returncode == 2
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DEVIN_API_KEY", "DEVIN_ORG_ID"):
        assert name in text


async def test_sandbox_is_a_development_loop(tmp_path: Path) -> None:
    """Seeded sessions, a Socket Mode token, and every call to the recording Slack shown and served."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "sandbox",
        env={"PATH": os.environ.get("PATH", ""), "PYTHONUNBUFFERED": "1"}, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    try:
        while not lines or "Ctrl-C stops" not in lines[-1]:
            line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
            assert line, "sandbox exited early: " + "".join(lines)
            lines.append(line.decode())
        text = "".join(lines)
        assert SEED_WITH_ANALYSIS in text and "Fix 500 on refund endpoint" in text
        assert f"SLACK_APP_TOKEN={SANDBOX_APP_TOKEN} uv run devin-insights run" in text
        api_url = next(line.split("=", 1)[1].strip() for line in lines if "SLACK_API_URL=" in line)
        feed = next(word for word in lines[-1].split() if word.endswith("/_sandbox/calls."))[:-1]
        async with httpx.AsyncClient() as client:
            posted = await client.post(
                api_url + "chat.postMessage",
                headers={"Authorization": f"Bearer {SANDBOX_BOT_TOKEN}"},
                json={"channel": SANDBOX_CHANNEL_ID, "text": "Devin session suspended"},
            )
            assert posted.json()["ok"]
            shown = b"\n"
            while not shown.strip():  # the guide ends with a blank line
                shown = await asyncio.wait_for(process.stdout.readline(), timeout=10)
            served = (await client.get(feed)).json()
        assert shown.decode().strip() == f"→ chat.postMessage {SANDBOX_CHANNEL_ID}: Devin session suspended"
        assert [call["method"] for call in served] == ["chat.postMessage"] and served[0]["ok"]
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), timeout=15) == 0


def test_sandbox_feed_describes_refusals_hooks_and_unfurls() -> None:
    refused = SlackCall(
        "chat.postMessage", {"channel": "C1", "text": "x"}, {}, 0.0, 200, {"ok": False, "error": "not_in_channel"}
    )
    hook = SlackCall("response_url", {"text": "card", "replace_original": True}, {}, 0.0, 200, "ok", hook="h1")
    unfurl = SlackCall("chat.unfurl", {"channel": "C1", "unfurls": {"https://a": {}}}, {}, 0.0, 200, {"ok": True})
    assert describe(refused) == "✗ chat.postMessage C1: x [refused: not_in_channel]"
    assert describe(hook) == "→ response_url (replace): card"
    assert describe(unfurl) == "→ chat.unfurl C1: previews for https://a"


async def test_run_in_socket_mode_names_every_missing_setting_in_one_message(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        env={"PATH": os.environ.get("PATH", "")}, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    text = output.decode()
    assert process.returncode == 2 and "Traceback" not in text
    for name in ("SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "DEVIN_API_KEY", "DEVIN_ORG_ID"):
        assert f"{name} is not set" in text, text
    assert "SLACK_SIGNING_SECRET is not set" not in text and "devin-insights run --http" in text
    assert list(tmp_path.iterdir()) == []
