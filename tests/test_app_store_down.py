"""The store fails while the app runs: liveness stays fast, readiness says so, commands answer with a sentence."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from blocks import sentences
from bot.app import READY_TIMEOUT_SECONDS
from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_seed import SEED_WITH_ANALYSIS
from bot.web import METRICS_REFRESH_SECONDS
from tests.db_proxy import FaultyDatabaseProxy
from tests.fixtures_app import RunningApp, running_app

pytestmark = pytest.mark.postgres


@pytest.fixture
async def proxied_app(tmp_path: Path, postgres_database: str) -> AsyncIterator[tuple[RunningApp, FaultyDatabaseProxy]]:
    async with FaultyDatabaseProxy(postgres_database) as proxy:
        async with running_app(
            tmp_path, with_alerts=True, alert_channel=SANDBOX_CHANNEL_ID, database_url=proxy.url
        ) as app:
            yield app, proxy
            proxy.restore()


def _text(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + message.get("text", "")


async def test_alerts_command_with_the_store_refusing_connections_gets_a_sentence(
    proxied_app: tuple[RunningApp, FaultyDatabaseProxy],
) -> None:
    app, proxy = proxied_app
    proxy.refuse()
    started = time.monotonic()
    result, hook = await app.command("alerts")
    assert result.status == 200 and time.monotonic() - started < 2.5
    (reply,) = await app.responses(hook)
    assert sentences.STORE_UNAVAILABLE in _text(reply)


async def test_healthz_answers_at_once_with_the_database_blackholed_and_readyz_says_why(
    proxied_app: tuple[RunningApp, FaultyDatabaseProxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, proxy = proxied_app
    monkeypatch.setattr("bot.listeners.command.STORE_REPLY_TIMEOUT_SECONDS", 1.0)
    http = app.sender._http
    assert (await http.get("/readyz")).status_code == 200
    proxy.blackhole()

    started = time.monotonic()
    live = await http.get("/healthz")
    assert live.status_code == 200 and live.json()["status"] == "ok"
    assert time.monotonic() - started < 1.0
    assert live.json()["alerts"]["running"] is True

    started = time.monotonic()
    ready = await http.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["database"] == "timeout"
    assert time.monotonic() - started < READY_TIMEOUT_SECONDS + 1.0

    _, hook = await app.command(SEED_WITH_ANALYSIS)  # lookups never needed the database
    (card,) = await app.responses(hook)
    assert "Fix 500 on refund endpoint" in _text(card)
    _, hook = await app.command("alerts")
    (reply,) = await app.responses(hook, timeout=5.0)
    assert sentences.STORE_UNAVAILABLE in _text(reply)

    proxy.restore()
    assert (await http.get("/readyz")).status_code == 200


async def test_digest_command_with_the_store_refusing_connections_gets_a_sentence(
    proxied_app: tuple[RunningApp, FaultyDatabaseProxy],
) -> None:
    app, proxy = proxied_app
    proxy.refuse()
    result, hook = await app.command("digest")
    assert result.status == 200
    (reply,) = await app.responses(hook)
    assert sentences.STORE_UNAVAILABLE in _text(reply)


async def test_metrics_answer_with_the_database_blackholed(proxied_app: tuple[RunningApp, FaultyDatabaseProxy]) -> None:
    app, proxy = proxied_app
    http = app.sender._http
    assert (await http.get("/metrics")).status_code == 200
    proxy.blackhole()
    for _ in range(3):  # scrapes do not queue behind one another
        started = time.monotonic()
        scrape = await http.get("/metrics")
        assert scrape.status_code == 200 and "devin_insights_" in scrape.text
        assert time.monotonic() - started < METRICS_REFRESH_SECONDS + 1.0


async def test_scheduled_digest_run_with_the_store_refusing_logs_one_line(
    proxied_app: tuple[RunningApp, FaultyDatabaseProxy], caplog: pytest.LogCaptureFixture
) -> None:
    app, proxy = proxied_app
    engine = app.app.deps.scheduled
    assert engine is not None
    proxy.refuse()
    with caplog.at_level(logging.WARNING):
        await engine._run(engine.tick_digests)  # what the scheduler calls
    ours = [r for r in caplog.records if r.name == "bot.insights.engine"]  # the scheduler may have run too
    assert ours and {r.getMessage() for r in ours} == {"insights.job.store_failed"}
    assert all(r.exc_info is None and r.exc_text is None for r in ours)
