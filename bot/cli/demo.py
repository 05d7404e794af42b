"""`devin-insights demo`: the real app end to end on local stand-ins, shown as a person would see it in Slack.

The scenario is a list of independent steps (`bot.cli.demo_steps.DEMO_STEPS`), one per surface. A step gets the
running world and the screen, does what a person would do in Slack, waits for what the app sent *after the step
began*, and shows it. Steps leave the world as they found it, so any step can run alone or in any order.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from aiohttp import web
from rich.console import Console

from bot.app import create_app
from bot.cli.demo_steps import DEMO_STEPS
from bot.cli.demo_world import DEMO_ACU_BUDGET, STEP_TIMEOUT_SECONDS, DemoScreen, DemoStep, DemoWorld, Shown
from bot.listeners.deps import InsightsTiming
from bot.sandbox import SANDBOX_CHANNEL_ID, SANDBOX_SIGNING_SECRET
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.serve import sandbox_settings
from bot.sandbox.slack_api import SlackStandIn
from bot.sandbox.slack_requests import SlackRequestSender

DEMO_TIMING = InsightsTiming(
    poll_interval=0.25, still_working_after=60.0, give_up_after=20.0, summary_notice_after=STEP_TIMEOUT_SECONDS
)
INSIGHTS_DELAY_SECONDS = 1.0
DEMO_POST_INTERVAL_SECONDS = 0.2
"""Posts to one channel are paced at one a second for Slack; the recording stand-in needs no pace."""


@asynccontextmanager
async def demo_world() -> AsyncIterator[DemoWorld]:
    """Start the stand-ins and the real app (HTTP mode, real scheduler, SQLite in a temp dir); clean up all of it."""
    workdir = tempfile.mkdtemp(prefix="devin-insights-demo-")
    devin = DevinSimulator(insights_delay=INSIGHTS_DELAY_SECONDS)
    slack = SlackStandIn()
    runner: web.AppRunner | None = None
    sender: SlackRequestSender | None = None
    try:
        await devin.start()
        await slack.start()
        settings = sandbox_settings(
            devin.url,
            slack.api_url,
            f"sqlite:///{workdir}/demo.db",
            alert_channel=SANDBOX_CHANNEL_ID,
            alert_poll_seconds=1,
            acu_budget=DEMO_ACU_BUDGET,
        )
        app = create_app(settings, insights_timing=DEMO_TIMING, post_interval=DEMO_POST_INTERVAL_SECONDS)
        runner = web.AppRunner(app.web_application(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        sender = SlackRequestSender(f"http://127.0.0.1:{runner.addresses[0][1]}", SANDBOX_SIGNING_SECRET)
        yield DemoWorld(devin=devin, slack=slack, app=app, sender=sender)
    finally:
        if sender is not None:
            await sender.aclose()
        if runner is not None:
            await runner.cleanup()
        await slack.stop()
        await devin.stop()
        shutil.rmtree(workdir, ignore_errors=True)


async def run_demo(
    *,
    as_json: bool,
    console_factory: Callable[[], Console],
    steps: Sequence[DemoStep] | None = None,
) -> list[Shown]:
    """Run the steps (all of them by default) and return what was shown (the CLI prints; tests inspect)."""
    screen = DemoScreen(console_factory(), as_json=as_json)
    screen.step("Starting a simulated Devin org, a recording Slack and the app (HTTP mode) on free local ports")
    async with demo_world() as world:
        for step in DEMO_STEPS if steps is None else steps:
            world.step_started = time.monotonic()
            await step.run(world, screen)
    screen.step("Done: every stand-in stopped and the temporary store removed")
    return screen.shown
