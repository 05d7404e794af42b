"""The command line beyond `demo` and `check`: preview, sandbox, and run's configuration errors."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.cli.preview import PreviewError, render_preview
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.devin_seed import SEED_OUT_OF_CREDITS, SEED_WITH_ANALYSIS, UNKNOWN_SESSION_ID
from bot.sandbox.serve import sandbox_settings


@pytest.mark.parametrize(("kind", "expected"), [("card", "Details"), ("unfurl", "ACUs"), ("alert", "What to do")])
async def test_preview_renders_each_kind_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, expected: str
) -> None:
    async with DevinSimulator() as devin:
        settings = sandbox_settings(devin.url, "http://127.0.0.1:9/api/", f"sqlite:///{tmp_path}/s.db")
        session = SEED_WITH_ANALYSIS if kind != "alert" else SEED_OUT_OF_CREDITS
        await render_preview(settings, f"https://app.devin.ai/sessions/{session[6:]}", kind=kind, as_json=True)
    payload = json.loads(capsys.readouterr().out)
    assert payload["blocks"] and expected in json.dumps(payload)
    assert ("text" in payload) == (kind != "unfurl")


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
