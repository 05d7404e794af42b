"""Golden payloads of every builder: the full JSON users would get, reviewed as files under tests/golden/.

Missing goldens are written on the first run (and the test fails when `CI` is set, so CI never
accepts a payload nobody reviewed); `UPDATE_GOLDEN=1` rewrites them after an intended change.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from blocks.alert import (
    alert_message,
    alert_resolved_reply,
    alert_settings_message,
    grouped_alert_message,
    grouped_alert_thread_message,
)
from blocks.alert_metadata import alert_metadata
from blocks.alert_quiet import QuietNote, quiet_answer, quiet_footer
from blocks.alert_thread import errored_reply, finished_reply, reason_changed_reply
from blocks.budget import budget_message, budget_reply
from blocks.details import details_view, loading_view
from blocks.digest import digest_message, digest_schedule_message
from blocks.entity import Assignee, session_incident_entity, session_task_entity
from blocks.entity_details import NOT_FOUND, RESTRICTED, devin_trouble, session_details_entity
from blocks.help import notice_message, usage_message
from blocks.home import home_view
from blocks.session import session_message
from blocks.summary import summary_message
from blocks.team_home import team_glance_blocks
from blocks.unfurl import session_unfurl
from blocks.your_sessions import your_sessions_blocks
from bot.people.records import Person, PersonKind, Unmatched, ViewerMatch, YourSessions
from tests import blocks_samples as s
from tests import insights_samples as team
from tests.blockkit_limits import (
    assert_message_limits,
    assert_no_unescaped_control,
    assert_unfurl_limits,
    assert_view_limits,
)
from tests.entity_limits import assert_entity_ok, assert_message_metadata_ok

SDK_UNMODELLED = frozenset({"data_visualization"})
"""Blocks newer than slack_sdk's models (reference/slack.md §11.2): checked by tests/blockkit_limits.py only."""
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
ALLOWED_HOSTS = ("app.devin.ai", "github.com")
GENERATING = ":hourglass_flowing_sand: Generating insights… this usually takes about a minute"


def storm() -> list[Any]:
    """Forty sessions of one storm (built per test: a missing example file fails tests, not collection)."""
    return [s.numbered_session(n, status_detail="org_usage_limit_exceeded") for n in range(1, 41)]


def storm_ids() -> list[str]:
    return [x.session_id for x in storm()]


FINISHED_PRS = [
    {"pr_url": "https://github.com/acme/orders-api/pull/482", "pr_state": "merged"},
    {"pr_url": "javascript:alert(1)", "pr_state": "open"},
]
SNOOZED = QuietNote("out_of_credits", "U0SNOOZER01", s.OPENED_AT + 3600)


def _settings(**changes: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "channel_id": "C0123ABCDEF",
        "enabled": True,
        "reasons": ["out_of_credits", "payment_declined", "org_usage_limit_exceeded"],
        "is_default_channel": False,
        "last_error": None,
        "last_error_at": None,
        "pending": 0,
    }
    return alert_settings_message(**{**defaults, **changes})  # type: ignore[return-value]


MESSAGES: dict[str, Callable[[], Mapping[str, Any]]] = {
    "card_with_analysis": lambda: session_message(s.insights(), app_url=s.APP_URL),
    "card_without_analysis": lambda: session_message(s.insights(s.INSIGHTS_NO_ANALYSIS), app_url=s.APP_URL),
    "card_with_notice": lambda: session_message(
        s.insights(s.INSIGHTS_NO_ANALYSIS), notice=GENERATING, app_url=s.APP_URL
    ),
    "card_shared": lambda: session_message(s.insights(), shared_by_user_id="U024BE7LH", app_url=s.APP_URL),
    "card_huge_analysis": lambda: session_message(s.huge_insights(), app_url=s.APP_URL),
    "card_hostile_title": lambda: session_message(
        s.hostile_insights(), shared_by_user_id="<!channel>", app_url=s.APP_URL
    ),
    "card_untitled": lambda: session_message(s.insights(s.INSIGHTS_NO_ANALYSIS, title=None), app_url=s.APP_URL),
    "alert_open": lambda: alert_message(s.session(), reason="out_of_credits", opened_at=s.OPENED_AT, app_url=s.APP_URL),
    "alert_resolved": lambda: alert_message(
        s.session(status="running", status_detail="working"),
        reason="out_of_credits",
        opened_at=s.OPENED_AT,
        resolved_at=s.NOW,
        resolved_status="running",
        app_url=s.APP_URL,
    ),
    "alert_reason_changed": lambda: alert_message(
        s.session(status_detail="payment_declined"),
        reason="payment_declined",
        opened_at=s.OPENED_AT,
        reason_changed_from="out_of_credits",
        app_url=s.APP_URL,
    ),
    "grouped_open": lambda: grouped_alert_message(
        storm(), reason="org_usage_limit_exceeded", opened_at=s.OPENED_AT, app_url=s.APP_URL
    ),
    "grouped_partly_resolved": lambda: grouped_alert_message(
        storm(),
        reason="org_usage_limit_exceeded",
        opened_at=s.OPENED_AT,
        resolved_ids=storm_ids()[:12],
        app_url=s.APP_URL,
    ),
    "grouped_fully_resolved": lambda: grouped_alert_message(
        storm()[:5],
        reason="out_of_quota",
        opened_at=s.OPENED_AT,
        resolved_ids=storm_ids(),
        resolved_at=s.NOW,
        app_url=s.APP_URL,
    ),
    "grouped_thread": lambda: grouped_alert_thread_message(
        storm()[15:], reason="org_usage_limit_exceeded", app_url=s.APP_URL
    ),
    "alert_resolved_reply": lambda: alert_resolved_reply(
        s.session(), resolved_status="running", down_seconds=7980, app_url=s.APP_URL
    ),
    "settings": lambda: _settings(),
    "settings_with_error": lambda: _settings(
        enabled=True, is_default_channel=True, last_error="not_in_channel", last_error_at=s.OPENED_AT, pending=3
    ),
    "settings_off": lambda: _settings(enabled=False, reasons=[]),
    "settings_quiet_broadcast": lambda: _settings(
        quiet=[SNOOZED, QuietNote("payment_declined", "U0MUTER0001", None)], suppressed=3, broadcast=True
    ),
    "alert_quiet_buttons": lambda: alert_message(
        s.session(),
        reason="out_of_credits",
        opened_at=s.OPENED_AT,
        app_url=s.APP_URL,
        footer=quiet_footer("out_of_credits", None),
    ),
    "alert_snoozed": lambda: alert_message(
        s.session(),
        reason="out_of_credits",
        opened_at=s.OPENED_AT,
        app_url=s.APP_URL,
        footer=quiet_footer("out_of_credits", SNOOZED),
    ),
    "grouped_muted": lambda: grouped_alert_message(
        storm()[:5],
        app_url=s.APP_URL,
        reason="org_usage_limit_exceeded",
        opened_at=s.OPENED_AT,
        footer=quiet_footer("org_usage_limit_exceeded", QuietNote("org_usage_limit_exceeded", "U0MUTER0001", None)),
    ),
    "alert_resolved_then_finished": lambda: alert_message(
        s.session(status="exit", status_detail="finished", pull_requests=FINISHED_PRS),
        reason="out_of_credits",
        opened_at=s.OPENED_AT,
        resolved_at=s.NOW,
        resolved_status="running",
        app_url=s.APP_URL,
    ),
    "thread_reason_changed": lambda: reason_changed_reply(
        s.session(title=s.HOSTILE_TITLE), app_url=s.APP_URL, before="out_of_credits", now="payment_declined"
    ),
    "thread_finished_with_prs": lambda: finished_reply(
        s.session(status="exit", pull_requests=FINISHED_PRS), app_url=s.APP_URL
    ),
    "thread_finished_without_pr": lambda: finished_reply(s.session(status="exit", pull_requests=[]), app_url=s.APP_URL),
    "thread_errored": lambda: errored_reply(s.session(status="error", title=s.HOSTILE_TITLE), app_url=s.APP_URL),
    "quiet_answer_replaced": lambda: quiet_answer(SNOOZED, QuietNote("out_of_credits", "U0MUTER0001", None)),
    "usage": lambda: usage_message(),
    "usage_with_note": lambda: usage_message("I couldn't find a Devin session link in `foo <bar>`"),
    "notice": lambda: notice_message("Devin is not answering right now; try again in a minute."),
    "summary": lambda: summary_message(
        app_url="https://app.devin.ai", figures=team.with_org_parts(), title="Devin: the last 7 days", shareable_days=7
    ),
    "summary_degraded": lambda: summary_message(
        app_url="https://app.devin.ai", figures=team.degraded(), title="Devin: the last 7 days", shareable_days=7
    ),
    "summary_empty": lambda: summary_message(
        app_url="https://app.devin.ai", figures=team.figures([]), title="Devin: the last 7 days", shareable_days=7
    ),
    "budget_80": lambda: budget_message(team.budget()),
    "budget_over_estimated": lambda: budget_message(
        team.budget(used=530.0, threshold=100, runs_out_at=s.NOW, estimated=True)
    ),
    "budget_lasts_the_month": lambda: budget_message(team.budget(used=260.0, threshold=50, runs_out_at=None)),
    "budget_reply": lambda: budget_reply(team.budget(threshold=100, used=505.0)),
    "digest": lambda: digest_message(
        team.figures(),
        cadence="daily",
        when="daily at 09:00 (Europe/Paris)",
        scheduled_by="U024BE7LH",
        app_url=s.APP_URL,
    ),
    "digest_schedule": lambda: digest_schedule_message(
        channel_id="C0123ABCDEF",
        when="weekly on Monday at 08:30 (America/New_York)",
        scheduled_by="U024BE7LH",
        next_due_at=s.NOW + 86_400,
        changed="Digest scheduled.",
    ),
    "digest_schedule_none_with_error": lambda: digest_schedule_message(
        channel_id="C0123ABCDEF",
        when=None,
        last_error="not_in_channel",
        last_error_fix="Invite the app: /invite @devin-insights",
    ),
    "summary_shared_hostile": lambda: summary_message(
        app_url="https://app.devin.ai",
        figures=team.figures(team.hostile_sessions()),
        title="Devin: the last 7 days",
        shared_by_user_id="U024BE7LH",
    ),
}
UNFURLS: dict[str, Callable[[], Mapping[str, Any]]] = {
    "unfurl_running": lambda: session_unfurl(s.session(s.SESSION_RUNNING), app_url=s.APP_URL),
    "unfurl_suspended": lambda: session_unfurl(s.session(), app_url=s.APP_URL),
    "unfurl_exit_insights": lambda: session_unfurl(s.insights(), app_url=s.APP_URL),
    "unfurl_minimal_running": lambda: session_unfurl(s.session(s.SESSION_RUNNING), minimal=True, app_url=s.APP_URL),
    "unfurl_minimal_suspended": lambda: session_unfurl(s.session(), minimal=True, app_url=s.APP_URL),
    "unfurl_minimal_exit": lambda: session_unfurl(s.insights(), minimal=True, app_url=s.APP_URL),
}
PASTED = "https://app.devin.ai/sessions/0123456789abcdef0123456789abcdef?tab=info"
REF = {"id": "devin-3f9c2a7be14d4c0f9a61d2e8b7c45a90", "type": "devin_session"}
ENTITIES: dict[str, Callable[[], Mapping[str, Any] | None]] = {
    "entity_task_suspended": lambda: session_task_entity(s.session(), pasted_url=PASTED, app_url=s.APP_URL),
    "entity_task_insights": lambda: session_task_entity(
        s.insights(), pasted_url=PASTED, assignee=Assignee("U024BE7LH"), app_url=s.APP_URL
    ),
    "entity_task_minimal": lambda: session_task_entity(
        s.insights(), pasted_url=PASTED, minimal=True, app_url=s.APP_URL
    ),
    "entity_task_hostile": lambda: session_task_entity(
        s.hostile_insights(), pasted_url=PASTED, assignee=Assignee(None, "<!channel> @here"), app_url=s.APP_URL
    ),
    "entity_task_untitled": lambda: session_task_entity(
        s.insights(s.INSIGHTS_NO_ANALYSIS, title=None), pasted_url=PASTED, app_url=s.APP_URL
    ),
    "entity_incident_open": lambda: session_incident_entity(
        s.session(), creator=Assignee(None, "Ada Lovelace"), app_url=s.APP_URL
    ),
    "entity_incident_inactive": lambda: session_incident_entity(
        s.session(status_detail="inactivity"), app_url=s.APP_URL
    ),
    "flexpane_details": lambda: session_details_entity(
        s.insights(), external_ref=REF, entity_url=PASTED, app_url=s.APP_URL
    ),
    "flexpane_without_analysis": lambda: session_details_entity(
        s.insights(s.INSIGHTS_NO_ANALYSIS), external_ref=REF, entity_url=PASTED, app_url=s.APP_URL
    ),
    "flexpane_huge": lambda: session_details_entity(
        s.huge_insights(), external_ref=REF, entity_url=PASTED, app_url=s.APP_URL
    ),
    "flexpane_hostile": lambda: session_details_entity(
        s.hostile_insights(), external_ref=REF, entity_url=PASTED, app_url=s.APP_URL
    ),
    "flexpane_session_only": lambda: session_details_entity(
        s.session(),
        external_ref=REF,
        entity_url=PASTED,
        notice="Devin didn't answer in time. Try again in a minute.",
        app_url=s.APP_URL,
    ),
}
METADATA: dict[str, Callable[[], Mapping[str, Any]]] = {
    "metadata_alert_open": lambda: alert_metadata(
        channel="C0123ABCDEF",
        reason="out_of_credits",
        resolved=False,
        session_id=s.session().session_id,
        episode=1,
        session=s.session(),
        app_url=s.APP_URL,
        creator=Person(PersonKind.USER, "user-1", "Ada Lovelace", "ada@example.com", "U024BE7LH"),
    ),
    "metadata_alert_resolved_reply": lambda: alert_metadata(
        channel="C0123ABCDEF", reason="out_of_credits", resolved=True, session_id="devin-x", episode=3, part="reply"
    ),
    "metadata_storm": lambda: alert_metadata(
        channel="C0123ABCDEF", reason="org_usage_limit_exceeded", resolved=False, group_key="org_usage_limit_exceeded:1"
    ),
}
FLEXPANE_ERRORS: dict[str, Callable[[], Mapping[str, Any]]] = {
    "flexpane_error_restricted": lambda: RESTRICTED,
    "flexpane_error_not_found": lambda: NOT_FOUND,
    "flexpane_error_devin": lambda: devin_trouble("Devin didn't answer in time. Try again in a minute."),
}
VIEWS: dict[str, Callable[[], Mapping[str, Any]]] = {
    "details": lambda: details_view(s.insights(), app_url=s.APP_URL),
    "details_huge": lambda: details_view(s.huge_insights(), app_url=s.APP_URL),
    "details_without_analysis": lambda: details_view(s.insights(s.INSIGHTS_NO_ANALYSIS), app_url=s.APP_URL),
    "details_loading": lambda: loading_view(),
    "details_error": lambda: loading_view(error="Devin is not answering right now; try again in a minute."),
    "home": lambda: home_view(alert_channels=["C0123ABCDEF", "not-a-channel", "C0123ABCDEF", "G0456"]),
    "home_no_alerts": lambda: home_view(alert_channels=[]),
    "home_with_glance": lambda: home_view(
        alert_channels=["C0123ABCDEF"],
        sections=team_glance_blocks(
            team.figures(team.hostile_sessions()),
            budget=team.budget(),
            budget_set=True,
            digest_channels=[("C0123ABCDEF", "daily at 09:00 (Europe/Paris)"), ("bogus", "x")],
        ),
    ),
    "home_glance_unavailable": lambda: home_view(
        alert_channels=[], sections=team_glance_blocks(None, budget=None, budget_set=False, digest_channels=[])
    ),
    "home_yours": lambda: home_view(
        alert_channels=["C0123ABCDEF"], personal=your_sessions_blocks(yours_sample(), app_url=s.APP_URL)
    ),
    "home_yours_unmatched": lambda: home_view(
        alert_channels=[],
        personal=your_sessions_blocks(
            YourSessions(ViewerMatch(None, Unmatched.NOT_MEMBER), notify=True), app_url=s.APP_URL
        ),
    ),
    "home_yours_devin_down": lambda: home_view(
        alert_channels=[],
        personal=your_sessions_blocks(
            YourSessions(ViewerMatch("user-7a41c2e9d3b5"), sessions_failed=True, notify=False), app_url=s.APP_URL
        ),
    ),
}


def yours_sample() -> YourSessions:
    """Alice's tab: one session waiting for her answer (first), one suspended, one hostile title; 14 in all."""
    waiting = s.session(s.SESSION_RUNNING, updated_at=s.NOW - 600)
    suspended = s.session(updated_at=s.NOW - 60)
    hostile = s.numbered_session(7, status="exit", status_detail=None, updated_at=s.NOW - 7200)
    hostile = hostile.model_copy(update={"title": s.HOSTILE_TITLE})
    return YourSessions(ViewerMatch("user-7a41c2e9d3b5"), sessions=(waiting, suspended, hostile), total=14, notify=True)


def assert_matches_golden(name: str, payload: Mapping[str, Any]) -> None:
    """Compare `payload` with `tests/golden/<name>.json`; write it when missing (unless CI) or asked to."""
    path = GOLDEN_DIR / f"{name}.json"
    rendered = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1" or not path.exists():
        if not path.exists() and os.environ.get("CI"):
            pytest.fail(f"golden {path.name} is missing; run the tests locally and commit it")
        GOLDEN_DIR.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8"), f"{name} differs from {path}; UPDATE_GOLDEN=1 to accept"


def assert_sdk_accepts_blocks(blocks: list[dict[str, Any]]) -> None:
    """slack_sdk's models parse each block and serialise it back unchanged (they validate some limits)."""
    for raw in blocks:
        if raw["type"] in SDK_UNMODELLED:
            continue
        parsed = Block.parse(raw)
        assert parsed is not None, raw
        assert parsed.to_dict() == raw


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_golden_message(name: str) -> None:
    message = MESSAGES[name]()
    assert_message_limits(message)
    assert_no_unescaped_control(message, allowed_hosts=ALLOWED_HOSTS)
    assert_sdk_accepts_blocks(message["blocks"])
    assert_matches_golden(name, message)


@pytest.mark.parametrize("name", sorted(UNFURLS))
def test_golden_unfurl(name: str) -> None:
    unfurl = UNFURLS[name]()
    assert_unfurl_limits(unfurl)
    assert_no_unescaped_control(unfurl, allowed_hosts=ALLOWED_HOSTS)
    assert_sdk_accepts_blocks(unfurl["blocks"])
    assert_matches_golden(name, unfurl)


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_golden_view(name: str) -> None:
    view = VIEWS[name]()
    assert_view_limits(view)
    assert_no_unescaped_control(view, allowed_hosts=ALLOWED_HOSTS)
    assert View(**view).to_dict() == view
    assert_matches_golden(name, view)


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_golden_entity(name: str) -> None:
    entity = ENTITIES[name]()
    assert entity is not None
    for_unfurl = "app_unfurl_url" in entity
    hosts = {f"https://{h}" for h in ALLOWED_HOSTS}
    urls = {u for u in json.dumps(entity).split('"') if u.startswith(tuple(hosts))}
    assert_entity_ok(dict(entity), for_unfurl=for_unfurl, input_urls=urls)
    assert_matches_golden(name, entity)


@pytest.mark.parametrize("name", sorted(METADATA))
def test_golden_message_metadata(name: str) -> None:
    metadata = METADATA[name]()
    assert_message_metadata_ok(dict(metadata))
    assert_matches_golden(name, metadata)


@pytest.mark.parametrize("name", sorted(FLEXPANE_ERRORS))
def test_golden_flexpane_error(name: str) -> None:
    error = FLEXPANE_ERRORS[name]()
    assert set(error) <= {"status", "custom_title", "custom_message", "message_format", "actions"}
    assert_matches_golden(name, error)


def test_golden_every_file_has_a_case() -> None:
    from tests.test_blocks_people import GOLDEN_NAMES as PEOPLE_GOLDEN  # its own module, same directory

    cases = {*MESSAGES, *UNFURLS, *VIEWS, *ENTITIES, *FLEXPANE_ERRORS, *METADATA, *PEOPLE_GOLDEN}
    stale = {path.stem for path in GOLDEN_DIR.glob("*.json")} - cases
    assert not stale, f"golden files without a case (delete them): {sorted(stale)}"
