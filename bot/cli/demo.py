"""`devin-insights demo`: the real app end to end on local stand-ins, shown as a person would see it in Slack.

The scenario is a list of independent steps (`bot.cli.demo_steps.DEMO_STEPS`), one per surface. A step gets the
running world and the screen, does what a person would do in Slack, waits for what the app sent *after the step
began*, and shows it. Steps leave the world as they found it, so any step can run alone or in any order.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from rich.console import Console
from rich.text import Text

from bot.app import InsightsApp, create_app
from bot.cli.terminal import block_kit_builder_url, render_message, shorten
from bot.listeners.deps import InsightsTiming
from bot.sandbox import SANDBOX_CHANNEL_ID, SANDBOX_SIGNING_SECRET
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.serve import sandbox_settings
from bot.sandbox.slack_api import REGULAR_USER_ID, SlackCall, SlackStandIn
from bot.sandbox.slack_requests import SlackHttpResult, SlackRequestSender, slash_command

STEP_TIMEOUT_SECONDS = 10.0
DEMO_ACU_BUDGET = 2000.0
"""Far above what the seeded org uses in a month, so nothing warns until the budget step spends."""
DEMO_TIMING = InsightsTiming(
    poll_interval=0.25, still_working_after=60.0, give_up_after=20.0, summary_notice_after=STEP_TIMEOUT_SECONDS
)
INSIGHTS_DELAY_SECONDS = 1.0
PANEL_CHROME = 8
"""Columns a panel's border and padding take around its title."""


@dataclass
class Shown:
    """One Slack surface the demo showed: which step, where it appeared, and its payload."""

    step: str
    surface: str
    payload: dict[str, Any]


class DemoScreen:
    """Prints progress and messages: rendered panels, or JSON lines with `--json`."""

    def __init__(self, console: Console, *, as_json: bool) -> None:
        self._console, self._json = console, as_json
        self.shown: list[Shown] = []

    def step(self, text: str) -> None:
        if not self._json:
            self._console.print(Text(f"\n▶ {text}", style="bold cyan"))

    def message(self, step: str, surface: str, payload: dict[str, Any], *, kind: str = "message") -> None:
        """Show one message (or view, `kind` "modal"/"home") and a Block Kit Builder link to see it in Slack."""
        self.shown.append(Shown(step, surface, payload))
        builder = block_kit_builder_url(payload, kind=kind)
        if self._json:
            record = {"step": step, "surface": surface, "payload": payload, "block_kit_builder": builder}
            self._console.print_json(json.dumps(record))
            return
        title = shorten(surface, max(20, self._console.width - PANEL_CHROME))
        self._console.print(render_message(payload.get("blocks", []), title=title))
        # The whole link on one logical line: a cut link opens nothing. soft_wrap leaves wrapping to the terminal.
        self._console.print(Text(f"See it as Slack renders it: {builder}", style="dim"), soft_wrap=True)


@dataclass
class DemoWorld:
    """The running stand-ins and app, and the time the current step began (what it waits for comes after)."""

    devin: DevinSimulator
    slack: SlackStandIn
    app: InsightsApp
    sender: SlackRequestSender
    step_started: float = field(default_factory=time.monotonic)

    async def command(self, text: str, *, user_id: str = REGULAR_USER_ID) -> tuple[SlackHttpResult, str]:
        """Type `/devin-insights <text>` in #devin-sandbox; returns the ack and the command's response_url."""
        hook = self.slack.response_url()
        fields = slash_command(text, response_url=hook, user_id=user_id, channel_id=SANDBOX_CHANNEL_ID)
        return await self.sender.command(fields), hook

    async def hook_posts(self, hook: str, count: int = 1) -> list[SlackCall]:
        """The replies posted to one response_url."""
        name = hook.rsplit("/", 1)[-1]
        return await self.slack.wait_for(
            "response_url", count=count, timeout=STEP_TIMEOUT_SECONDS, predicate=lambda call: call.hook == name
        )

    async def calls(
        self, method: str, count: int = 1, predicate: Callable[[SlackCall], bool] | None = None
    ) -> list[SlackCall]:
        """Calls to a Web API method made since this step began (and matching `predicate`)."""

        def fresh(call: SlackCall) -> bool:
            return call.at >= self.step_started and call.ok and (predicate is None or predicate(call))

        return await self.slack.wait_for(method, count=count, timeout=STEP_TIMEOUT_SECONDS, predicate=fresh)


DemoStepFn = Callable[[DemoWorld, DemoScreen], Awaitable[None]]


@dataclass(frozen=True)
class DemoStep:
    """One surface of the app: a name (the `--json` records' `step` prefix) and what to do."""

    name: str
    run: DemoStepFn


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
        app = create_app(settings, insights_timing=DEMO_TIMING)
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
    from bot.cli.demo_steps import DEMO_STEPS  # the steps import this module's helpers

    screen = DemoScreen(console_factory(), as_json=as_json)
    screen.step("Starting a simulated Devin org, a recording Slack and the app (HTTP mode) on free local ports")
    async with demo_world() as world:
        for step in DEMO_STEPS if steps is None else steps:
            world.step_started = time.monotonic()
            await step.run(world, screen)
    screen.step("Done: every stand-in stopped and the temporary store removed")
    return screen.shown
