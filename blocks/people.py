"""Who started a session, as mrkdwn: a name (cards, previews, details) or a mention (alerts, DMs).

A mention is built only from a Slack user id that `users.lookupByEmail` returned and that looks like one
(`text.user_mention`); every name and e-mail from Devin is escaped, so no Devin string can ping anyone.
"""

from __future__ import annotations

from blocks.text import code, inline, user_mention
from bot.people.records import Person, PersonKind

PERSON_MAX = 60
EMAIL_MAX = 120
SERVICE_USER_SUFFIX = " (service user)"
AUTOMATION = "an automation"
NOBODY = "unknown"


def person_name(person: Person) -> str:
    """The person by name (escaped), else by Devin id as inline code; never a mention."""
    if person.kind is PersonKind.USER:
        return inline(person.name, PERSON_MAX) or code(person.devin_id, PERSON_MAX) or NOBODY
    if person.kind is PersonKind.SERVICE_USER:
        return (code(person.devin_id, PERSON_MAX) or "a service user") + SERVICE_USER_SUFFIX
    if person.kind is PersonKind.AUTOMATION:
        return f"{AUTOMATION} ({code(person.devin_id, PERSON_MAX)})" if person.devin_id else AUTOMATION
    return NOBODY


def person_mention(person: Person) -> str:
    """`<@U…>` when Slack knows the person, else their name: for alerts and DMs, where a ping is wanted."""
    mention = user_mention(person.slack_user_id) if person.kind is PersonKind.USER else None
    return mention or person_name(person)


def person_with_email(person: Person) -> str:
    """The name and, when Devin has one, the e-mail (escaped, as code so Slack does not link it): for the
    per-viewer details modal only."""
    email = code(person.email, EMAIL_MAX) if person.kind is PersonKind.USER and person.email else ""
    return f"{person_name(person)} {email}".strip()
