"""The session snapshot an alert keeps: what delivery renders from, bounded whatever Devin sent.

An alert stores the session as Devin last returned it, so delivery (and a retry hours later)
never needs Devin. Devin's strings have no documented length: 200 sessions with 300 KB titles
once grew the store by 125 MB. The snapshot keeps only what the alert messages show, each string
cut to what a message could display anyway, so one alert row stays under a few kilobytes.
"""

from __future__ import annotations

from bot.devin.models import PullRequest, Session

TITLE_MAX = 500
"""Messages show at most 150 characters of a title; the rest is kept for nothing."""
TEXT_MAX = 200
"""Ids, categories, modes: far longer than any real value."""
URL_MAX = 1000
"""Longer URLs are not linked by the builders anyway."""
TAGS_MAX = 20
PULL_REQUESTS_MAX = 10
SNAPSHOT_MAX_BYTES = 16_000
"""What one stored snapshot can reach at most with the caps above (checked by a test)."""


def bounded(session: Session) -> Session:
    """The session with every string and list cut to what an alert can show."""
    prs = [
        PullRequest(pr_url=pr.pr_url[:URL_MAX], pr_state=_cut(pr.pr_state))
        for pr in session.pull_requests[:PULL_REQUESTS_MAX]
    ]
    return Session(
        session_id=session.session_id[:TEXT_MAX],
        url=session.url[:URL_MAX],
        org_id=session.org_id[:TEXT_MAX],
        status=str(session.status)[:TEXT_MAX],
        status_detail=_cut(session.status_detail),
        tags=[tag[:TEXT_MAX] for tag in session.tags[:TAGS_MAX]],
        created_at=session.created_at,
        updated_at=session.updated_at,
        acus_consumed=session.acus_consumed,
        pull_requests=prs,
        title=session.title[:TITLE_MAX] if session.title is not None else None,
        user_id=_cut(session.user_id),
        service_user_id=_cut(session.service_user_id),
        playbook_id=_cut(session.playbook_id),
        parent_session_id=_cut(session.parent_session_id),
        is_archived=session.is_archived,
        origin=_cut(session.origin),
        category=_cut(session.category),
        subcategory=_cut(session.subcategory),
        devin_mode=_cut(session.devin_mode),
        automation_id=_cut(session.automation_id),
    )


def snapshot_json(session: Session) -> str:
    """The bounded snapshot as the JSON the `alerts` row stores."""
    return bounded(session).model_dump_json()


def _cut(value: str | None) -> str | None:
    return str(value)[:TEXT_MAX] if value is not None else None
