"""What one `chat.unfurl` carries: the Block Kit previews and, with Work Objects on, one task entity per link."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from blocks.entity import Assignee, assignee_of, session_task_entity
from blocks.unfurl import session_unfurl
from bot.devin.models import Session
from bot.people.records import Person


def unfurl_content(
    sessions: Mapping[str, Session],
    *,
    app_url: str,
    minimal: bool,
    work_objects: bool,
    assignees: Mapping[str, Assignee] | None = None,
    creators: Mapping[str, Person] | None = None,
) -> dict[str, Any]:
    """`chat.unfurl` keyword arguments for the pasted URLs (exactly as pasted) → their sessions.

    Both forms go in the same call. Slack's docs say only that "either `unfurls` or `metadata` must be
    provided"; they do not say what a client or workspace without Work Objects shows. The Block Kit
    `unfurls` (keyed by the same URLs) are what every client has always rendered, so they stay as the
    fallback, and Work Object clients render the entity. `minimal` applies to both, so a Slack Connect
    channel never gets more from the entity than from the blocks.
    """
    by_session = creators or {}
    content: dict[str, Any] = {
        "unfurls": {
            url: session_unfurl(s, app_url=app_url, minimal=minimal, creator=by_session.get(s.session_id))
            for url, s in sessions.items()
        }
    }
    if work_objects:
        people = assignees if assignees is not None else {sid: assignee_of(p) for sid, p in by_session.items()}
        entities = [
            entity
            for url, s in sessions.items()
            if (
                entity := session_task_entity(
                    s, app_url=app_url, pasted_url=url, minimal=minimal, assignee=people.get(s.session_id)
                )
            )
        ]
        if entities:  # Slack rejects an empty `entities` list as much as a malformed one
            content["metadata"] = {"entities": entities}
    return content
