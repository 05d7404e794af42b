"""What a demo step gets and shows: the running world, the screen, the step type and the demo's shared limits.

The lowest of the demo modules: `demo` (the runner) imports `demo_steps`, which imports the step modules
(`demo_entities`, `demo_quiet`, `demo_team`); all of them import this one, and it imports none of them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.text import Text

from bot.app import InsightsApp
from bot.cli.terminal import block_kit_builder_url, render_message, shorten
from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.slack_api import REGULAR_USER_ID, SlackCall, SlackStandIn
from bot.sandbox.slack_requests import SlackHttpResult, SlackRequestSender, slash_command

STEP_TIMEOUT_SECONDS = 10.0
DEMO_ACU_BUDGET = 2000.0
"""Far above what the seeded org uses in a month, so nothing warns until the budget step spends."""
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

    def org_changed(self) -> None:
        """The step changed the simulated org: the app polls now, not up to a poll interval later (same alerts)."""
        if self.app.deps.alerts is not None:
            self.app.deps.alerts.poll_soon()

    async def command(self, text: str, *, user_id: str = REGULAR_USER_ID) -> tuple[SlackHttpResult, str]:
        """Type `/devin-insights <text>` in #devin-sandbox; returns the ack and the command's response_url."""
        hook = self.slack.response_url()
        fields = slash_command(text, response_url=hook, user_id=user_id, channel_id=SANDBOX_CHANNEL_ID)
        return await self.sender.command(fields), hook

    async def reply_to(self, text: str) -> SlackCall:
        """Type `/devin-insights <text>` and wait for its one reply (visible to the typer only)."""
        _, hook = await self.command(text)
        (reply,) = await self.hook_posts(hook)
        return reply

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
