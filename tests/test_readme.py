"""The README tells the truth: its configuration table and Quickstart match the code and CI."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import README_TABLE_BEGIN, README_TABLE_END, Settings, settings_table_markdown

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _quickstart_commands() -> list[str]:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the Quickstart has a ```sh block"
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_configuration_table_is_generated_from_settings() -> None:
    table = README.split(README_TABLE_BEGIN, 1)[1].split(README_TABLE_END, 1)[0].strip()
    assert table == settings_table_markdown(), "run `uv run python -m bot.config` and paste the table into the README"


def test_readme_configuration_table_names_every_setting() -> None:
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in README


def test_readme_quickstart_is_two_commands_and_ci_runs_the_test_one() -> None:
    commands = _quickstart_commands()
    assert len(commands) == 2
    assert commands[0] == "uv run devin-insights demo"
    ci_script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    ci_lines = [line.strip() for line in ci_script.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert ci_lines[-1] == commands[1]


def test_readme_shows_every_command_with_uv_run() -> None:
    bare = re.findall(r"(?<!uv run )(?<![/@\w-])devin-insights (?:run|demo|check|preview|sandbox)\b", README)
    pip_note = "`devin-insights run --http`"  # the one place that says what the command is after `pip install .`
    assert [b for b in bare if b != "devin-insights run"] == [] and README.count(pip_note) <= 1


def test_env_example_lists_every_setting() -> None:
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    names = {line.lstrip("# ").split("=", 1)[0] for line in example.splitlines() if "=" in line}
    assert {name.upper() for name in Settings.model_fields} <= names


def test_license_file_matches_pyproject() -> None:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = { text = "MIT" }' in pyproject
    assert (REPO / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


def test_readme_documents_app_home_metrics_and_exit_codes() -> None:
    assert "**App Home**" in README and "`app_home_opened`" in README
    assert "GET /metrics" in README and "devin_insights_alert_outbox_depth" in README
    assert "Exit codes:" in README and "`LOG_FORMAT=json`" in README
