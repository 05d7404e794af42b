"""`devin-insights sandbox`: the simulated Devin org and the Slack stand-in, in the foreground."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import Any

from bot.config import Settings
from bot.sandbox import SANDBOX_API_KEY, SANDBOX_BOT_TOKEN, SANDBOX_CHANNEL_ID, SANDBOX_ORG_ID, SANDBOX_SIGNING_SECRET
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.slack_api import SlackStandIn


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


async def serve_sandbox(*, port: int, echo: Callable[[str], None]) -> None:
    """Run both stand-ins until SIGINT/SIGTERM; `port` 0 picks free ports, otherwise port and port + 1."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    devin, slack = DevinSimulator(), SlackStandIn()
    devin_url = await devin.start(port=port)
    await slack.start(port=port + 1 if port else 0)
    try:
        echo("Simulated Devin org and recording Slack are running. Point the app at them with:\n")
        for line in sandbox_env(devin_url, slack.api_url):
            echo(f"  export {line}")
        echo(
            f"\nThen: devin-insights run --http   (the sandbox's public credentials only work here)\n"
            f"Control the simulated org at {devin_url}/_sandbox/sessions (same bearer key). Ctrl-C stops."
        )
        await stop.wait()
    finally:
        await slack.stop()
        await devin.stop()
