"""`manifest.yml` asks for exactly the scopes the code uses and wires every surface the app listens to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from blocks.entity import ENTITY_TYPES
from bot.ids import SLASH_COMMAND
from bot.slack.scopes import BOT_SCOPES

MANIFEST: dict[str, Any] = yaml.safe_load((Path(__file__).resolve().parents[1] / "manifest.yml").read_text("utf-8"))


def test_manifest_bot_scopes_match_the_code() -> None:
    assert MANIFEST["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)


def test_manifest_subscribes_to_the_events_the_app_handles() -> None:
    assert sorted(MANIFEST["settings"]["event_subscriptions"]["bot_events"]) == [
        "app_home_opened",
        "entity_details_requested",
        "link_shared",
    ]


def test_manifest_declares_command_unfurl_domain_and_interactivity() -> None:
    features, settings = MANIFEST["features"], MANIFEST["settings"]
    assert [command["command"] for command in features["slash_commands"]] == [SLASH_COMMAND]
    assert features["unfurl_domains"] == ["app.devin.ai"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert features["app_home"]["home_tab_enabled"] is True


def test_manifest_enables_work_object_previews_for_the_entity_types_the_app_sends() -> None:
    previews = MANIFEST["features"]["rich_previews"]
    assert previews["is_active"] is True
    assert sorted(previews["entity_types"]) == sorted(ENTITY_TYPES)
