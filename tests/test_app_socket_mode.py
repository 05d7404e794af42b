"""Socket Mode: the same app, connected to the stand-in's WebSocket, answers the same slash command."""

from __future__ import annotations

import json
from pathlib import Path

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.app import create_app
from bot.config import Settings
from bot.devin.client import DevinClient
from bot.sandbox import SANDBOX_API_KEY, SANDBOX_APP_TOKEN, SANDBOX_BOT_TOKEN, SANDBOX_CHANNEL_ID, SANDBOX_ORG_ID
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.devin_seed import SEED_OUT_OF_CREDITS, SEED_WITH_ANALYSIS
from bot.sandbox.slack_api import REGULAR_USER_ID, SlackStandIn
from bot.sandbox.slack_requests import link_shared_event, new_ts, slash_command


async def test_socket_mode_serves_the_slash_command_and_unfurls(tmp_path: Path) -> None:
    async with DevinSimulator() as devin, SlackStandIn() as slack:
        settings = Settings(
            slack_bot_token=SANDBOX_BOT_TOKEN,
            slack_app_token=SANDBOX_APP_TOKEN,
            slack_api_url=slack.api_url,
            devin_api_key=SANDBOX_API_KEY,
            devin_org_id=SANDBOX_ORG_ID,
            devin_api_url=devin.url,
            database_url=f"sqlite:///{tmp_path}/store.db",
        )
        assert settings.socket_mode and settings.slack_signing_secret is None
        client = DevinClient.create(api_url=devin.url, api_key=SANDBOX_API_KEY, org_id=SANDBOX_ORG_ID)
        app = create_app(settings, devin=client)
        handler = AsyncSocketModeHandler(app.bolt, app_token=SANDBOX_APP_TOKEN)
        try:
            await handler.connect_async()
            await slack.socket.wait_connected()
            hook = slack.response_url()
            command = slash_command(
                SEED_WITH_ANALYSIS, response_url=hook, user_id=REGULAR_USER_ID, channel_id=SANDBOX_CHANNEL_ID
            )
            ack = await slack.socket.send_envelope("slash_commands", command)
            assert "envelope_id" in ack
            (card,) = await slack.wait_for("response_url", predicate=lambda call: call.hook == hook.rsplit("/", 1)[1])
            assert "Fix 500 on refund endpoint" in json.dumps(card.body)

            link = f"https://app.devin.ai/sessions/{SEED_OUT_OF_CREDITS.removeprefix('devin-')}"
            event = link_shared_event([link], channel=SANDBOX_CHANNEL_ID, user=REGULAR_USER_ID, message_ts=new_ts())
            await slack.socket.send_envelope("events_api", event)
            (unfurl,) = await slack.wait_for("chat.unfurl")
            assert list(unfurl.body["unfurls"]) == [link]
        finally:
            await handler.close_async()
            await app.stop()
