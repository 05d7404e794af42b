"""Link unfurls end to end: `link_shared` events over real HTTP → one `chat.unfurl` on the Slack stand-in."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_seed import SEED_OUT_OF_CREDITS, SEED_WITH_ANALYSIS, SEED_WITHOUT_ANALYSIS, UNKNOWN_SESSION_ID
from bot.sandbox.slack_api import REGULAR_USER_ID, SHARED_CHANNEL_ID
from bot.sandbox.slack_requests import COMPOSER_CHANNEL, link_shared_event, new_ts
from tests.blockkit_limits import assert_unfurl_limits
from tests.fixtures_app import RunningApp, running_app


def _url(session_id: str, suffix: str = "") -> str:
    return f"https://app.devin.ai/sessions/{session_id.removeprefix('devin-')}{suffix}"


def _event(links: list[str], **fields: Any) -> dict[str, Any]:
    fields.setdefault("channel", SANDBOX_CHANNEL_ID)
    fields.setdefault("message_ts", new_ts())
    return link_shared_event(links, user=REGULAR_USER_ID, **fields)


async def test_unfurl_three_links_one_unknown_gives_one_call_with_two_cards(live: RunningApp) -> None:
    pasted = [
        _url(SEED_WITH_ANALYSIS, "?tab=info"),
        _url(SEED_OUT_OF_CREDITS).upper().replace("HTTPS://APP.DEVIN.AI", "https://app.devin.ai"),
        _url(UNKNOWN_SESSION_ID),
    ]
    result = await live.sender.event(_event(pasted))
    assert result.status == 200
    (call,) = await live.slack.wait_for("chat.unfurl")
    assert call.ok
    assert set(call.body["unfurls"]) == set(pasted[:2])  # keyed by the exact URLs as pasted
    assert call.body["channel"] == SANDBOX_CHANNEL_ID and call.body["ts"]
    for unfurl in call.body["unfurls"].values():
        assert "text" not in unfurl
        assert_unfurl_limits(unfurl)
    assert "out of" in json.dumps(call.body["unfurls"][pasted[1]]).lower()


async def test_unfurl_composer_event_uses_unfurl_id_and_source(live: RunningApp) -> None:
    event = _event(
        [_url(SEED_WITH_ANALYSIS)], channel=COMPOSER_CHANNEL, unfurl_id=f"{SANDBOX_CHANNEL_ID}.1700000000.000100.abc"
    )
    await live.sender.event(event)
    (call,) = await live.slack.wait_for("chat.unfurl")
    assert call.ok
    assert call.body["unfurl_id"] == event["event"]["unfurl_id"] and call.body["source"] == "composer"
    assert "channel" not in call.body


async def test_unfurl_retried_event_is_not_unfurled_twice(live: RunningApp) -> None:
    event = _event([_url(SEED_WITH_ANALYSIS)])
    await live.sender.event(event)
    await live.slack.wait_for("chat.unfurl")
    retry = await live.sender.event(event, retry_num=1, retry_reason="http_timeout")
    assert retry.status == 200
    await live.settle()
    assert len(live.slack.calls_to("chat.unfurl")) == 1


async def test_unfurl_same_link_twice_within_cache_window_costs_one_devin_request(live: RunningApp) -> None:
    link = _url(SEED_WITH_ANALYSIS)
    await asyncio.gather(live.sender.event(_event([link])), live.sender.event(_event([link])))
    await live.slack.wait_for("chat.unfurl", count=2)
    await live.sender.event(_event([link]))
    await live.slack.wait_for("chat.unfurl", count=3)
    assert len(live.devin.requests_to(f"/sessions/{SEED_WITH_ANALYSIS}")) == 1


async def test_unfurl_other_hosts_and_near_misses_make_no_call(live: RunningApp) -> None:
    hex_id = SEED_WITH_ANALYSIS.removeprefix("devin-")
    near_misses = [
        f"https://app.devin.ai.evil.example/sessions/{hex_id}",
        f"https://example.com/sessions/{hex_id}",
        f"https://app.devin.ai/session/{hex_id}",
        f"https://app.devin.ai/sessions/{hex_id[:-1]}",
        f"https://app.devin.ai/sessions/{hex_id}/files/secret",
        "https://app.devin.ai/settings",
    ]
    await live.sender.event(_event(near_misses))
    await live.settle()
    assert live.slack.calls_to("chat.unfurl") == []
    assert live.devin.requests == []


async def test_unfurl_devin_failing_renders_no_broken_card_and_app_stays_up(live: RunningApp) -> None:
    live.devin.inject(status=500, times=50)
    await live.sender.event(_event([_url(SEED_WITH_ANALYSIS)]))
    await live.settle()
    assert live.slack.calls_to("chat.unfurl") == []
    live.devin.clear_faults()
    await live.sender.event(_event([_url(SEED_WITHOUT_ANALYSIS)]))
    (call,) = await live.slack.wait_for("chat.unfurl")
    assert list(call.body["unfurls"]) == [_url(SEED_WITHOUT_ANALYSIS)]


async def test_unfurl_in_slack_connect_channel_is_minimal(live: RunningApp) -> None:
    link = _url(SEED_WITH_ANALYSIS)
    await live.sender.event(_event([link], channel=SHARED_CHANNEL_ID))
    (call,) = await live.slack.wait_for("chat.unfurl")
    minimal = call.body["unfurls"][link]
    await live.sender.event(_event([link]))
    full = (await live.slack.wait_for("chat.unfurl", count=2))[1].body["unfurls"][link]
    assert len(json.dumps(minimal)) < len(json.dumps(full))
    assert "ACUs" not in json.dumps(minimal) and "ACUs" in json.dumps(full)
    assert len(live.slack.calls_to("conversations.info")) == 2  # one per channel, then cached


async def test_unfurl_mode_off_makes_no_call(tmp_path: Any) -> None:
    async with running_app(tmp_path, unfurl_mode="off") as app:
        await app.sender.event(_event([_url(SEED_WITH_ANALYSIS)]))
        await app.settle()
        assert app.slack.calls_to("chat.unfurl") == []
        assert app.devin.requests == []


async def test_unfurl_mode_minimal_everywhere(tmp_path: Any) -> None:
    async with running_app(tmp_path, unfurl_mode="minimal") as app:
        link = _url(SEED_WITH_ANALYSIS)
        await app.sender.event(_event([link]))
        (call,) = await app.slack.wait_for("chat.unfurl")
        assert len(call.body["unfurls"][link]["blocks"]) <= 2


async def test_unfurl_shared_channels_full_when_configured(tmp_path: Any) -> None:
    async with running_app(tmp_path, unfurl_shared_channels="full") as app:
        link = _url(SEED_WITH_ANALYSIS)
        await app.sender.event(_event([link], channel=SHARED_CHANNEL_ID))
        (call,) = await app.slack.wait_for("chat.unfurl")
        assert "ACUs" in json.dumps(call.body["unfurls"][link])
        assert app.slack.calls_to("conversations.info") == []
