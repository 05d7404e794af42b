"""`devin-insights demo`: the real app end to end on local stand-ins, shown as a person would see it in Slack."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from rich.console import Console

from bot.app import InsightsApp, create_app
from bot.cli.terminal import block_kit_builder_url, render_message
from bot.ids import ActionId
from bot.listeners.deps import InsightsTiming
from bot.sandbox import SANDBOX_CHANNEL_ID, SANDBOX_SIGNING_SECRET
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.devin_seed import SEED_RUNNING, SEED_WITH_ANALYSIS, SEED_WITHOUT_ANALYSIS
from bot.sandbox.serve import sandbox_settings
from bot.sandbox.slack_api import REGULAR_USER_ID, SlackCall, SlackStandIn
from bot.sandbox.slack_requests import SlackRequestSender, block_action, link_shared_event, new_ts, slash_command

DEMO_TIMING = InsightsTiming(poll_interval=0.25, still_working_after=60.0, give_up_after=20.0)
INSIGHTS_DELAY_SECONDS = 1.0
STEP_TIMEOUT_SECONDS = 10.0


@dataclass
class Shown:
    """One Slack message the demo showed: where it went and its payload."""

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
            self._console.print(f"\n[bold cyan]▶ {text}[/]")

    def message(self, step: str, surface: str, payload: dict[str, Any]) -> None:
        self.shown.append(Shown(step, surface, payload))
        blocks = payload.get("blocks", [])
        builder = block_kit_builder_url(blocks)
        if self._json:
            record = {"step": step, "surface": surface, "payload": payload, "block_kit_builder": builder}
            self._console.print_json(json.dumps(record))
            return
        self._console.print(render_message(blocks, title=surface, subtitle=payload.get("text", "")[:80] or None))
        self._console.print(f"[dim]See it as Slack renders it: {builder[:96]}…[/]", soft_wrap=True)


@dataclass
class DemoWorld:
    devin: DevinSimulator
    slack: SlackStandIn
    app: InsightsApp
    sender: SlackRequestSender


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


def _link(session_id: str) -> str:
    return f"https://app.devin.ai/sessions/{session_id.removeprefix('devin-')}"


async def _hook_posts(world: DemoWorld, hook: str, count: int) -> list[SlackCall]:
    name = hook.rsplit("/", 1)[-1]
    return await world.slack.wait_for(
        "response_url", count=count, timeout=STEP_TIMEOUT_SECONDS, predicate=lambda call: call.hook == name
    )


async def play(world: DemoWorld, screen: DemoScreen) -> None:
    """The scenario: lookup, generate insights, unfurl, an out-of-credits alert and its resolution."""
    slack, sender = world.slack, world.sender
    screen.step(f"A teammate types /devin-insights {_link(SEED_WITH_ANALYSIS)}")
    hook = slack.response_url()
    ack = await sender.command(
        slash_command(
            _link(SEED_WITH_ANALYSIS), response_url=hook, user_id=REGULAR_USER_ID, channel_id=SANDBOX_CHANNEL_ID
        )
    )
    (card,) = await _hook_posts(world, hook, 1)
    screen.message("lookup", f"Only visible to you · acked in {ack.elapsed * 1000:.0f} ms", card.body)

    screen.step("A session without insights yet: the card offers to generate them")
    hook = slack.response_url()
    await sender.command(
        slash_command(SEED_WITHOUT_ANALYSIS, response_url=hook, user_id=REGULAR_USER_ID, channel_id=SANDBOX_CHANNEL_ID)
    )
    (card,) = await _hook_posts(world, hook, 1)
    screen.message("no-analysis", "Only visible to you", card.body)
    screen.step("They click Generate insights; the card shows progress, then the analysis")
    hook = slack.response_url()
    await sender.action(
        block_action(
            ActionId.GENERATE_INSIGHTS,
            SEED_WITHOUT_ANALYSIS,
            user_id=REGULAR_USER_ID,
            channel_id=SANDBOX_CHANNEL_ID,
            response_url=hook,
        )
    )
    progress, final = await _hook_posts(world, hook, 2)
    screen.message("generating", "Only visible to you · replaced", progress.body)
    screen.message("generated", "Only visible to you · replaced", final.body)

    screen.step("Someone pastes a session link in #devin-sandbox; it unfurls")
    link = _link(SEED_WITH_ANALYSIS)
    await sender.event(link_shared_event([link], channel=SANDBOX_CHANNEL_ID, user=REGULAR_USER_ID, message_ts=new_ts()))
    (unfurl,) = await slack.wait_for("chat.unfurl", timeout=STEP_TIMEOUT_SECONDS)
    screen.message("unfurl", f"Link preview of {link}", unfurl.body["unfurls"][link])

    screen.step("The org runs out of credits: a running session is suspended (out_of_credits)")
    world.devin.set_status(SEED_RUNNING, "suspended", "out_of_credits")
    (alert,) = await slack.wait_for(
        "chat.postMessage", timeout=STEP_TIMEOUT_SECONDS, predicate=lambda call: "thread_ts" not in call.body
    )
    screen.message("alert", "#devin-sandbox · alert", alert.body)

    screen.step("Credits are added and the session resumes: the alert is resolved in place")
    world.devin.set_status(SEED_RUNNING, "running", "working")
    (update,) = await slack.wait_for("chat.update", timeout=STEP_TIMEOUT_SECONDS)
    (reply,) = await slack.wait_for(
        "chat.postMessage", timeout=STEP_TIMEOUT_SECONDS, predicate=lambda call: "thread_ts" in call.body
    )
    screen.message("alert-resolved", "#devin-sandbox · alert, updated", update.body)
    screen.message("alert-thread", "#devin-sandbox · thread reply", reply.body)


async def run_demo(*, as_json: bool, console_factory: Callable[[], Console]) -> list[Shown]:
    """Run the whole scenario and return what was shown (the CLI prints; tests inspect)."""
    screen = DemoScreen(console_factory(), as_json=as_json)
    screen.step("Starting a simulated Devin org, a recording Slack and the app (HTTP mode) on free local ports")
    async with demo_world() as world:
        await play(world, screen)
    screen.step("Done: every stand-in stopped and the temporary store removed")
    return screen.shown
