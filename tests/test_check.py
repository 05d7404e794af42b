"""`devin-insights check` against the stand-ins: every problem named with its fix, and never a secret."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.cli.check import format_line, run_checks
from bot.config import Settings
from bot.sandbox import SANDBOX_API_KEY, SANDBOX_BOT_TOKEN, SANDBOX_CHANNEL_ID, SANDBOX_ORG_ID
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.serve import sandbox_settings
from bot.sandbox.slack_api import ARCHIVED_CHANNEL_ID, DEFAULT_SCOPES, SlackStandIn
from bot.store import Store

WRONG_SLACK_TOKEN = "xoxb-1111-2222-wrongwrongwrongwrong"
WRONG_DEVIN_KEY = "cog_wrongwrongwrongwrongwrong1234"


@pytest.fixture
async def services() -> AsyncIterator[tuple[DevinSimulator, SlackStandIn]]:
    async with DevinSimulator() as devin, SlackStandIn() as slack:
        yield devin, slack


def _settings(tmp_path: Path, devin: DevinSimulator, slack: SlackStandIn, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"alert_channel": SANDBOX_CHANNEL_ID} | overrides
    return sandbox_settings(devin.url, slack.api_url, f"sqlite:///{tmp_path}/store.db", **values)


def _output(report: Any) -> str:
    return "\n".join(format_line(line) for line in report.lines)


async def test_check_all_good_passes(tmp_path: Path, services: tuple[DevinSimulator, SlackStandIn]) -> None:
    report = await run_checks(_settings(tmp_path, *services))
    assert report.passed, _output(report)
    subjects = {line.subject for line in report.lines if line.level == "ok"}
    assert {"settings", "slack token", "slack scopes", "devin key", "devin org", "alert channel", "store"} <= subjects
    # A 404 for a made-up session does not prove ManageOrgSessions: never reported as granted.
    (generate,) = [line for line in report.lines if line.subject == "devin generate"]
    assert generate.level == "unverified" and "granted" not in generate.detail
    assert format_line(generate).startswith("? devin generate: ManageOrgSessions unverified")


@pytest.mark.parametrize(
    ("overrides", "subject", "words"),
    [
        ({"slack_bot_token": WRONG_SLACK_TOKEN}, "slack token", "rejected the bot token"),
        ({"devin_api_key": WRONG_DEVIN_KEY}, "devin key", "rejected the API key"),
        ({"devin_org_id": "org-someoneelse"}, "devin org", "another organization"),
        ({"alert_channel": "C0DOESNOTEXIST"}, "alert channel", "cannot find channel"),
        ({"alert_channel": ARCHIVED_CHANNEL_ID}, "alert channel", "archived"),
    ],
)
async def test_check_names_each_problem_and_its_fix(
    tmp_path: Path, services: tuple[DevinSimulator, SlackStandIn], overrides: dict[str, Any], subject: str, words: str
) -> None:
    report = await run_checks(_settings(tmp_path, *services, **overrides))
    assert not report.passed
    (failure,) = [line for line in report.lines if line.level == "fail"]
    assert failure.subject == subject and words in failure.detail
    assert failure.fix
    text = _output(report)
    for secret in (WRONG_SLACK_TOKEN, WRONG_DEVIN_KEY, SANDBOX_BOT_TOKEN, SANDBOX_API_KEY):
        assert secret not in text


async def test_check_missing_essential_scope_fails(tmp_path: Path) -> None:
    scopes = [s for s in DEFAULT_SCOPES if s != "links:write"]
    async with DevinSimulator() as devin, SlackStandIn(scopes=scopes) as slack:
        report = await run_checks(_settings(tmp_path, devin, slack))
    assert not report.passed
    (failure,) = [line for line in report.lines if line.level == "fail"]
    assert failure.subject == "slack scopes" and "links:write" in failure.detail and "reinstall" in failure.fix


async def test_check_missing_optional_scope_only_warns(tmp_path: Path) -> None:
    scopes = [s for s in DEFAULT_SCOPES if s != "mpim:read"]
    async with DevinSimulator() as devin, SlackStandIn(scopes=scopes) as slack:
        report = await run_checks(_settings(tmp_path, devin, slack))
    assert report.passed
    assert any(line.level == "warn" and "mpim:read" in line.detail for line in report.lines)


async def test_check_without_manage_permission_warns(tmp_path: Path) -> None:
    async with DevinSimulator(manage_sessions=False) as devin, SlackStandIn() as slack:
        report = await run_checks(_settings(tmp_path, devin, slack))
    assert report.passed
    assert any(line.subject == "devin generate" and line.level == "warn" for line in report.lines)


async def _cli_check(tmp_path: Path, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "check",
        env={"PATH": os.environ.get("PATH", "")} | env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode or 0, output.decode()


@pytest.mark.slow  # runs `python -m bot check`
async def test_check_cli_exit_codes_and_no_secrets(
    tmp_path: Path, services: tuple[DevinSimulator, SlackStandIn]
) -> None:
    env = _env(*services, tmp_path)
    code, output = await _cli_check(tmp_path, env)
    assert code == 0, output
    assert "All needed checks passed" in output
    code, output = await _cli_check(tmp_path, env | {"DEVIN_API_KEY": WRONG_DEVIN_KEY})
    assert code == 1 and "✗ devin key" in output
    code, output = await _cli_check(tmp_path, env | {"DEVIN_API_KEY": "not-a-key-secretvalue"})
    assert code == 2 and "DEVIN_API_KEY" in output
    for secret in (WRONG_DEVIN_KEY, "not-a-key-secretvalue", SANDBOX_BOT_TOKEN, SANDBOX_API_KEY):
        assert secret not in output


async def test_check_reports_the_metrics_and_consumption_permissions(tmp_path: Path) -> None:
    async with DevinSimulator() as devin, SlackStandIn() as slack:
        granted = await run_checks(_settings(tmp_path, devin, slack))
        devin.metrics_permission = devin.consumption_permission = False
        withheld = await run_checks(_settings(tmp_path, devin, slack))
    levels = {line.subject: line.level for line in granted.lines}
    assert levels["devin metrics"] == levels["devin consumption"] == "ok"
    assert withheld.passed  # summaries still work, estimated
    warned = {line.subject: line for line in withheld.lines if line.level == "warn"}
    assert "ViewOrgMetrics" in warned["devin metrics"].detail
    assert "ViewOrgConsumption" in warned["devin consumption"].detail


async def test_check_reports_the_membership_permission_and_only_warns_without_it(tmp_path: Path) -> None:
    async with DevinSimulator() as devin, SlackStandIn() as slack:
        granted = await run_checks(_settings(tmp_path, devin, slack))
        devin.members.view_membership = False
        withheld = await run_checks(_settings(tmp_path, devin, slack))
    (ok,) = [line for line in granted.lines if line.subject == "devin members"]
    assert ok.level == "ok" and "ViewOrgMembership granted" in ok.detail
    (warned,) = [line for line in withheld.lines if line.subject == "devin members"]
    assert warned.level == "warn" and "ViewOrgMembership" in warned.detail and "ViewOrgMembership" in warned.fix
    assert format_line(warned).startswith("! devin members: the role lacks ViewOrgMembership")
    assert withheld.passed and withheld.exit_code == 0  # alerts still post, with Devin ids instead of people


async def test_check_work_objects_probe_passes_and_names_what_it_cannot_read(
    tmp_path: Path, services: tuple[DevinSimulator, SlackStandIn]
) -> None:
    report = await run_checks(_settings(tmp_path, *services))
    lines = {line.subject: line for line in report.lines}
    assert lines["work objects"].level == "ok" and "entity.presentDetails" in lines["work objects"].detail
    assert lines["work object previews"].level == "unverified"
    assert services[1].work_objects.presented == []  # the probe filled no panel


async def test_check_work_objects_not_enabled_is_a_warning_with_the_fix(
    tmp_path: Path, services: tuple[DevinSimulator, SlackStandIn]
) -> None:
    services[1].work_objects.enabled = False
    report = await run_checks(_settings(tmp_path, *services))
    (line,) = [line for line in report.lines if line.subject == "work objects"]
    assert line.level == "warn" and "not enabled" in line.detail
    assert "rich_previews" in line.fix and "WORK_OBJECTS=false" in line.fix
    assert report.passed  # previews still work with Block Kit


async def test_check_work_objects_off_says_so(tmp_path: Path, services: tuple[DevinSimulator, SlackStandIn]) -> None:
    report = await run_checks(_settings(tmp_path, *services, work_objects=False))
    (line,) = [line for line in report.lines if line.subject == "work objects"]
    assert line.level == "ok" and "WORK_OBJECTS=false" in line.detail
    assert services[1].calls_to("entity.presentDetails") == []


def _env(devin: DevinSimulator, slack: SlackStandIn, tmp_path: Path) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": SANDBOX_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": "sandbox-signing-secret-0000000000",
        "SLACK_API_URL": slack.api_url,
        "DEVIN_API_KEY": SANDBOX_API_KEY,
        "DEVIN_ORG_ID": SANDBOX_ORG_ID,
        "DEVIN_API_URL": devin.url,
        "ALERT_CHANNEL": SANDBOX_CHANNEL_ID,
        "DATABASE_URL": f"sqlite:///{tmp_path}/store.db",
    }


@pytest.mark.slow  # runs `python -m bot check`
async def test_check_reports_every_invalid_value_and_checks_the_rest(
    tmp_path: Path, services: tuple[DevinSimulator, SlackStandIn]
) -> None:
    bad = {"PORT": "eighty", "DEVIN_API_KEY": "apk_secretvalue", "ALERT_CHANNEL": "#general"}
    code, output = await _cli_check(tmp_path, _env(*services, tmp_path) | bad)
    assert code == 2, output
    lines = output.splitlines()
    for name in bad:
        assert any(line.startswith(f"✗ {name}:") for line in lines), output
    assert "✓ slack token" in output and "✓ store" in output  # the valid settings were still checked
    assert "DEVIN_API_KEY is invalid (see above)" in output
    assert "apk_secretvalue" not in output and "eighty" not in output


@pytest.mark.slow  # runs `python -m bot check`
async def test_check_fails_when_no_run_mode_can_start(
    tmp_path: Path, services: tuple[DevinSimulator, SlackStandIn]
) -> None:
    env = _env(*services, tmp_path)
    del env["SLACK_SIGNING_SECRET"]
    code, output = await _cli_check(tmp_path, env)
    assert code == 1 and "✗ mode: no run mode can start" in output, output
    assert "SLACK_APP_TOKEN is not set and SLACK_SIGNING_SECRET is not set" in output


async def test_check_tells_answered_404_from_unreachable(
    tmp_path: Path, services: tuple[DevinSimulator, SlackStandIn]
) -> None:
    devin, slack = services
    wrong_path = await run_checks(_settings(tmp_path, devin, slack, devin_api_url=devin.url + "/nothing"))
    unreachable = await run_checks(_settings(tmp_path, devin, slack, devin_api_url="http://127.0.0.1:9"))
    slack_404 = await run_checks(
        _settings(tmp_path, devin, slack).model_copy(update={"slack_api_url": slack.url.rstrip("/") + "/nothing/api/"})
    )
    (line,) = [x for x in wrong_path.lines if x.subject == "devin"]
    assert "answered HTTP 404" in line.detail and "cannot reach" not in line.detail
    (line,) = [x for x in unreachable.lines if x.subject == "devin"]
    assert "cannot reach" in line.detail and "nothing answered" in line.detail
    (line,) = [x for x in slack_404.lines if x.subject == "slack"]
    assert "answered HTTP 404" in line.detail and "SLACK_API_URL" in line.fix


async def test_check_shows_the_database_drivers_own_message(
    tmp_path: Path, services: tuple[DevinSimulator, SlackStandIn]
) -> None:
    url = "postgresql://someone:hunter2secret@127.0.0.1:9/nowhere"
    report = await run_checks(_settings(tmp_path, *services).model_copy(update={"database_url": url}))
    (line,) = [x for x in report.lines if x.subject == "store"]
    assert line.level == "fail" and "Connect call failed" in line.detail, line.detail
    assert "hunter2secret" not in _output(report)
    nowhere = "sqlite:////nonexistent-dir/x/store.db"
    report = await run_checks(_settings(tmp_path, *services).model_copy(update={"database_url": nowhere}))
    (line,) = [x for x in report.lines if x.subject == "store"]
    assert line.level == "fail" and "not a writable folder" in line.detail


@pytest.mark.slow  # runs `python -m bot check`
async def test_check_creates_no_files(tmp_path: Path, services: tuple[DevinSimulator, SlackStandIn]) -> None:
    env = _env(*services, tmp_path)
    del env["DATABASE_URL"]  # the default: devin-insights.db in the working directory
    code, output = await _cli_check(tmp_path, env)
    assert code == 0 and "does not exist yet; the app creates it when it starts" in output, output
    assert list(tmp_path.iterdir()) == []
    store = await Store.open(f"sqlite:///{tmp_path}/devin-insights.db")  # an existing store is opened, not changed
    await store.aclose()
    before = sorted((p.name, p.stat().st_size) for p in tmp_path.iterdir())
    code, output = await _cli_check(tmp_path, env)
    assert code == 0 and "✓ store: reachable (schema version" in output, output
    assert sorted((p.name, p.stat().st_size) for p in tmp_path.iterdir()) == before
