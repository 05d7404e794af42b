"""Names on cards, previews and the details modal, end to end over real HTTP (signed Slack requests, the
simulated Devin org with members, the Slack stand-in answering `users.lookupByEmail`)."""

from __future__ import annotations

import json
from typing import Any

from bot.ids import ActionId
from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_seed import SEED_WITH_ANALYSIS
from bot.sandbox.slack_api import REGULAR_USER_ID
from bot.sandbox.slack_requests import link_shared_event, new_ts
from tests.fixtures_app import RunningApp, running_app

MEMBERS = "/members/users/"
URL = f"https://app.devin.ai/sessions/{SEED_WITH_ANALYSIS.removeprefix('devin-')}"


def member_requests(live: RunningApp) -> int:
    return len([r for r in live.devin.requests if MEMBERS in r.path])


async def test_people_card_names_the_creator_without_a_mention(live: RunningApp) -> None:
    _, hook = await live.command(URL)
    (card,) = await live.responses(hook)
    text = json.dumps(card["blocks"], ensure_ascii=False)
    assert "Alice Liddell" in text and "<@" not in text


async def test_people_unfurls_name_the_creator_and_cache_the_lookup(live: RunningApp) -> None:
    for _ in range(2):
        event = link_shared_event(
            [URL + f"?n={new_ts()}"], user=REGULAR_USER_ID, channel=SANDBOX_CHANNEL_ID, message_ts=new_ts()
        )
        await live.sender.event(event)
    calls = await live.slack.wait_for("chat.unfurl", count=2)
    for call in calls:
        text = json.dumps(call.body["unfurls"], ensure_ascii=False)
        assert "Alice Liddell" in text and "<@" not in text
    assert member_requests(live) == 1 and len(live.slack.calls_to("users.lookupByEmail")) == 1


async def test_people_details_modal_shows_name_and_email(live: RunningApp) -> None:
    await live.click(ActionId.SHOW_DETAILS, SEED_WITH_ANALYSIS, trigger_id="trig-people-1")
    (update,) = await live.slack.wait_for("views.update")
    text = json.dumps(update.body["view"], ensure_ascii=False)
    assert "Alice Liddell" in text and "user@example.com" in text


async def test_people_members_permission_missing_cards_show_the_devin_id(live: RunningApp) -> None:
    live.devin.members.view_membership = False
    _, hook = await live.command(URL)
    (card,) = await live.responses(hook)
    assert "user-7a41c2e9d3b5" in json.dumps(card["blocks"]) and "Alice" not in json.dumps(card["blocks"])


async def test_people_notify_command_turns_dms_off_and_on(tmp_path: Any) -> None:
    async with running_app(tmp_path, with_alerts=True) as app:
        replies = []
        for text in ("notify", "notify off", "notify", "notify on", "notify sideways"):
            _, hook = await app.command(text)
            (reply,) = await app.responses(hook)
            replies.append(json.dumps(reply["blocks"]))
        assert app.app.deps.people is not None
        assert await app.app.deps.people.notify_setting(REGULAR_USER_ID)
    assert "are on" in replies[0] and "Done" in replies[1] and "are off" in replies[1]
    assert "are off" in replies[2] and "Done" in replies[3] and "are on" in replies[3]
    assert "not a notify command" in replies[4]


async def test_people_notify_without_alerts_says_it_is_unavailable(live: RunningApp) -> None:
    _, hook = await live.command("notify off")
    (reply,) = await live.responses(hook)
    assert "isn't running" in json.dumps(reply["blocks"])
