"""The demo's team steps: a summary, a digest and an ACU budget warning (each leaves the org as it found it)."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.cli.demo_world import DEMO_ACU_BUDGET, DemoScreen, DemoWorld
from bot.sandbox.slack_api import SlackCall

BUDGET_SHARE = 0.85


def _top_level_with(word: str) -> Callable[[SlackCall], bool]:
    def match(call: SlackCall) -> bool:
        return "thread_ts" not in call.body and word in str(call.body.get("text", ""))

    return match


async def show_summary(world: DemoWorld, screen: DemoScreen) -> None:
    screen.step("/devin-insights summary 7d: the team's week — sessions, ACUs, pull requests, Devin's own analyses")
    reply = await world.reply_to("summary 7d")
    screen.message("summary", "Only visible to you", reply.body)


async def show_digest(world: DemoWorld, screen: DemoScreen) -> None:
    screen.step("/devin-insights digest daily 09:00 schedules it (your Slack time zone); digest now posts one")
    scheduled = await world.reply_to("digest daily 09:00")
    screen.message("digest-scheduled", "Only visible to you", scheduled.body)
    _, hook = await world.command("digest now")
    (post,) = await world.calls("chat.postMessage", predicate=_top_level_with("Devin digest"))
    await world.hook_posts(hook)
    screen.message("digest", "#devin-sandbox · digest", post.body)
    _, hook = await world.command("digest off")
    await world.hook_posts(hook)


async def show_budget(world: DemoWorld, screen: DemoScreen) -> None:
    engine = world.app.deps.scheduled
    assert engine is not None, "the demo app runs with its store"
    screen.step(f"A big session pushes this month past {BUDGET_SHARE:.0%} of ACU_BUDGET: one warning, with a forecast")
    status = await engine.check_budget()
    used = status.used if status is not None else 0.0
    spend = round(max(DEMO_ACU_BUDGET * BUDGET_SHARE - used, 1.0), 1)
    big = world.devin.add_session(title="Re-index every repository", acus_consumed=spend, created_at=int(time.time()))
    try:
        await engine.check_budget()
        (warning,) = await world.calls("chat.postMessage", predicate=_top_level_with("ACU budget"))
        screen.message("budget", "#devin-sandbox · budget warning", warning.body)
    finally:
        world.devin.remove_session(big["session_id"])
