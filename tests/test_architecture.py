"""The layer contracts (pyproject.toml `[tool.importlinter]`) hold, fail on a wrong import, and pure means pure."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")
IO_LIBRARIES = ("sqlalchemy", "apscheduler", "slack_sdk", "slack_bolt", "aiohttp", "httpx", "asyncpg", "aiosqlite")
PURE_MODULES = (
    "bot.alerts.records",
    "bot.alerts.rules",
    "bot.devin.models",
    "bot.devin.enums",
    "bot.devin.links",
    "bot.slack.grammar",
    "bot.slack.payloads",
    "bot.devin.metrics",
    "bot.insights.figures",
    "bot.insights.period",
    *sorted(f"blocks.{path.stem}" for path in (REPO / "blocks").glob("*.py") if path.stem != "__init__"),
)


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_architecture_import_contracts_are_kept() -> None:
    result = _lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import", "contract"),
    [
        ("blocks/kit.py", "import sqlalchemy", "Block Kit builders are pure"),
        ("bot/alerts/rules.py", "import bot.store.outbox", "The domain is pure"),
        ("bot/store/outbox.py", "import bot.alerts.delivery", "The store persists the domain"),
        ("bot/cli/demo_team.py", "import bot.cli.demo", "The demo imports downward"),
        ("bot/sandbox/devin_metrics.py", "import bot.sandbox.devin_org", "The simulated Devin org assembles"),
        ("bot/sandbox/slack_feed.py", "import bot.sandbox.slack_api", "The Slack stand-in assembles"),
    ],
)
def test_architecture_a_wrong_import_breaks_its_contract(
    tmp_path: Path, module: str, wrong_import: str, contract: str
) -> None:
    for name in ("bot", "blocks"):
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{wrong_import}  # noqa\n", encoding="utf-8")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    # The report wraps long contract names; read it as one line. Each contract's verdict follows its name.
    verdicts = " ".join(result.stdout.split()).split("Contracts:")[0]
    assert re.search(re.escape(contract) + r"(?:(?!KEPT).)*?BROKEN", verdicts), result.stdout


def test_architecture_pure_modules_load_no_io_library() -> None:
    probe = (
        "import importlib, sys\n"
        f"for name in {PURE_MODULES!r}: importlib.import_module(name)\n"
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({IO_LIBRARIES!r}))))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"pure modules loaded: {result.stdout.strip()}"
