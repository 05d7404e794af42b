"""The demo's Work Objects step: a pasted link as a task entity, then its side panel opened by a teammate.

The terminal cannot draw a Work Object, so each entity is shown as the Block Kit it most resembles (title,
fields, custom fields): a picture of what the entity carries, not what Slack draws.
"""

from __future__ import annotations

from typing import Any

from blocks.kit import Block, context, header, section
from blocks.text import escape, slack_date
from bot.cli.demo_world import DemoScreen, DemoWorld
from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_seed import SEED_WITH_ANALYSIS
from bot.sandbox.slack_api import REGULAR_USER_ID
from bot.sandbox.slack_requests import entity_details_requested_event, link_shared_event, new_ts

VALUES_SHOWN = 4
"""List fields (issues, timeline…) show their first few items here; the panel has up to ten."""


def session_link(session_id: str) -> str:
    return f"https://app.devin.ai/sessions/{session_id.removeprefix('devin-')}"


async def show_work_object(world: DemoWorld, screen: DemoScreen) -> None:
    link = session_link(SEED_WITH_ANALYSIS)
    screen.step("The pasted link is also a Work Object: a task entity next to the Block Kit preview")
    ts = new_ts()
    await world.sender.event(link_shared_event([link], channel=SANDBOX_CHANNEL_ID, user=REGULAR_USER_ID, message_ts=ts))
    (unfurl,) = await world.calls("chat.unfurl", predicate=lambda call: call.body.get("ts") == ts)
    (entity,) = unfurl.body["metadata"]["entities"]
    screen.message("work-object", "#devin-sandbox · Work Object (everyone in the channel sees it)", _picture(entity))
    screen.step("A teammate clicks it: the side panel, only for them, after the access check")
    trigger = world.slack.work_objects.issue_trigger(entity["external_ref"]["id"], REGULAR_USER_ID)
    event = entity_details_requested_event(
        trigger_id=trigger,
        external_ref=entity["external_ref"],
        entity_url=entity["url"],
        app_unfurl_url=link,
        user=REGULAR_USER_ID,
        channel=SANDBOX_CHANNEL_ID,
        message_ts=ts,
    )
    await world.sender.event(event)
    (panel,) = await world.calls("entity.presentDetails", predicate=lambda call: call.body["trigger_id"] == trigger)
    took = (panel.at - world.step_started) * 1000
    screen.message(
        "flexpane", f"Side panel · only visible to you · answered in {took:.0f} ms", _picture(panel.body["metadata"])
    )


def _picture(entity: dict[str, Any]) -> dict[str, Any]:
    payload = entity["entity_payload"]
    blocks: list[Block] = [header(payload["attributes"]["title"]["text"])]
    lines = [
        f"*{escape(key.replace('_', ' ').capitalize())}:* {_value(field)}" for key, field in payload["fields"].items()
    ]
    lines += [f"*{escape(field['label'])}:* {_value(field)}" for field in payload.get("custom_fields", [])]
    blocks += [section("\n".join(lines[i : i + 6])) for i in range(0, len(lines), 6)]
    actions = [a["text"] for a in payload.get("actions", {}).get("primary_actions", [])]
    blocks.append(context(f"{escape(entity['entity_type'])} · actions: {escape(', '.join(actions) or 'none')}"))
    return {"blocks": blocks}


def _value(field: dict[str, Any]) -> str:
    if "user" in field:
        user = field["user"]
        return f"<@{user['user_id']}>" if "user_id" in user else escape(user.get("text", ""))
    value = field.get("value")
    if isinstance(value, list):
        items = [escape(str(item.get("value", ""))) for item in value[:VALUES_SHOWN]]
        more = f" (+{len(value) - VALUES_SHOWN} more)" if len(value) > VALUES_SHOWN else ""
        return "\n• " + "\n• ".join(items) + more
    if isinstance(value, int) and value > 1_000_000_000:
        return slack_date(value)
    return escape(str(value))
