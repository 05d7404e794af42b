"""Suite-wide hygiene: no real credentials or proxies leak in from the environment."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Fixture modules shared across test files (started stand-ins, a running app, stores).
pytest_plugins = [
    "tests.fixtures_devin",
    "tests.fixtures_slack",
    "tests.fixtures_store",
    "tests.fixtures_app",
    "tests.fixtures_units",
]

_PREFIXES = ("SLACK_", "DEVIN_", "ALERT_", "UNFURL_", "ALLOWED_", "ADMIN_")
_EXACT = ("DATABASE_URL", "PORT", "LOG_LEVEL", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto`: one worker more than there are cores. The process tests mostly wait (Slack timeouts,
    claims, app start-up), so a third worker on two cores overlaps those waits: the `slow` tests took
    94 s on 2 workers and 66 s on 3 (2 shared cores). PYTEST_XDIST_AUTO_NUM_WORKERS still decides if set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    return len(os.sched_getaffinity(0)) + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `slow` (real processes, most of a minute between them) run first, the rest in file order.

    With `--dist worksteal` (pyproject) each worker starts on its share and an idle one takes over half of
    another's queue: long tests begun early end early, and no long test is left to run alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: file order otherwise


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith(_PREFIXES) or name in _EXACT:
            monkeypatch.delenv(name, raising=False)
    # A developer's .env must not leak into tests: run each test from an empty working directory.
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    yield
