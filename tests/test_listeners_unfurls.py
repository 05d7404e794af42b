"""`link_shared` handler, fast tier: which links unfurl, how much they show, and one `chat.unfurl` per event."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.web.slack_response import SlackResponse

from bot.listeners.unfurls import make_link_shared
from tests import blocks_samples as s

SESSION = s.example(s.SESSION_RUNNING)
HEX = SESSION["session_id"].removeprefix("devin-")
URL = f"https://app.devin.ai/sessions/{HEX}"


def _event(*urls: str, channel: str = "C0SANDBOX01") -> dict[str, Any]:
    return {
        "type": "link_shared",
        "channel": channel,
        "message_ts": "1700000000.000100",
        "user": "U0REGULAR",
        "links": [{"url": url, "domain": "app.devin.ai"} for url in urls],
    }


def _channel_info(shared: bool) -> SlackResponse:
    data = {"ok": True, "channel": {"id": "C0SANDBOX01", "is_ext_shared": shared}}
    return SlackResponse(
        client=None, http_verb="POST", api_url="conversations.info", req_args={}, data=data, headers={}, status_code=200
    )


async def _run(unit: Any, event: dict[str, Any], event_id: str = "Ev1") -> None:
    await make_link_shared(unit.deps)(body={"event_id": event_id, "event": event}, event=event, client=unit.slack)


async def test_unfurls_a_known_session_keyed_by_the_url_as_pasted(unit: Any) -> None:
    unit.devin.sessions[SESSION["session_id"]] = SESSION
    unit.slack.conversations_info.return_value = _channel_info(shared=False)
    await _run(unit, _event(URL, "https://example.com/other"))
    kwargs = unit.slack.chat_unfurl.await_args.kwargs
    assert list(kwargs["unfurls"]) == [URL]
    assert (kwargs["channel"], kwargs["ts"]) == ("C0SANDBOX01", "1700000000.000100")


async def test_unfurls_an_unknown_session_is_skipped_and_nothing_is_sent(unit: Any) -> None:
    unit.slack.conversations_info.return_value = _channel_info(shared=False)
    await _run(unit, _event(URL))
    unit.slack.chat_unfurl.assert_not_awaited()


async def test_unfurls_a_redelivered_event_is_handled_once(unit: Any) -> None:
    unit.devin.sessions[SESSION["session_id"]] = SESSION
    unit.slack.conversations_info.return_value = _channel_info(shared=False)
    await _run(unit, _event(URL), event_id="Ev9")
    await _run(unit, _event(URL), event_id="Ev9")
    assert unit.slack.chat_unfurl.await_count == 1


async def test_unfurls_in_slack_connect_are_minimal_by_default(unit: Any) -> None:
    unit.devin.sessions[SESSION["session_id"]] = SESSION
    unit.slack.conversations_info.return_value = _channel_info(shared=True)
    await _run(unit, _event(URL))
    shared = unit.slack.chat_unfurl.await_args.kwargs["unfurls"][URL]
    unit.slack.conversations_info.return_value = _channel_info(shared=False)
    await _run(unit, _event(URL, channel="C0INTERNAL"), event_id="Ev2")
    internal = unit.slack.chat_unfurl.await_args.kwargs["unfurls"][URL]
    assert len(str(shared)) < len(str(internal))


@pytest.mark.parametrize("unit_settings_overrides", [{"unfurl_mode": "off"}])
async def test_unfurls_off_sends_nothing_and_asks_devin_nothing(unit: Any) -> None:
    await _run(unit, _event(URL))
    unit.slack.chat_unfurl.assert_not_awaited()
    assert unit.devin.requests == []


@pytest.mark.parametrize("unit_settings_overrides", [{"unfurl_shared_channels": "off"}])
async def test_unfurls_shared_channels_off_sends_nothing_there(unit: Any) -> None:
    unit.devin.sessions[SESSION["session_id"]] = SESSION
    unit.slack.conversations_info.return_value = _channel_info(shared=True)
    await _run(unit, _event(URL))
    unit.slack.chat_unfurl.assert_not_awaited()
