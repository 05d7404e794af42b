"""Global middleware: the workspace gate (no data for workspaces that are not allowed) and the shared `respond`."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse

from blocks import sentences
from bot.listeners.deps import AppDeps
from bot.listeners.entities import refuse_flexpane
from bot.slack.payloads import requesting_team
from bot.slack.respond import ResponseUrlReply

log = logging.getLogger(__name__)

Middleware = Callable[..., Awaitable[BoltResponse | None]]
Next = Callable[[], Awaitable[None]]


def make_respond_middleware(deps: AppDeps) -> Middleware:
    async def use_shared_respond(context: AsyncBoltContext, next: Next) -> None:
        # Listeners (and the error handler) receive this through Bolt's `respond` argument; without a
        # response_url, Bolt's own would raise ValueError in the middle of a listener.
        context["respond"] = ResponseUrlReply(context.response_url, deps.slack)
        await next()

    return use_shared_respond


def make_access_middleware(deps: AppDeps) -> Middleware:
    async def check_workspace(body: dict[str, Any], context: AsyncBoltContext, next: Next) -> BoltResponse | None:
        team_id, enterprise_id = requesting_team(body)
        authorized = context.authorize_result
        allowed = deps.access.team_allowed(
            user_team_id=team_id,
            enterprise_id=enterprise_id,
            installed_team_id=str(authorized.team_id or "") if authorized else "",
            installed_enterprise_id=str(authorized.enterprise_id or "") if authorized else "",
        )
        if allowed:
            await next()
            return None
        log.info("access.refused", extra={"team_id": team_id, "enterprise_id": enterprise_id})
        if "command" in body:
            refusal = {"response_type": "ephemeral", "text": sentences.NOT_ALLOWED_WORKSPACE}
            return BoltResponse(status=200, body=json.dumps(refusal), headers={"content-type": "application/json"})
        if _is_flexpane_request(body) and context.client is not None:
            await refuse_flexpane(context.client, body)  # Slack's error form, not silence
        if body.get("type") == "block_actions" and context.respond is not None:
            await context.respond(
                text=sentences.NOT_ALLOWED_WORKSPACE, response_type="ephemeral", replace_original=False
            )
        return BoltResponse(status=200, body="")

    return check_workspace


def _is_flexpane_request(body: dict[str, Any]) -> bool:
    event = body.get("event")
    return (
        body.get("type") == "event_callback"
        and isinstance(event, dict)
        and event.get("type") == ("entity_details_requested")
    )
