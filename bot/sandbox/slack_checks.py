"""The rules the Slack stand-in's methods share: Slack's `ok: false` answers, block checks, and new views."""

from __future__ import annotations

import copy
import time
import uuid
from typing import Any

from bot.sandbox import SANDBOX_TEAM_ID
from bot.sandbox.slack_directory import SANDBOX_APP_ID, SANDBOX_BOT_ID, Json

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100


class _SlackError(Exception):
    """A Web API failure answered as HTTP 200 `{"ok": false, "error": code}`, as Slack does."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def check_blocks(blocks: Any, limit: int, error: str) -> None:
    if blocks is None:
        return
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise _SlackError("invalid_blocks_format")
    if len(blocks) > limit:
        raise _SlackError(error)


def new_view(view: Any, *, view_id: str | None = None) -> Json:
    """A view as Slack stores it (ids, hash, defaults), after the checks views.open/update/publish share."""
    if not isinstance(view, dict) or "type" not in view:
        raise _SlackError("invalid_arguments")
    check_blocks(view.get("blocks", []), VIEW_BLOCKS_MAX, "invalid_arguments")
    new_id = view_id or f"V{uuid.uuid4().hex[:10].upper()}"
    defaults: Json = {"private_metadata": "", "callback_id": "", "external_id": "", "state": {"values": {}}}
    return {
        **defaults,
        **copy.deepcopy(view),
        "id": new_id,
        "team_id": SANDBOX_TEAM_ID,
        "app_id": SANDBOX_APP_ID,
        "bot_id": SANDBOX_BOT_ID,
        "app_installed_team_id": SANDBOX_TEAM_ID,
        "root_view_id": new_id,
        "previous_view_id": None,
        "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
    }
