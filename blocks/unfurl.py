"""Link previews for pasted Devin session links: compact (a few blocks, no buttons), or minimal for shared channels."""

from __future__ import annotations

from typing import Any

from blocks import facts
from blocks.kit import Block, context, section
from blocks.status import size_text, status_emoji, status_label, status_line
from blocks.text import slack_date
from bot.devin.models import Session, SessionInsights
from bot.people.records import Person


def session_unfurl(
    session: Session, *, app_url: str, minimal: bool = False, creator: Person | None = None
) -> dict[str, Any]:
    """`{"blocks": [...]}` for `chat.unfurl`.

    There is deliberately no `text` key: Slack shows the blocks, and a fallback text in an unfurl
    is either ignored or rejected (Sentry strips it before calling `chat.unfurl` for the same reason).
    `minimal` shows only the title and the status, for channels shared with other organisations (no names).
    `creator` names who started the session; a preview never mentions anyone.
    """
    if minimal:
        line = f"{status_emoji(session.status)} {status_label(session.status)}"
        return {"blocks": [section(f"*{facts.title_link(session, app_url)}*\n{line}")]}
    blocks: list[Block] = [
        section(f"*{facts.title_link(session, app_url)}*\n{status_line(session.status, session.status_detail)}"),
        context(*_facts(session, creator)),
    ]
    return {"blocks": blocks}


def _facts(session: Session, creator: Person | None) -> list[str]:
    items = []
    if isinstance(session, SessionInsights) and session.session_size:
        items.append(f"Size *{size_text(session.session_size)}*")
    if mode := facts.mode(session):
        items.append(f"Mode *{mode}*")
    items += [
        f"*{facts.acus(session.acus_consumed)}* ACUs",
        facts.pr_summary(session.pull_requests),
        f"Started by {facts.started_by(session, creator)}",
        f"Updated {slack_date(session.updated_at)}",
    ]
    return items
