"""Work Object entities (Slack's `metadata.entities`): a Devin session as a task for unfurls, as an incident for alerts.

Shapes follow Slack's Work Objects docs (`docs.slack.dev/messaging/work-objects-implementation`, the
`entity.presentDetails` reference) and the models of `slack_sdk.models.metadata` (3.48), which the tests
round-trip every payload through. Where the docs are silent we say so next to the choice:

- Slack documents no length limits for entity strings (titles, field values). We cap them ourselves
  (`ENTITY_TITLE_MAX`, `ENTITY_VALUE_MAX`) so one huge Devin title cannot make `chat.unfurl` fail.
- The docs do not say whether entity strings are read as mrkdwn or as plain text. Every Devin string
  therefore goes through `entity_text`, which is safe either way: no `<` / `>` survive (so no `<!channel>`,
  `<@U…>` or `<url|label>` can form), and a word joiner breaks `@channel` / `@here` / `@everyone` and the
  `://` of a bare URL (which Slack might otherwise turn into a link).
  Nothing is HTML-escaped, since plain text would then show `&lt;` to people.
- Action limits (2 primary, 5 overflow, `action_id` ≤ 255, `value` ≤ 2000, `url` ≤ 3000) are the documented ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from blocks import facts
from blocks.kit import BUTTON_TEXT_MAX, BUTTON_VALUE_MAX, ID_MAX, URL_MAX
from blocks.status import DEVIN_MODE_LABELS, raw, size_text, status_summary
from blocks.text import one_line, scrub
from bot.devin.models import DevinMode, Session, SessionInsights, SessionStatus, StatusDetail
from bot.ids import ActionId
from bot.people.records import Person

Entity = dict[str, Any]

TASK_ENTITY = "slack#/entities/task"
INCIDENT_ENTITY = "slack#/entities/incident"
ENTITY_TYPES = (TASK_ENTITY, INCIDENT_ENTITY)
"""The entity types the app sends; `manifest.yml` enables Work Object previews for exactly these."""
EXTERNAL_REF_TYPE = "devin_session"
"""Slack echoes `external_ref` back in `entity_details_requested`; the type says the id is a session id."""
INCIDENT_REF_TYPE = "devin_session_alert"
"""The same session id, on an alert's incident: the side panel then answers with an incident entity too
(the event does not say which entity type was clicked, and the docs do not say whether the type may differ)."""
PRODUCT_NAME = "Devin"
TASK_DISPLAY_TYPE = "Devin session"
INCIDENT_DISPLAY_TYPE = "Suspended Devin session"
VIEW_INSIGHTS = "View insights"

ENTITY_TITLE_MAX = 150
ENTITY_VALUE_MAX = 500
PRIMARY_ACTIONS_MAX = 2
OVERFLOW_ACTIONS_MAX = 5
ACCESSIBILITY_LABEL_MAX = 75

TagColor = Literal["red", "yellow", "green", "gray", "blue"]
"""The documented `tag_color` values of a status field."""
STATUS_COLORS: dict[str, TagColor] = {
    SessionStatus.RUNNING: "blue",
    SessionStatus.EXIT: "green",
    SessionStatus.ERROR: "red",
    SessionStatus.SUSPENDED: "red",
}
QUIET_SUSPENSIONS = frozenset({StatusDetail.INACTIVITY, StatusDetail.USER_REQUEST})
"""Suspensions nobody needs to act on urgently: yellow, not red."""

Urgency = Literal["High", "Medium", "Low"]
ORG_WIDE_REASONS = frozenset(
    {
        StatusDetail.OUT_OF_CREDITS,
        StatusDetail.OUT_OF_QUOTA,
        StatusDetail.NO_QUOTA_ALLOCATION,
        StatusDetail.PAYMENT_DECLINED,
        StatusDetail.ORG_USAGE_LIMIT_EXCEEDED,
        StatusDetail.TOTAL_SESSION_LIMIT_EXCEEDED,
    }
)
"""Reasons that stop every session of the organization until someone with billing access acts."""

_BROADCAST_RE = re.compile(r"@(?=(channel|here|everyone)\b)", re.IGNORECASE)
_WORD_JOINER = "\u2060"


@dataclass(frozen=True)
class Assignee:
    """Who a session belongs to, as an entity user field: a Slack user when known, else a display name.

    Made from the people component's `Person` (`assignee_of`); without one the entity has no assignee. An
    e-mail is never put in an entity: everyone in the conversation would see it.
    """

    slack_user_id: str | None = None
    name: str | None = None


def assignee_of(person: Person | None) -> Assignee | None:
    """The entity user for who started a session: the Slack user when the lookup found one, else the name."""
    if person is None:
        return None
    slack_user = person.slack_user_id if person.mentionable else None
    return Assignee(slack_user_id=slack_user, name=person.name) if slack_user or person.name else None


def entity_text(text: str | None, limit: int = ENTITY_VALUE_MAX) -> str:
    """Untrusted text as one line that cannot carry a mention or link markup, however Slack reads it."""
    cleaned = scrub(text or "").replace("<", "‹").replace(">", "›").replace("://", ":" + _WORD_JOINER + "//")
    return one_line(_BROADCAST_RE.sub("@" + _WORD_JOINER, cleaned), limit)


def session_task_entity(
    session: Session, *, app_url: str, pasted_url: str, minimal: bool = False, assignee: Assignee | None = None
) -> Entity | None:
    """The `slack#/entities/task` for one pasted session link (`app_unfurl_url` is the URL exactly as pasted).

    `minimal` (Slack Connect, `UNFURL_MODE=minimal`) keeps only the title and the status, like the Block Kit
    preview: no people, dates, figures or actions in a conversation other organizations can read.
    None when the session id could not identify the entity (`external_ref.id` is required).
    """
    if not _is_ref(session.session_id):
        return None
    payload: Entity = {"attributes": _attributes(session, TASK_DISPLAY_TYPE), "fields": {"status": _status(session)}}
    if not minimal:
        payload["fields"].update(_people_and_dates(session, assignee, assignee_key="assignee"))
        payload["custom_fields"] = session_custom_fields(session)
        payload["display_order"] = [*payload["fields"], *(f["key"] for f in payload["custom_fields"])]
        if actions := session_actions(session, app_url):
            payload["actions"] = actions
    target = facts.web_url(session, app_url) or pasted_url
    return _entity(TASK_ENTITY, session, payload, url=target, app_unfurl_url=pasted_url)


def session_incident_entity(session: Session, *, app_url: str, creator: Assignee | None = None) -> Entity | None:
    """The `slack#/entities/incident` an alert message carries: status, urgency from the reason, dates, creator.

    No `app_unfurl_url`: it is documented as required for `chat.unfurl` only, and an alert is posted, not
    unfurled. None when the session has no web link (`url` is required and nothing else could stand in: the link
    is built from `app_url` and a canonical session id) or its id could not identify it.
    """
    target = facts.web_url(session, app_url)
    if target is None or not _is_ref(session.session_id):
        return None
    fields: Entity = {"status": _status(session), "urgency": {"value": urgency(session.status_detail)}}
    fields.update(_people_and_dates(session, creator, assignee_key="created_by"))
    payload: Entity = {
        "attributes": _attributes(session, INCIDENT_DISPLAY_TYPE),
        "fields": fields,
        "custom_fields": session_custom_fields(session),
    }
    payload["display_order"] = [*fields, *(f["key"] for f in payload["custom_fields"])]
    if actions := session_actions(session, app_url):
        payload["actions"] = actions
    return _entity(INCIDENT_ENTITY, session, payload, url=target, ref_type=INCIDENT_REF_TYPE)


def urgency(reason: str | None) -> Urgency:
    """High when the whole organization is stopped, Low for sleep or a deliberate pause, Medium otherwise."""
    if reason in ORG_WIDE_REASONS:
        return "High"
    if reason in QUIET_SUSPENSIONS:
        return "Low"
    return "Medium"


def session_custom_fields(session: Session) -> list[Entity]:
    """ACUs, size (insights only), pull requests and mode, as custom fields of type `string`."""
    items: list[tuple[str, str, str]] = [("acus", "ACUs", facts.acus(session.acus_consumed))]
    if isinstance(session, SessionInsights) and session.session_size:
        items.append(("size", "Size", size_text(session.session_size).replace(" :warning: ", " – ")))
    items.append(("pull_requests", "Pull requests", _pr_summary(session)))
    if session.devin_mode and session.devin_mode != DevinMode.NORMAL:  # `normal` is not worth showing
        items.append(("mode", "Mode", DEVIN_MODE_LABELS.get(session.devin_mode) or raw(session.devin_mode, plain=True)))
    return [{"key": k, "label": label, "value": entity_text(v), "type": "string"} for k, label, v in items]


def session_actions(session: Session, app_url: str) -> Entity | None:
    """*Open in Devin* (a link) and *View insights* (the Details modal, for whoever clicks), when possible."""
    primary: list[Entity] = []
    if (target := facts.web_url(session, app_url)) is not None:
        primary.append(_action(facts.OPEN_IN_DEVIN, ActionId.OPEN_IN_DEVIN, url=target))
    if (value := facts.button_value(session)) is not None:
        primary.append(_action(VIEW_INSIGHTS, ActionId.SHOW_DETAILS, value=value))
    return {"primary_actions": primary[:PRIMARY_ACTIONS_MAX]} if primary else None


def _is_ref(session_id: str) -> bool:
    # Slack documents no limit for `external_ref.id`; ids longer than any Slack id field (255) are not ours.
    return 0 < len(session_id.strip()) == len(session_id) <= ID_MAX


def _entity(
    kind: str,
    session: Session,
    payload: Entity,
    *,
    url: str,
    app_unfurl_url: str | None = None,
    ref_type: str = EXTERNAL_REF_TYPE,
) -> Entity:
    # `url` is the session's canonical URL; for an unfurl whose session URL is unsafe, the pasted URL
    # (which matched our session pattern) stands in.
    entity: Entity = {
        "entity_type": kind,
        "url": url,
        "external_ref": {"id": session.session_id, "type": ref_type},
        "entity_payload": payload,
    }
    if app_unfurl_url is not None:
        entity["app_unfurl_url"] = app_unfurl_url
    return entity


def _attributes(session: Session, display_type: str) -> Entity:
    attributes: Entity = {
        "title": {"text": entity_text(session.title, ENTITY_TITLE_MAX) or facts.UNTITLED},
        "display_type": display_type,
        "product_name": PRODUCT_NAME,
    }
    if session.updated_at > 0:
        # Slack compares this with what it has and refreshes the unfurl only when it grew.
        attributes["metadata_last_modified"] = session.updated_at
    return attributes


def _status(session: Session) -> Entity:
    color = STATUS_COLORS.get(session.status, "gray")
    if session.status == SessionStatus.SUSPENDED and session.status_detail in QUIET_SUSPENSIONS:
        color = "yellow"
    return {"value": entity_text(status_summary(session.status, session.status_detail, plain=True)), "tag_color": color}


def _people_and_dates(session: Session, person: Assignee | None, *, assignee_key: str) -> Entity:
    fields: Entity = {}
    if person is not None and (user := _user(person)) is not None:
        fields[assignee_key] = {"type": "slack#/types/user", "user": user}
    if session.created_at > 0:
        fields["date_created"] = {"value": session.created_at}
    if session.updated_at > 0:
        fields["date_updated"] = {"value": session.updated_at}
    return fields


def _user(person: Assignee) -> Entity | None:
    # The docs take either a Slack `user_id` or a display `text`, not both.
    if person.slack_user_id and re.fullmatch(r"[UW][A-Z0-9]{2,40}", person.slack_user_id):
        return {"user_id": person.slack_user_id}
    name = entity_text(person.name, facts.PERSON_MAX)
    return {"text": name} if name else None


def _pr_summary(session: Session) -> str:
    prs = session.pull_requests
    if not prs:
        return "None"
    states: dict[str, int] = {}
    for pr in prs:
        state = raw(pr.pr_state, plain=True) or "unknown"
        states[state] = states.get(state, 0) + 1
    shown = ", ".join(f"{count:,} {state}" for state, count in sorted(states.items(), key=lambda s: (-s[1], s[0]))[:4])
    return f"{len(prs):,} ({shown})"


def _action(text: str, action_id: ActionId, *, url: str | None = None, value: str | None = None) -> Entity:
    action: Entity = {"text": text[:BUTTON_TEXT_MAX], "action_id": str(action_id)[:ID_MAX]}
    if url is not None and len(url) <= URL_MAX:
        action["url"] = url
    if value is not None:
        action["value"] = value[:BUTTON_VALUE_MAX]
    action["accessibility_label"] = text[:ACCESSIBILITY_LABEL_MAX]
    return action
