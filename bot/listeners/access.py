"""Global middleware: requests from workspaces that are not allowed get a polite refusal and no data."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse

from bot.deps import AppDeps
from bot.listeners import replies

log = logging.getLogger(__name__)

Middleware = Callable[..., Awaitable[BoltResponse | None]]


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def requesting_team(body: dict[str, Any]) -> tuple[str, str]:
    """(the requesting user's own team id, the Grid enterprise id) for commands, interactions and events."""
    if "command" in body:
        return _str(body.get("team_id")), _str(body.get("enterprise_id"))
    if body.get("type") == "event_callback":
        event = _obj(body.get("event"))
        return _str(event.get("user_team")) or _str(body.get("team_id")), _str(body.get("enterprise_id"))
    user, team, enterprise = _obj(body.get("user")), _obj(body.get("team")), _obj(body.get("enterprise"))
    return _str(user.get("team_id")) or _str(team.get("id")), _str(enterprise.get("id"))


def make_access_middleware(deps: AppDeps) -> Middleware:
    async def check_workspace(
        body: dict[str, Any], context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        team_id, enterprise_id = requesting_team(body)
        authorized = context.authorize_result
        allowed = deps.access.team_allowed(
            user_team_id=team_id,
            enterprise_id=enterprise_id,
            installed_team_id=_str(authorized.team_id) if authorized else "",
            installed_enterprise_id=_str(authorized.enterprise_id) if authorized else "",
        )
        if allowed:
            await next()
            return None
        log.info("access.refused", extra={"team_id": team_id, "enterprise_id": enterprise_id})
        if "command" in body:
            refusal = {"response_type": "ephemeral", "text": replies.NOT_ALLOWED_WORKSPACE}
            return BoltResponse(status=200, body=json.dumps(refusal), headers={"content-type": "application/json"})
        if body.get("type") == "block_actions" and context.respond is not None:
            await context.respond(text=replies.NOT_ALLOWED_WORKSPACE, response_type="ephemeral", replace_original=False)
        return BoltResponse(status=200, body="")

    return check_workspace
