"""`devin-insights demo`, run exactly as a newcomer would: the installed console script, no configuration."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from bot.cli.demo import run_demo
from bot.cli.demo_steps import DEMO_STEPS
from bot.cli.terminal import BLOCK_KIT_BUILDER_URL, console
from bot.sandbox.slack_api import REGULAR_USER_ID

DEMO_BUDGET_SECONDS = 30
SURFACES = [
    "card",
    "generate",
    "details",
    "share",
    "unfurl",
    "work-object",
    "alert",
    "storm",
    "snooze",
    "alert-settings",
    "help",
    "home",
    "summary",
    "digest",
    "budget",
]
SHOWN = [
    "lookup",
    "no-analysis",
    "generating",
    "generated",
    "details",
    "share",
    "unfurl",
    "work-object",
    "flexpane",
    "alert",
    "alert-dm",
    "alert-resolved",
    "alert-thread",
    "storm",
    "storm-resolved",
    "snooze-answer",
    "snoozed-alert",
    "snooze-settings",
    "alert-settings",
    "help",
    "home",
    "summary",
    "digest-scheduled",
    "digest",
    "budget",
]
_BUILDER_LINE = re.compile(r"See it as Slack renders it: (\S+)$", re.MULTILINE)
_PANEL_TITLE = re.compile(r"^╭─ (.*?) ─+╮?$", re.MULTILINE)


def _console_script() -> str:
    script = Path(sys.executable).with_name("devin-insights")
    assert script.exists(), "the devin-insights console script is installed with the package"
    return str(script)


def _demo_processes(cwd: Path) -> list[str]:
    """Demo processes started in `cwd` (other test runs on this machine have their own)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
            started_here = (cmdline.parent / "cwd").resolve() == cwd.resolve()
        except OSError:
            continue
        if started_here and any(arg.endswith(b"devin-insights") for arg in args) and b"demo" in args:
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
    assert "link preview" in out  # the unfurl
    assert "suspended" in out.lower() and "out of credits" in out.lower()  # the alert
    assert "Resolved" in out and "thread reply" in out  # its resolution
    alert = out.split("#devin-sandbox · alert ", 1)[1].split("╰", 1)[0]
    assert f"@{REGULAR_USER_ID}" in alert  # the alert mentions who started the session
    dm = out.split("direct message to the session's creator", 1)[1].split("╰", 1)[0]
    assert "Your Devin session" in dm and "was suspended" in dm and "Open in Devin" in dm
    home = out.split("App Home", 1)[1].split("╰", 1)[0]
    assert "Your sessions" in home and "Waiting for your answer" in home and "Direct messages: on" in home
    assert "Traceback" not in result.stderr and "ERROR" not in result.stderr
    assert _demo_processes(tmp_path) == []
    _assert_links_whole(out)
    _assert_emoji_rendered(out)
    _assert_titles_whole(out)
    _assert_readme_sample_is_real(out)
    # The card's title is its header, not repeated as a linked title below it.
    assert "Fix 500 on refund endpoint when payment record is missing (https://" not in out


def _assert_readme_sample_is_real(out: str) -> None:
    """The README's "taste of what demo prints" is this output (at 100 columns), times aside."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    sample = readme.split("A taste of what", 1)[1].split("```text\n", 1)[1].split("\n```", 1)[0]

    def timeless(text: str) -> str:
        return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "<time>", text)

    panels = re.findall(r"╭─.*?╰─*╯", sample, re.S)
    assert len(panels) == 2
    for panel in panels:
        assert timeless(panel) in timeless(out), panel


def _assert_links_whole(out: str) -> None:
    """Every Block Kit Builder link is printed whole: its fragment decodes to a Block Kit payload."""
    links = _BUILDER_LINE.findall(out)
    assert len(links) == len(SHOWN)
    for url in links:
        assert url.startswith(BLOCK_KIT_BUILDER_URL) and "…" not in url
        payload = json.loads(unquote(url.removeprefix(BLOCK_KIT_BUILDER_URL)))
        assert payload["blocks"] and all("type" in block for block in payload["blocks"])


def _assert_emoji_rendered(out: str) -> None:
    """Slack emoji codes print as emoji (the ones rich's own table lacks too)."""
    printed = "\n".join(line for line in out.splitlines() if not line.startswith("See it as Slack"))
    assert re.findall(r":[a-z_]+_circle:|:[a-z_]+:(?=\s)", printed) == []
    assert "🟣" in printed and "🟠" in printed  # the merged PR, the medium-impact issue


def _assert_titles_whole(out: str) -> None:
    """Box titles are whole words: a shortened one ends with an ellipsis after a whole word."""
    titles = _PANEL_TITLE.findall(out)
    assert len(titles) == len(SHOWN)
    for title in titles:
        assert not title.endswith(("…", "...")) or title[:-1].endswith(tuple("abcdefghijklmnopqrstuvwxyz0123456789"))


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
    assert steps == SHOWN
    for record in records:
        builder = record["block_kit_builder"]
        assert record["payload"]["blocks"] and builder.startswith(BLOCK_KIT_BUILDER_URL)
        assert json.loads(unquote(builder.removeprefix(BLOCK_KIT_BUILDER_URL)))["blocks"] == record["payload"]["blocks"]


def test_demo_covers_every_surface() -> None:
    assert [step.name for step in DEMO_STEPS] == SURFACES


@pytest.mark.slow
async def test_demo_steps_are_independent_of_their_order() -> None:
    """Each step waits only for what happened after it began and puts the org back: reversed, they still pass."""
    shown = await run_demo(as_json=True, console_factory=_quiet_console, steps=list(reversed(DEMO_STEPS)))
    assert sorted(s.step for s in shown) == sorted(SHOWN)


@pytest.mark.slow
async def test_demo_step_runs_alone_twice() -> None:
    generate = next(step for step in DEMO_STEPS if step.name == "generate")
    shown = await run_demo(as_json=True, console_factory=_quiet_console, steps=[generate, generate])
    assert [s.step for s in shown] == ["no-analysis", "generating", "generated"] * 2


def _quiet_console() -> Any:
    return console(width=100, file=io.StringIO())
