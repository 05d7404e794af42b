"""The demo's steps, one per surface of the app. To show a new surface, write one more step function here (or in
your own module) and append a `DemoStep` to `DEMO_STEPS`: a step must not rely on what an earlier step did, and
puts back whatever it changed in the simulated org.
"""

from __future__ import annotations

import time

from bot.cli.demo_entities import show_work_object
from bot.cli.demo_quiet import show_snooze
from bot.cli.demo_team import show_budget, show_digest, show_summary
from bot.cli.demo_world import DemoScreen, DemoStep, DemoWorld
from bot.ids import ActionId
from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_seed import SEED_RUNNING, SEED_WITH_ANALYSIS, SEED_WITHOUT_ANALYSIS
from bot.sandbox.slack_api import REGULAR_USER_ID, SlackCall
from bot.sandbox.slack_requests import app_home_opened_event, block_action, link_shared_event, new_ts

STORM_SIZE = 5
"""Sessions suspended at once in the storm step (more than the storm threshold of 3)."""
STORM_TITLE = "Nightly dependency bump"


def session_link(session_id: str) -> str:
    return f"https://app.devin.ai/sessions/{session_id.removeprefix('devin-')}"


def _top_level(call: SlackCall) -> bool:
    # In the channel: direct messages to a session's creator (posted to their user id) are not channel posts.
    return "thread_ts" not in call.body and call.body.get("channel") == SANDBOX_CHANNEL_ID


def _suspension_dm(call: SlackCall) -> bool:
    # A creator's DM is posted to their user id (Slack opens the app's DM with them); the seed's waiting
    # sessions may send Alice other DMs meanwhile.
    return call.body.get("channel") == REGULAR_USER_ID and "was suspended" in str(call.body.get("text"))


def _in_thread(call: SlackCall) -> bool:
    return "thread_ts" in call.body


async def show_card(world: DemoWorld, screen: DemoScreen) -> None:
    link = session_link(SEED_WITH_ANALYSIS)
    screen.step(f"A teammate types /devin-insights {link}")
    ack, hook = await world.command(link)
    (card,) = await world.hook_posts(hook)
    screen.message("lookup", f"Only visible to you · acked in {ack.elapsed * 1000:.0f} ms", card.body)


async def show_generate(world: DemoWorld, screen: DemoScreen) -> None:
    screen.step("A session without insights yet: the card offers to generate them")
    card = await world.reply_to(SEED_WITHOUT_ANALYSIS)
    screen.message("no-analysis", "Only visible to you", card.body)
    screen.step("They click Generate insights; the card shows progress, then the analysis")
    hook = world.slack.response_url()
    click = block_action(
        ActionId.GENERATE_INSIGHTS,
        SEED_WITHOUT_ANALYSIS,
        user_id=REGULAR_USER_ID,
        channel_id=SANDBOX_CHANNEL_ID,
        response_url=hook,
    )
    await world.sender.action(click)
    progress, final = await world.hook_posts(hook, 2)
    screen.message("generating", "Only visible to you · replaced", progress.body)
    screen.message("generated", "Only visible to you · replaced", final.body)
    world.devin.update_session(SEED_WITHOUT_ANALYSIS, analysis=None)  # the next run offers Generate again


async def show_details(world: DemoWorld, screen: DemoScreen) -> None:
    screen.step("They click Details: a modal with every issue, action item and timeline step")
    click = block_action(
        ActionId.SHOW_DETAILS,
        SEED_WITH_ANALYSIS,
        user_id=REGULAR_USER_ID,
        channel_id=SANDBOX_CHANNEL_ID,
        response_url=world.slack.response_url(),
    )
    await world.sender.action(click)
    (update,) = await world.calls("views.update")
    screen.message("details", "Details (modal)", update.body["view"], kind="modal")


async def show_share(world: DemoWorld, screen: DemoScreen) -> None:
    screen.step("They click Share in channel: the card is posted for everyone in #devin-sandbox")
    click = block_action(
        ActionId.SHARE_IN_CHANNEL,
        SEED_WITH_ANALYSIS,
        user_id=REGULAR_USER_ID,
        channel_id=SANDBOX_CHANNEL_ID,
        response_url=world.slack.response_url(),
    )
    await world.sender.action(click)
    (post,) = await world.calls("chat.postMessage", predicate=_top_level)
    screen.message("share", "#devin-sandbox · shared card", post.body)


async def show_unfurl(world: DemoWorld, screen: DemoScreen) -> None:
    link = session_link(SEED_WITH_ANALYSIS)
    screen.step("Someone pastes a session link in #devin-sandbox; it unfurls")
    event = link_shared_event([link], channel=SANDBOX_CHANNEL_ID, user=REGULAR_USER_ID, message_ts=new_ts())
    await world.sender.event(event)
    (unfurl,) = await world.calls("chat.unfurl")
    screen.message("unfurl", "#devin-sandbox · link preview", unfurl.body["unfurls"][link])


async def show_alert(world: DemoWorld, screen: DemoScreen) -> None:
    screen.step("The org runs out of credits: a running session is suspended (out_of_credits)")
    world.devin.set_status(SEED_RUNNING, "suspended", "out_of_credits")
    world.org_changed()
    (alert,) = await world.calls("chat.postMessage", predicate=_top_level)
    screen.message("alert", "#devin-sandbox · alert", alert.body)
    screen.step("The person who started it hears about it in the app's Messages tab")
    (dm,) = await world.calls("chat.postMessage", predicate=_suspension_dm)
    screen.message("alert-dm", "Messages tab · direct message to the session's creator", dm.body)
    screen.step("Credits are added and the session resumes: the alert is resolved in place")
    world.devin.set_status(SEED_RUNNING, "running", "working")
    world.org_changed()
    (update,) = await world.calls("chat.update", predicate=lambda call: call.body.get("ts") == alert.response["ts"])
    (reply,) = await world.calls("chat.postMessage", predicate=_in_thread)
    screen.message("alert-resolved", "#devin-sandbox · alert, updated", update.body)
    screen.message("alert-thread", "#devin-sandbox · thread reply", reply.body)


async def show_storm(world: DemoWorld, screen: DemoScreen) -> None:
    screen.step(f"{STORM_SIZE} sessions are suspended at once: one grouped alert instead of {STORM_SIZE}")
    now = int(time.time())
    ids = world.devin.add_many(
        STORM_SIZE, title=STORM_TITLE, status="suspended", status_detail="out_of_credits", updated_at=now
    )
    world.org_changed()
    (group,) = await world.calls("chat.postMessage", predicate=_top_level)
    screen.message("storm", "#devin-sandbox · grouped alert", group.body)
    screen.step("They all finish: the grouped alert is resolved")
    for session_id in ids:
        world.devin.set_status(session_id, "exit", None)
    world.org_changed()
    updates = await world.calls("chat.update", predicate=lambda call: call.body.get("ts") == group.response["ts"])
    screen.message("storm-resolved", "#devin-sandbox · grouped alert, updated", updates[-1].body)
    for session_id in ids:
        world.devin.remove_session(session_id)


async def show_alert_settings(world: DemoWorld, screen: DemoScreen) -> None:
    screen.step("/devin-insights alerts: where suspension alerts go, and for which reasons")
    reply = await world.reply_to("alerts")
    screen.message("alert-settings", "Only visible to you", reply.body)


async def show_help(world: DemoWorld, screen: DemoScreen) -> None:
    screen.step("/devin-insights help")
    reply = await world.reply_to("help")
    screen.message("help", "Only visible to you", reply.body)


async def show_home(world: DemoWorld, screen: DemoScreen) -> None:
    screen.step("They open the app's Home tab")
    await world.sender.event(app_home_opened_event(REGULAR_USER_ID))
    (publish,) = await world.calls("views.publish")
    screen.message("home", "App Home", publish.body["view"], kind="home")


DEMO_STEPS: list[DemoStep] = [
    DemoStep("card", show_card),
    DemoStep("generate", show_generate),
    DemoStep("details", show_details),
    DemoStep("share", show_share),
    DemoStep("unfurl", show_unfurl),
    DemoStep("work-object", show_work_object),
    DemoStep("alert", show_alert),
    DemoStep("storm", show_storm),
    DemoStep("snooze", show_snooze),
    DemoStep("alert-settings", show_alert_settings),
    DemoStep("help", show_help),
    DemoStep("home", show_home),
    DemoStep("summary", show_summary),
    DemoStep("digest", show_digest),
    DemoStep("budget", show_budget),
]
"""Every surface, in the order a newcomer meets them. Append yours."""
