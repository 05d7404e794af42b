"""`devin-insights sandbox`: the simulated Devin org and the Slack stand-in, in the foreground."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import Any

from bot.config import Settings
from bot.sandbox import (
    SANDBOX_API_KEY,
    SANDBOX_APP_TOKEN,
    SANDBOX_BOT_TOKEN,
    SANDBOX_CHANNEL_ID,
    SANDBOX_ORG_ID,
    SANDBOX_SIGNING_SECRET,
)
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.devin_seed import SEED_RUNNING, SEED_WITH_ANALYSIS
from bot.sandbox.slack_api import SlackStandIn
from bot.sandbox.slack_feed import FEED_PATH, follow_until


def sandbox_settings(devin_url: str, slack_api_url: str, database_url: str, **overrides: Any) -> Settings:
    """Settings for the real app pointed at running stand-ins (HTTP mode; the demo and the tests use it)."""
    values: dict[str, Any] = {
        "slack_bot_token": SANDBOX_BOT_TOKEN,
        "slack_signing_secret": SANDBOX_SIGNING_SECRET,
        "slack_api_url": slack_api_url,
        "devin_api_key": SANDBOX_API_KEY,
        "devin_org_id": SANDBOX_ORG_ID,
        "devin_api_url": devin_url,
        "database_url": database_url,
    }
    return Settings(**(values | overrides))


def sandbox_env(devin_url: str, slack_api_url: str) -> list[str]:
    """The environment lines that point the app at the stand-ins."""
    return [
        f"DEVIN_API_URL={devin_url}",
        f"DEVIN_API_KEY={SANDBOX_API_KEY}",
        f"DEVIN_ORG_ID={SANDBOX_ORG_ID}",
        f"SLACK_API_URL={slack_api_url}",
        f"SLACK_BOT_TOKEN={SANDBOX_BOT_TOKEN}",
        f"SLACK_SIGNING_SECRET={SANDBOX_SIGNING_SECRET}",
        f"ALERT_CHANNEL={SANDBOX_CHANNEL_ID}",
    ]


SESSIONS_SHOWN = 12
TITLE_SHOWN = 48


async def serve_sandbox(*, port: int, echo: Callable[[str], None]) -> None:
    """Run both stand-ins until SIGINT/SIGTERM; `port` 0 picks free ports, otherwise port and port + 1.

    Prints how to point the app at them (HTTP or Socket Mode), the seeded sessions, then one line per call
    the app makes to the recording Slack."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    devin, slack = DevinSimulator(), SlackStandIn()
    devin_url = await devin.start(port=port)
    await slack.start(port=port + 1 if port else 0)
    try:
        for line in sandbox_guide(devin, devin_url, slack.url, slack.api_url):
            echo(line)
        await follow_until(slack, echo, stop)
    finally:
        await slack.stop()
        await devin.stop()


def sandbox_guide(devin: DevinSimulator, devin_url: str, slack_url: str, slack_api_url: str) -> list[str]:
    """What a developer needs: the environment, both run modes, the seeded sessions and where to watch."""
    lines = ["Simulated Devin org and recording Slack are running. Point the app at them with:", ""]
    lines += [f"  export {line}" for line in sandbox_env(devin_url, slack_api_url)]
    lines += [
        "",
        "Then, in HTTP mode:   uv run devin-insights run --http",
        f"or in Socket Mode:    SLACK_APP_TOKEN={SANDBOX_APP_TOKEN} uv run devin-insights run",
        "(the sandbox's credentials are public dummies: they only work here)",
        "",
        f"Seeded sessions ({len(devin.sessions())}; all at {devin_url}/_sandbox/sessions with the same key):",
    ]
    for record in devin.sessions()[:SESSIONS_SHOWN]:
        title = " ".join(str(record.get("title") or "(untitled)").split())
        short = title if len(title) <= TITLE_SHOWN else title[: TITLE_SHOWN - 1] + "…"
        status = f"{record['status']}/{record['status_detail']}" if record.get("status_detail") else record["status"]
        lines.append(f"  {record['session_id']}  {status:<28} {short}")
    lines += [
        f"  … try: uv run devin-insights preview {SEED_WITH_ANALYSIS}",
        "",
        f"Suspend one to see an alert: PATCH {devin_url}/_sandbox/sessions/{SEED_RUNNING} "
        '{"status": "suspended", "status_detail": "out_of_credits"}',
        f"What the app sends to Slack is printed below, and served as JSON at {slack_url}{FEED_PATH}. Ctrl-C stops.",
        "",
    ]
    return lines
