"""The code quality gates run as part of the test command: ruff, ruff format and mypy --strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Names of package-registry hosts must never be committed (uv.lock records them).
# Spelled in pieces so this file does not match itself.
FORBIDDEN_HOSTS = tuple(
    a + "." + b for a, b in [("pypi", "org"), ("files.pythonhosted", "org"), ("registry.npmjs", "org")]
)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=240)


@pytest.mark.slow
def test_quality_ruff_check_passes() -> None:
    result = _run("ruff", "check", "bot", "blocks", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_quality_ruff_format_is_clean() -> None:
    result = _run("ruff", "format", "--check", "bot", "blocks", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_quality_mypy_strict_passes() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_quality_no_lockfile_or_registry_host_is_tracked() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    assert "uv.lock" not in tracked
    offenders = []
    for name in tracked:
        path = REPO / name
        if path.is_file() and path.stat().st_size < 2_000_000:
            text = path.read_text(encoding="utf-8", errors="ignore")
            offenders += [f"{name}: {host}" for host in FORBIDDEN_HOSTS if host in text]
    assert offenders == [], offenders
