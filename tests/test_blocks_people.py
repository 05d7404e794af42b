"""blocks/people.py and the builders that name people: goldens, and properties for any name, e-mail or id from
Devin (escaped; a mention only from a well-formed Slack id that Slack returned, never from a Devin string)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from blocks.alert import alert_message, grouped_alert_message
from blocks.details import details_view
from blocks.digest import digest_message
from blocks.people import person_mention, person_name, person_with_email
from blocks.people_dm import notify_setting_message, suspension_dm, waiting_dm
from blocks.session import session_message
from blocks.summary import summary_message
from blocks.unfurl import session_unfurl
from bot.insights.figures import Figures
from bot.people.records import Person, PersonKind
from tests import blocks_samples as s
from tests import insights_samples as team
from tests.blockkit_limits import assert_message_limits, assert_no_unescaped_control, assert_unfurl_limits
from tests.test_blocks_golden import ALLOWED_HOSTS, assert_matches_golden, assert_sdk_accepts_blocks
from tests.test_blocks_properties import SETTINGS, details, optional_texts, sessions, texts, timestamps

ALICE = Person(PersonKind.USER, "user-7a41c2e9d3b5", "Alice Liddell", "alice@example.com", "U0SANDBOXUSR")
DANA = Person(PersonKind.USER, "user-9c6b2e4a7f13", "Dana Okafor", "dana@contractor.example")
NO_NAME = Person(PersonKind.USER, "user-5d3f81a6c2e0")
SERVICE = Person(PersonKind.SERVICE_USER, "service-user-abc123")
AUTOMATION = Person(PersonKind.AUTOMATION, "automation-nightly")
CREDITS = "out_of_credits"
MENTION_RE = re.compile(r"<@([A-Z0-9]+)>")

MESSAGES: dict[str, Callable[[], Mapping[str, Any]]] = {
    "people_alert_mention": lambda: alert_message(
        s.session(), app_url=s.APP_URL, reason="out_of_credits", opened_at=s.OPENED_AT, creator=ALICE
    ),
    "people_alert_named": lambda: alert_message(
        s.session(), app_url=s.APP_URL, reason="out_of_credits", opened_at=s.OPENED_AT, creator=DANA
    ),
    "people_card_named": lambda: session_message(s.insights(), app_url=s.APP_URL, creator=ALICE),
    "people_dm_suspended": lambda: suspension_dm(s.session(), app_url=s.APP_URL, reason=CREDITS, opened_at=s.OPENED_AT),
    "people_dm_suspended_resolved": lambda: suspension_dm(
        s.session(),
        app_url=s.APP_URL,
        reason=CREDITS,
        opened_at=s.OPENED_AT,
        resolved_at=s.NOW,
        resolved_status="running",
    ),
    "people_dm_waiting": lambda: waiting_dm(
        s.session(s.SESSION_RUNNING), app_url=s.APP_URL, detail="waiting_for_user", since=s.OPENED_AT
    ),
    "people_dm_waiting_resolved": lambda: waiting_dm(
        s.session(s.SESSION_RUNNING),
        app_url=s.APP_URL,
        detail="waiting_for_approval",
        since=s.OPENED_AT,
        resolved_at=s.NOW,
        resolved_status="working",
    ),
    "people_notify_off": lambda: notify_setting_message(enabled=False, changed=True),
    "people_grouped_mentions": lambda: grouped_alert_message(
        [s.numbered_session(n) for n in range(1, 6)],
        app_url=s.APP_URL,
        reason="out_of_credits",
        opened_at=s.OPENED_AT,
        creators={s.numbered_session(n).session_id: (ALICE, DANA, SERVICE)[n % 3] for n in range(1, 6)},
    ),
}


def _named(figures: Figures, cast: tuple[Person, ...] = (ALICE, DANA, NO_NAME, SERVICE)) -> Figures:
    """The figures with their listed sessions' creators, cycling through `cast`."""
    return figures.with_creators({line.session_id: cast[n % len(cast)] for n, line in enumerate(figures.listed)})


MESSAGES["people_summary_named"] = lambda: summary_message(
    _named(team.figures(team.hostile_sessions())), title="Devin: the last 7 days", app_url=s.APP_URL
)

GOLDEN_NAMES = {*MESSAGES, "people_unfurl_named", "people_details_with_email"}
"""Golden files this module owns (tests/test_blocks_golden.py counts them as having a case)."""


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_people_golden_message(name: str) -> None:
    message = MESSAGES[name]()
    assert_message_limits(message)
    assert_no_unescaped_control(message, allowed_hosts=ALLOWED_HOSTS)
    assert_sdk_accepts_blocks(message["blocks"])
    assert_matches_golden(name, message)


def test_people_golden_unfurl_and_details() -> None:
    unfurl = session_unfurl(s.session(), app_url=s.APP_URL, creator=ALICE)
    assert_unfurl_limits(unfurl)
    assert_matches_golden("people_unfurl_named", unfurl)
    assert_matches_golden("people_details_with_email", details_view(s.insights(), app_url=s.APP_URL, creator=ALICE))


def test_people_names_by_kind() -> None:
    assert person_name(ALICE) == "Alice Liddell" and person_mention(ALICE) == "<@U0SANDBOXUSR>"
    assert person_mention(DANA) == "Dana Okafor"
    assert person_name(NO_NAME) == "`user-5d3f81a6c2e0`"
    assert person_name(SERVICE) == "`service-user-abc123` (service user)"
    assert person_name(AUTOMATION) == "an automation (`automation-nightly`)"
    assert person_name(Person(PersonKind.UNKNOWN)) == "unknown"
    assert person_with_email(ALICE) == "Alice Liddell `alice@example.com`"


def test_people_previews_and_cards_never_mention() -> None:
    for payload in (
        session_unfurl(s.session(), app_url=s.APP_URL, creator=ALICE),
        session_message(s.insights(), app_url=s.APP_URL, creator=ALICE),
    ):
        assert "<@" not in str(payload) and "Alice Liddell" in str(payload)


slack_ids = st.none() | st.sampled_from(["U0SANDBOXUSR", "W1ABC", "<!channel>", "U0<@U1>", "", "u123"]) | texts
kinds = st.sampled_from(list(PersonKind))
people = st.builds(Person, kinds, optional_texts, optional_texts, optional_texts, slack_ids)


@SETTINGS
@given(people)
def test_people_any_person_renders_escaped_and_mentions_only_a_slack_id(person: Person) -> None:
    for text in (person_name(person), person_with_email(person)):
        assert "<" not in text.replace("&lt;", "") and "<@" not in text
    mention = person_mention(person)
    mentioned = MENTION_RE.findall(mention)
    assert mentioned in ([], [person.slack_user_id])
    assert mention.count("<") == len(mentioned)


@SETTINGS
@given(people, people)
def test_people_alerts_cards_unfurls_with_any_person_stay_safe(alert_creator: Person, card_creator: Person) -> None:
    alert = alert_message(
        s.session(), app_url=s.APP_URL, reason="out_of_credits", opened_at=s.OPENED_AT, creator=alert_creator
    )
    card = session_message(s.insights(), app_url=s.APP_URL, creator=card_creator)
    unfurl = session_unfurl(s.session(), app_url=s.APP_URL, creator=card_creator)
    for message in (alert, card):
        assert_message_limits(message)
        assert_no_unescaped_control(message, allowed_hosts=ALLOWED_HOSTS)
    assert_unfurl_limits(unfurl)
    assert_no_unescaped_control(unfurl, allowed_hosts=ALLOWED_HOSTS)
    assert "<@" not in str(card["blocks"]) and "<@" not in str(unfurl)
    assert set(MENTION_RE.findall(str(alert["blocks"]))) <= {alert_creator.slack_user_id}


@SETTINGS
@given(sessions, details.map(str), timestamps, st.none() | timestamps, optional_texts)
def test_people_dms_for_any_session_stay_within_limits_and_escaped(
    session: Any, reason: str, opened: int, resolved: int | None, status: str | None
) -> None:
    for dm in (
        suspension_dm(
            session, app_url=s.APP_URL, reason=reason, opened_at=opened, resolved_at=resolved, resolved_status=status
        ),
        waiting_dm(
            session, app_url=s.APP_URL, detail=reason, since=opened, resolved_at=resolved, resolved_status=status
        ),
    ):
        assert_message_limits(dm)
        assert_no_unescaped_control(dm, allowed_hosts=ALLOWED_HOSTS)
        assert "<@" not in json.dumps(dm)


def test_people_summary_names_creators_and_never_mentions_them() -> None:
    figures = _named(team.figures())
    assert figures.listed and all(line.creator is not None for line in figures.listed)
    card = summary_message(figures, title="Devin: the last 7 days", app_url=s.APP_URL)
    text = json.dumps(card["blocks"], ensure_ascii=False)
    assert "· by Alice Liddell" in text and "· by Dana Okafor" in text
    assert "· by `user-5d3f81a6c2e0`" in text  # a member without a name: the Devin id, as now
    assert "(service user)" in text and "<@" not in text


@SETTINGS
@given(st.lists(people, min_size=1, max_size=6))
def test_people_summary_and_digest_with_any_creators_never_mention(cast: list[Person]) -> None:
    figures = _named(team.figures(team.hostile_sessions()), tuple(cast))
    card = summary_message(figures, title="Devin: the last 7 days", app_url=s.APP_URL, shareable_days=7)
    digest = digest_message(figures, cadence="daily", when="daily at 09:00 (UTC)", scheduled_by=None, app_url=s.APP_URL)
    for message in (card, digest):
        assert_message_limits(message)
        assert_no_unescaped_control(message, allowed_hosts=ALLOWED_HOSTS)
        assert "<@" not in json.dumps(message["blocks"])  # a Devin name, or a Slack id, never pings from here
