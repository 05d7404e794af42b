"""The Work Object side panel (flexpane) for one viewer: the session's insights as one task entity, or an error form.

What goes here is shown to the one person who opened the panel, after our access checks, so it carries the
analysis the shared unfurl leaves out. List-valued parts are custom fields of type `array` whose items are
`{type: "string", value}` (the item shape of both Slack SDKs' models; the docs give no example); each list
is cut to `ITEMS_MAX` items with a "+N more" item, because Slack documents no size limit for the panel.
"""

from __future__ import annotations

from collections.abc import Sequence

from blocks import facts
from blocks.entity import (
    INCIDENT_REF_TYPE,
    Assignee,
    Entity,
    entity_text,
    session_actions,
    session_incident_entity,
    session_task_entity,
)
from blocks.status import ACTION_TYPE_LABELS, impact_rank, raw
from bot.devin.models import Analysis, Session, SessionInsights

ITEMS_MAX = 10
PROMPT_MAX = 2000
MORE_ITEMS = "+{count} more in Devin (View insights shows them all)"
NO_ANALYSIS = "No analysis yet. Use View insights to generate it (about a minute)."
ANALYSIS_UNAVAILABLE = "The analysis could not be loaded just now: {reason}"

RESTRICTED = {"status": "restricted"}
"""Slack's own "you can't see this" form: for viewers our access rules refuse. It carries no data."""
NOT_FOUND = {"status": "not_found"}
DEVIN_TROUBLE_TITLE = "Devin is not answering"


def session_details_entity(
    session: Session,
    *,
    app_url: str,
    external_ref: Entity,
    entity_url: str,
    notice: str | None = None,
    assignee: Assignee | None = None,
) -> Entity | None:
    """The panel's entity: the unfurl's task entity (an alert's incident entity) in full, plus the analysis.

    `external_ref` and `entity_url` are the ones Slack sent in `entity_details_requested`: Slack answers
    `entity_metadata_does_not_match_trigger` when the id differs. `notice` replaces the analysis with a
    sentence (Devin too slow for the insights, say, while the session itself was known).
    """
    if external_ref.get("type") == INCIDENT_REF_TYPE:
        entity = session_incident_entity(session, app_url=app_url, creator=assignee)
    else:
        entity = session_task_entity(session, app_url=app_url, pasted_url=entity_url, assignee=assignee)
    if entity is None:
        return None
    entity.pop("app_unfurl_url", None)  # documented for `chat.unfurl` only
    entity["external_ref"] = dict(external_ref)
    payload = entity["entity_payload"]
    analysis = session.analysis if isinstance(session, SessionInsights) else None
    payload["fields"]["description"] = {"value": entity_text(_description(session, analysis, notice))}
    prs = _pull_requests(session)
    if prs:  # the list says more than the unfurl's one-line summary
        payload["custom_fields"] = [f for f in payload["custom_fields"] if f["key"] != "pull_requests"]
    payload["custom_fields"] += _analysis_fields(analysis) + prs
    payload["display_order"] = ["description", *payload["display_order"], *_keys(payload["custom_fields"])]
    payload["display_order"] = list(dict.fromkeys(payload["display_order"]))
    if actions := session_actions(session, app_url):
        payload["actions"] = actions
    return entity


def devin_trouble(sentence: str) -> Entity:
    """The error form for Devin being down or slow: our own sentence (never Devin text), no data."""
    return {"status": "custom", "custom_title": DEVIN_TROUBLE_TITLE, "custom_message": sentence}


def _description(session: Session, analysis: Analysis | None, notice: str | None) -> str:
    if notice:
        return ANALYSIS_UNAVAILABLE.format(reason=notice)
    if analysis is None:
        return NO_ANALYSIS
    parts = [facts.title(session)]
    if analysis.classification is not None and analysis.classification.category:
        parts.append(raw(analysis.classification.category.replace("_", " "), plain=True))
    return " · ".join(parts)


def _analysis_fields(analysis: Analysis | None) -> list[Entity]:
    if analysis is None:
        return []
    issues = sorted(analysis.issues, key=lambda issue: impact_rank(issue.impact))
    fields = [
        _array("issues", "Issues", [_issue(i.impact, i.issue) for i in issues]),
        _array("action_items", "Action items", [_item(a.type, a.action_item) for a in analysis.action_items]),
    ]
    prompt = analysis.suggested_prompt
    if prompt is not None and prompt.suggested_prompt.strip():
        text = entity_text(prompt.suggested_prompt, PROMPT_MAX)
        fields.append({"key": "suggested_prompt", "label": "Suggested prompt", "value": text, "type": "string"})
        fields[-1]["long"] = True
    fields.append(_array("timeline", "Timeline", [_step(n, s.title) for n, s in enumerate(analysis.timeline, 1)]))
    return [field for field in fields if field["value"]]


def _pull_requests(session: Session) -> list[Entity]:
    lines = [
        f"{facts.pr_label(pr.pr_url)} ({raw(pr.pr_state, plain=True) or 'state unknown'})"
        for pr in session.pull_requests
    ]
    field = _array("pull_request_list", "Pull requests", lines)
    return [field] if field["value"] else []


def _array(key: str, label: str, lines: Sequence[str]) -> Entity:
    kept = [entity_text(line) for line in lines if line.strip()][:ITEMS_MAX]
    hidden = sum(1 for line in lines if line.strip()) - len(kept)
    if hidden > 0:
        kept.append(MORE_ITEMS.format(count=f"{hidden:,}"))
    values = [{"type": "string", "value": line} for line in kept if line]
    return {"key": key, "label": label, "type": "array", "item_type": "string", "value": values}


def _issue(impact: str, text: str) -> str:
    level = raw(impact, plain=True)
    return f"[{level}] {text}" if level else text


def _item(kind: str | None, text: str) -> str:
    label = ACTION_TYPE_LABELS.get(kind or "") or raw(kind, plain=True)
    return f"{label}: {text}" if label else text


def _step(number: int, title: str) -> str:
    return f"{number}. {title}"


def _keys(fields: Sequence[Entity]) -> list[str]:
    return [str(field["key"]) for field in fields]
