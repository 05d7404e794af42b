"""A session whose `url` names another host: the card, the alert and `preview` link to DEVIN_APP_URL only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli.preview import render_preview
from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.devin_seed import SEED_RUNNING, SEED_WITH_ANALYSIS
from bot.sandbox.serve import sandbox_settings
from tests.blockkit_limits import link_urls
from tests.fixtures_app import running_app

APP_URL = "https://acme.devinenterprise.com"
FOREIGN = "https://evil.example/phish"


def _session_link(session_id: str) -> str:
    return f"{APP_URL}/sessions/{session_id.removeprefix('devin-')}"


def _assert_only_app_links(payload: Any, session_id: str) -> None:
    urls = {url for url in link_urls(payload) if not url.startswith("https://github.com/")}
    assert _session_link(session_id) in urls
    assert urls <= {_session_link(session_id), APP_URL}
    assert "evil.example" not in json.dumps(payload)


async def test_card_and_alert_link_to_the_configured_app(tmp_path: Path) -> None:
    async with running_app(
        tmp_path, with_alerts=True, alert_channel=SANDBOX_CHANNEL_ID, alert_poll_seconds=1, devin_app_url=APP_URL
    ) as app:
        app.devin.update_session(SEED_WITH_ANALYSIS, url=FOREIGN)
        _, hook = await app.command(SEED_WITH_ANALYSIS)
        (card,) = await app.responses(hook)
        _assert_only_app_links(card, SEED_WITH_ANALYSIS)

        app.devin.update_session(SEED_RUNNING, url=FOREIGN, status="suspended", status_detail="out_of_credits")
        (alert,) = await app.slack.wait_for(
            "chat.postMessage", timeout=10, predicate=lambda c: c.ok and c.body["channel"] == SANDBOX_CHANNEL_ID
        )
        _assert_only_app_links(alert.body, SEED_RUNNING)


@pytest.mark.parametrize("kind", ["card", "unfurl", "alert"])
async def test_preview_links_to_the_configured_app(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    async with DevinSimulator() as devin:
        devin.update_session(SEED_WITH_ANALYSIS, url=FOREIGN)
        if kind == "alert":  # preview shows an alert only for a suspended session
            devin.set_status(SEED_WITH_ANALYSIS, "suspended", "out_of_credits")
        settings = sandbox_settings(
            devin.url, "http://127.0.0.1:9/api/", f"sqlite:///{tmp_path}/s.db", devin_app_url=APP_URL
        )
        await render_preview(settings, SEED_WITH_ANALYSIS, kind=kind, as_json=True)
    _assert_only_app_links(json.loads(capsys.readouterr().out), SEED_WITH_ANALYSIS)
