"""`manifest.yml` asks for exactly the scopes the code uses and wires every surface the app listens to."""

from __future__ import annotations

import re
from pathlib import Path

from bot.ids import SLASH_COMMAND
from bot.slack.scopes import BOT_SCOPES

MANIFEST = (Path(__file__).resolve().parents[1] / "manifest.yml").read_text(encoding="utf-8")


def _list_under(key: str) -> list[str]:
    """The `- item` entries of a YAML list under `key:` (the manifest is simple enough for this)."""
    match = re.search(rf"^(\s*){re.escape(key)}:\s*\n((?:\1\s+-.*\n)+)", MANIFEST, re.M)
    assert match, f"{key} not found in manifest.yml"
    return [line.split("-", 1)[1].split("#", 1)[0].strip() for line in match.group(2).splitlines()]


def test_manifest_bot_scopes_match_the_code() -> None:
    assert _list_under("bot") == list(BOT_SCOPES)


def test_manifest_subscribes_to_the_events_the_app_handles() -> None:
    assert sorted(_list_under("bot_events")) == ["app_home_opened", "link_shared"]


def test_manifest_declares_command_unfurl_domain_and_interactivity() -> None:
    assert f"command: {SLASH_COMMAND}" in MANIFEST
    assert _list_under("unfurl_domains") == ["app.devin.ai"]
    assert re.search(r"interactivity:\s*\n\s+is_enabled: true", MANIFEST)
    assert "socket_mode_enabled: true" in MANIFEST
