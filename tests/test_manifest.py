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


# What slackapi/manifest-schema (schemas/manifest.schema.1.0.0.json) allows for the parts this manifest uses.
# `rich_previews` is the one key the schema does not list yet (it predates Work Objects; Slack's own Work Objects
# sample declares it), so it is the only exception to the schema's `additionalProperties: false` here.
SCHEMA_FEATURES = {
    "app_home",
    "bot_user",
    "functions",
    "shortcuts",
    "slash_commands",
    "workflow_steps",
    "unfurl_domains",
    "assistant_view",
}
NOT_IN_SCHEMA_YET = {"rich_previews"}
UNFURL_DOMAIN_RE = r"^(?![\.\-])([-a-z0-9\.])+([a-z0-9])$"


def test_manifest_stays_within_the_published_schema() -> None:
    import re

    from blocks.alert_metadata import RESOLVED_EVENT, SUSPENDED_EVENT

    assert set(MANIFEST) <= {"_metadata", "display_information", "features", "oauth_config", "settings"}
    info = MANIFEST["display_information"]
    assert 1 <= len(info["name"]) <= 35 and 1 <= len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    features = MANIFEST["features"]
    assert set(features) - SCHEMA_FEATURES == NOT_IN_SCHEMA_YET
    domains = features["unfurl_domains"]
    assert 1 <= len(domains) <= 5 and len(set(domains)) == len(domains)
    assert all(re.fullmatch(UNFURL_DOMAIN_RE, d) and len(d) <= 255 for d in domains)
    for command in features["slash_commands"]:
        assert 2 <= len(command["command"]) <= 32 and command["command"].startswith("/")
    events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert len(set(events)) == len(events) and all(len(e) <= 50 for e in events)
    assert all(len(scope) <= 50 for scope in MANIFEST["oauth_config"]["scopes"]["bot"])
    # Metadata subscribers name our event types in their manifests: the schema caps those at 50 characters.
    assert all(len(event) <= 50 for event in (SUSPENDED_EVENT, RESOLVED_EVENT))
