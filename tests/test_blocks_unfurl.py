"""Link previews: blocks only, compact, no buttons; minimal previews show title and status only."""

from __future__ import annotations

import pytest

from blocks.unfurl import session_unfurl
from bot.devin.models import Session
from tests import blocks_samples as s
from tests.blockkit_limits import assert_no_unescaped_control, assert_unfurl_limits, mrkdwn_texts

SAMPLES = {
    "running": lambda: s.session(s.SESSION_RUNNING),
    "suspended": lambda: s.session(),
    "exit_insights": lambda: s.insights(),
    "hostile": s.hostile_insights,
    "worst": s.worst_case_insights,
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("minimal", [False, True])
def test_session_unfurl_is_compact_blocks_without_text_or_buttons(name: str, minimal: bool) -> None:
    unfurl = session_unfurl(SAMPLES[name](), minimal=minimal, app_url=s.APP_URL)
    assert_unfurl_limits(unfurl)
    assert "text" not in unfurl
    assert len(unfurl["blocks"]) <= (1 if minimal else 5)
    assert all(block["type"] != "actions" for block in unfurl["blocks"])
    assert_no_unescaped_control(unfurl, allowed_hosts=("app.devin.ai",))


def test_session_unfurl_full_shows_status_reason_acus_prs_creator_and_update() -> None:
    text = "\n".join(mrkdwn_texts(session_unfurl(s.session(), app_url=s.APP_URL)))
    assert "*<https://app.devin.ai/sessions/c62083ff56314d3da1c29345c80186be|Migrate payment webhooks" in text
    assert ":credit_card: *Suspended* · out of credits — Your organization ran out of ACU credits." in text
    assert "*24.6* ACUs" in text
    assert "No PRs" in text
    assert "Started by `service-user-abc123` (service user)" in text
    assert "Updated <!date^1767437940^" in text
    assert "Size" not in text  # a plain Session has no size


def test_session_unfurl_of_insights_shows_size_and_pr_states() -> None:
    text = "\n".join(mrkdwn_texts(session_unfurl(s.insights(), app_url=s.APP_URL)))
    assert "Size *M*" in text
    assert "1 PR: :large_purple_circle: 1 merged" in text


def test_session_unfurl_minimal_hides_everything_but_title_and_status() -> None:
    unfurl = session_unfurl(s.session(), minimal=True, app_url=s.APP_URL)
    text = "\n".join(mrkdwn_texts(unfurl))
    assert text.endswith("\n:double_vertical_bar: Suspended")
    for hidden in ("credits", "ACU", "service-user", "date"):
        assert hidden not in text


def test_session_unfurl_accepts_a_bare_session_model() -> None:
    minimal = Session(session_id="devin-" + "0" * 32, url="https://app.devin.ai/sessions/" + "0" * 32)
    assert_unfurl_limits(session_unfurl(minimal, app_url=s.APP_URL))
