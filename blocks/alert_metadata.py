"""Slack message metadata on alert messages: the event other apps and workflows react to, and the incident."""

from __future__ import annotations

from typing import Any

from blocks.entity import assignee_of, session_incident_entity
from bot.devin.models import Session
from bot.people.records import Person

SUSPENDED_EVENT = "devin_session_suspended"
RESOLVED_EVENT = "devin_session_resolved"
METADATA_VALUE_MAX = 100


def alert_metadata(
    *,
    channel: str,
    reason: str | None,
    resolved: bool,
    session_id: str | None = None,
    episode: int | None = None,
    group_key: str | None = None,
    part: str = "alert",
    session: Session | None = None,
    app_url: str = "",
    creator: Person | None = None,
    event: int | None = None,
) -> dict[str, Any]:
    """Slack message metadata for an alert message (`part="alert"`), its recovery reply (`part="reply"`) or
    a reply about a later state change (`part="update"`, with the change's `event` id).

    `event_type` `devin_session_suspended` / `devin_session_resolved` with the episode's ids and the reason,
    so other apps and workflows can react. Metadata is readable by every app and member of the workspace:
    ids and the reason only, never a secret or a title. With `session` (one session's alert, Work Objects
    on; its links built from `app_url`) it also carries the session as an `incident` entity, so the alert
    opens the same side panel as the session's link preview.
    """
    payload = {
        "session_id": session_id,
        "episode": episode,
        "group_key": group_key,
        "reason": reason,
        "channel": channel,
        "part": part,
        "event": event,
    }
    metadata: dict[str, Any] = {
        "event_type": RESOLVED_EVENT if resolved else SUSPENDED_EVENT,
        "event_payload": {
            k: (v[:METADATA_VALUE_MAX] if isinstance(v, str) else v) for k, v in payload.items() if v is not None
        },
    }
    person = assignee_of(creator)
    incident = session_incident_entity(session, app_url=app_url, creator=person) if session is not None else None
    if incident is not None:
        metadata["entities"] = [incident]
    return metadata
