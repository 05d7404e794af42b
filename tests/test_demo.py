"""`devin-insights demo`, run exactly as a newcomer would: the installed console script, no configuration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

DEMO_BUDGET_SECONDS = 30


def _console_script() -> str:
    script = Path(sys.executable).with_name("devin-insights")
    assert script.exists(), "the devin-insights console script is installed with the package"
    return str(script)


def _demo_processes() -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if any(arg.endswith(b"devin-insights") for arg in args) and b"demo" in args:
            found.append(cmdline.parent.name)
    return found


def _run_demo(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {"PATH": os.environ.get("PATH", ""), "TMPDIR": str(scratch), "COLUMNS": "100", "HOME": str(tmp_path)}
    started = time.monotonic()
    result = subprocess.run(
        [_console_script(), "demo", *args], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=DEMO_BUDGET_SECONDS + 30,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert list(scratch.iterdir()) == [], "the demo removes every temporary file it made"
    assert not (tmp_path / "devin-insights.db").exists(), "the demo never writes a store in the working directory"
    return result, elapsed


@pytest.mark.slow
def test_demo_plays_the_whole_scenario_and_cleans_up(tmp_path: Path) -> None:
    result, elapsed = _run_demo(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert elapsed < DEMO_BUDGET_SECONDS
    out = result.stdout
    assert "Fix 500 on refund endpoint" in out  # the looked-up session's card
    assert "Generate insights" in out and "Generating insights" in out
    assert "Link preview of https://app.devin.ai/sessions/" in out  # the unfurl
    assert "suspended" in out.lower() and "out of credits" in out.lower()  # the alert
    assert "Resolved" in out and "thread reply" in out  # its resolution
    assert "block-kit-builder" in out
    assert "Traceback" not in result.stderr and "ERROR" not in result.stderr
    assert _demo_processes() == []


@pytest.mark.slow
def test_demo_json_prints_block_kit_payloads(tmp_path: Path) -> None:
    result, _ = _run_demo(tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    decoder, text, records = json.JSONDecoder(), result.stdout, []
    position = 0
    while (start := text.find("{", position)) != -1:
        record, position = decoder.raw_decode(text, start)
        records.append(record)
    steps = [record["step"] for record in records]
    assert steps == [
        "lookup",
        "no-analysis",
        "generating",
        "generated",
        "unfurl",
        "alert",
        "alert-resolved",
        "alert-thread",
    ]
    for record in records:
        assert record["payload"]["blocks"] and record["block_kit_builder"].startswith("https://app.slack.com/")
