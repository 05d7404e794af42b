"""Every link the builders make is the configured Devin app URL + the session id, whatever `url` Devin sent."""

from __future__ import annotations

from typing import Any

import pytest

from blocks import facts
from blocks.alert import alert_message, alert_resolved_reply, grouped_alert_message, grouped_alert_thread_message
from blocks.details import details_view
from blocks.entity import session_incident_entity, session_task_entity
from blocks.session import session_message
from blocks.unfurl import session_unfurl
from bot.ids import ActionId
from tests import blocks_samples as s
from tests.blockkit_limits import assert_no_unescaped_control, link_urls

APP_URL = "https://acme.devinenterprise.com"
FOREIGN = "https://evil.example/sessions/c62083ff56314d3da1c29345c80186be"
"""A session whose `url` names another host (the API never should, but data must not pick link targets)."""


def _foreign() -> Any:
    return s.insights(url=FOREIGN)


def _link() -> str:
    return f"{APP_URL}/sessions/{_foreign().session_id.removeprefix('devin-')}"


BUILDERS: dict[str, Any] = {
    "alert": lambda: alert_message(_foreign(), app_url=APP_URL, reason="out_of_credits", opened_at=s.OPENED_AT),
    "alert_resolved": lambda: alert_message(
        _foreign(), app_url=APP_URL, reason="error", opened_at=s.OPENED_AT, resolved_at=s.NOW, resolved_status="running"
    ),
    "grouped": lambda: grouped_alert_message([_foreign()] * 3, app_url=APP_URL, reason="error", opened_at=1),
    "grouped_thread": lambda: grouped_alert_thread_message([_foreign()] * 3, app_url=APP_URL, reason="error"),
    "resolved_reply": lambda: alert_resolved_reply(_foreign(), app_url=APP_URL, resolved_status="", down_seconds=5),
    "card": lambda: session_message(_foreign(), app_url=APP_URL),
    "card_shared": lambda: session_message(_foreign(), app_url=APP_URL, shared_by_user_id="U024BE7LH"),
    "details": lambda: details_view(_foreign(), app_url=APP_URL),
    "unfurl": lambda: session_unfurl(_foreign(), app_url=APP_URL),
    "unfurl_minimal": lambda: session_unfurl(_foreign(), app_url=APP_URL, minimal=True),
}
PASTED = "https://app.devin.ai/sessions/c62083ff56314d3da1c29345c80186be"


@pytest.mark.parametrize(
    "entity",
    [
        pytest.param(lambda: session_task_entity(_foreign(), app_url=APP_URL, pasted_url=PASTED), id="task"),
        pytest.param(lambda: session_incident_entity(_foreign(), app_url=APP_URL), id="incident"),
    ],
)
def test_work_object_entities_link_to_the_app(entity: Any) -> None:
    built = entity()
    assert built["url"] == _link()
    actions = built["entity_payload"]["actions"]["primary_actions"]
    assert [a["url"] for a in actions if "url" in a] == [_link()]
    assert "evil.example" not in str(built)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_a_foreign_session_url_never_becomes_a_link(name: str) -> None:
    payload = BUILDERS[name]()
    urls = [url for url in link_urls(payload) if not url.startswith("https://github.com/")]
    assert _link() in urls
    assert set(urls) <= {_link(), APP_URL}
    assert "evil.example" not in str(payload)
    assert_no_unescaped_control(payload, allowed_hosts=("acme.devinenterprise.com", "github.com"))


def test_open_buttons_point_at_the_app() -> None:
    card = session_message(_foreign(), app_url=APP_URL)
    alert = alert_message(_foreign(), app_url=APP_URL, reason="error", opened_at=s.OPENED_AT)
    buttons = [
        e for m in (card, alert) for b in m["blocks"] if b["type"] == "actions" for e in b["elements"] if "url" in e
    ]
    assert {b["action_id"] for b in buttons} == {ActionId.OPEN_IN_DEVIN, ActionId.OPEN_ALERT_SESSION}
    assert {b["url"] for b in buttons} == {_link()}


@pytest.mark.parametrize(
    ("app_url", "session_id", "expected"),
    [
        ("https://app.devin.ai", "devin-" + "ab" * 16, "https://app.devin.ai/sessions/" + "ab" * 16),
        ("https://app.devin.ai/", "devin-" + "ab" * 16, "https://app.devin.ai/sessions/" + "ab" * 16),
        (
            "https://devin.acme.internal/org/acme",
            "devin-" + "0f" * 16,
            "https://devin.acme.internal/org/acme/sessions/" + "0f" * 16,
        ),
        ("https://app.devin.ai", "", None),
        ("https://app.devin.ai", "devin-" + "AB" * 16, None),
        ("https://app.devin.ai", "../../evil.example", None),
        ("https://app.devin.ai", "devin-" + "ab" * 16 + "?x=<!channel>", None),
    ],
)
def test_web_url_is_the_app_url_and_a_canonical_id(app_url: str, session_id: str, expected: str | None) -> None:
    assert facts.web_url(s.session(session_id=session_id, url=FOREIGN), app_url) == expected
