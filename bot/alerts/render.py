"""Outbox rows → Slack messages, through the pure builders in `blocks/alert.py`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from blocks.alert import (
    GROUP_LIST_MAX,
    alert_message,
    alert_resolved_reply,
    grouped_alert_message,
    grouped_alert_thread_message,
)
from blocks.alert_metadata import alert_metadata
from blocks.alert_quiet import QuietNote, quiet_footer
from blocks.alert_thread import errored_reply, finished_reply, reason_changed_reply
from blocks.kit import Block, Message
from bot.alerts.records import AlertEvent, AlertRecord, EventKind, QuietRule
from bot.devin.models import Session
from bot.people.records import Person


@dataclass(frozen=True)
class AlertExtras:
    """What the people component adds to an alert: who to mention."""

    creators: Mapping[str, Person] = field(default_factory=dict)
    """Who started each session, by session id."""


NO_EXTRAS = AlertExtras()


def session_of(alert: AlertRecord) -> Session:
    """The session snapshot stored with the alert (the data Devin returned when it last changed)."""
    if alert.session_json is None:
        raise ValueError(f"alert {alert.id} has no session snapshot")
    return Session.model_validate_json(alert.session_json)


def quiet_note(rule: QuietRule) -> QuietNote:
    """A snooze or mute as the builders show it."""
    return QuietNote(rule.reason, rule.by_user, int(rule.until) if rule.until is not None else None)


def footer(alert: AlertRecord, quiet: QuietRule | None) -> list[Block]:
    """Under an open alert: who quieted its reason here, and the quiet buttons; nothing once it recovered."""
    if alert.resolved_at is not None:
        return []
    return quiet_footer(alert.reason or "", quiet_note(quiet) if quiet else None)


def single_message(
    alert: AlertRecord, app_url: str, extras: AlertExtras = NO_EXTRAS, quiet: QuietRule | None = None
) -> Message:
    """The alert message for one session's episode, in its current state (`quiet`: its reason's active snooze)."""
    return alert_message(
        session_of(alert),
        app_url=app_url,
        reason=alert.reason or "",
        opened_at=alert.opened_at,
        resolved_at=alert.resolved_at,
        resolved_status=alert.resolved_status,
        reason_changed_from=alert.reason_changed_from,
        creator=extras.creators.get(alert.session_id or ""),
        footer=footer(alert, quiet),
    )


def resolved_reply(alert: AlertRecord, app_url: str) -> Message:
    """The thread reply saying the session recovered, and after how long."""
    down = max(0, (alert.resolved_at or alert.opened_at) - alert.opened_at)
    return alert_resolved_reply(
        session_of(alert), app_url=app_url, resolved_status=alert.resolved_status or "", down_seconds=down
    )


def group_message(
    group: AlertRecord,
    members: Sequence[AlertRecord],
    app_url: str,
    extras: AlertExtras = NO_EXTRAS,
    quiet: QuietRule | None = None,
) -> Message:
    """The grouped (storm) alert: every member session, with how many have recovered."""
    return grouped_alert_message(
        [session_of(m) for m in members],
        app_url=app_url,
        reason=group.reason or "",
        opened_at=group.opened_at,
        resolved_ids=tuple(m.session_id for m in members if m.resolved_at is not None and m.session_id),
        resolved_at=group.resolved_at,
        creators=extras.creators,
        footer=footer(group, quiet),
    )


def group_thread_message(
    group: AlertRecord, members: Sequence[AlertRecord], app_url: str, extras: AlertExtras = NO_EXTRAS
) -> Message | None:
    """The thread message listing the sessions the channel message had no room for; None if all fit."""
    rest = members[GROUP_LIST_MAX:]
    if not rest:
        return None
    return grouped_alert_thread_message(
        [session_of(m) for m in rest], app_url=app_url, reason=group.reason or "", creators=extras.creators
    )


def metadata(
    alert: AlertRecord,
    app_url: str,
    extras: AlertExtras = NO_EXTRAS,
    *,
    part: str = "alert",
    incident: bool = False,
    event: int | None = None,
) -> dict[str, Any]:
    """Message metadata for the alert (or its thread reply): the event, and with `incident` the incident entity.

    Only a single session's alert message is an incident: a storm's message stands for many sessions, and
    a thread reply is not the alert. The entity's status follows the episode, so an update after recovery
    shows the session as it is now.
    """
    single = alert.session_id is not None and alert.session_json is not None and part == "alert"
    return alert_metadata(
        channel=alert.channel_id,
        reason=alert.reason,
        resolved=alert.resolved_at is not None,
        session_id=alert.session_id,
        episode=alert.episode,
        group_key=alert.group_key,
        part=part,
        session=session_of(alert) if incident and single else None,
        app_url=app_url,
        creator=extras.creators.get(alert.session_id or ""),
        event=event,
    )


def event_reply(event: AlertEvent, app_url: str) -> Message:
    """The thread reply for a later state change, rendered from the session as it was seen with the change."""
    session = Session.model_validate_json(event.session_json)
    if event.kind is EventKind.REASON_CHANGED:
        return reason_changed_reply(session, app_url=app_url, before=event.previous, now=event.detail)
    if event.kind is EventKind.FINISHED:
        return finished_reply(session, app_url=app_url)
    return errored_reply(session, app_url=app_url)
