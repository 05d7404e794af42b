"""App Home's "Your sessions" builder and ordering: every state, limits and escaping for any sessions."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from blocks.home import home_view
from blocks.your_sessions import SHOWN_MAX, UNMATCHED, your_sessions_blocks
from bot.devin.models import Session
from bot.people.records import Unmatched, ViewerMatch, YourSessions
from bot.people.viewers import ordered
from tests import blocks_samples as s
from tests.blockkit_limits import assert_no_unescaped_control, assert_view_limits
from tests.test_blocks_properties import SETTINGS, sessions

ALICE = ViewerMatch("user-7a41c2e9d3b5")
matches = st.sampled_from([ALICE, *(ViewerMatch(None, u) for u in Unmatched), ViewerMatch(None)])


def _text(yours: YourSessions) -> str:
    return json.dumps(your_sessions_blocks(yours, app_url=s.APP_URL), ensure_ascii=False)


def test_ordered_puts_waiting_first_then_the_most_recent() -> None:
    old_waiting = s.session(s.SESSION_RUNNING, session_id="devin-" + "1" * 32, updated_at=100)
    approval = s.session(s.SESSION_RUNNING, session_id="devin-" + "2" * 32, status_detail="waiting_for_approval")
    approval = approval.model_copy(update={"updated_at": 50})
    recent = s.session(session_id="devin-" + "3" * 32, updated_at=900)
    older = s.session(session_id="devin-" + "4" * 32, updated_at=500)
    assert [x.session_id for x in ordered([older, approval, recent, old_waiting])] == [
        old_waiting.session_id,
        approval.session_id,
        recent.session_id,
        older.session_id,
    ]


def test_each_unmatched_reason_has_its_sentence_and_no_session() -> None:
    for reason, sentence in UNMATCHED.items():
        text = _text(YourSessions(ViewerMatch(None, reason), sessions=(s.session(),), notify=True))
        assert json.dumps(sentence)[1:-1] in text and "app.devin.ai/sessions" not in text
    assert "couldn't match your Slack e-mail to a Devin member" in UNMATCHED[Unmatched.NOT_MEMBER]


def test_dm_setting_says_how_to_change_it() -> None:
    assert "notify off" in _text(YourSessions(ALICE, notify=True))
    assert "notify on" in _text(YourSessions(ALICE, notify=False))
    assert "NOTIFY_CREATORS" in _text(YourSessions(ALICE, notify=True, dms_enabled=False))
    assert "aren't available" in _text(YourSessions(ALICE, notify=None))


def test_slow_failed_and_empty_are_one_line_each() -> None:
    for yours, says in (
        (YourSessions(ALICE, slow=True), "still loading"),
        (YourSessions(ALICE, sessions_failed=True), "Devin didn't answer"),
        (YourSessions(ALICE), "None of your sessions was updated in the last 14 days"),
    ):
        blocks = your_sessions_blocks(yours, app_url=s.APP_URL)
        assert [b["type"] for b in blocks] == ["header", "section", "context", "divider"]
        assert says in json.dumps(blocks[1])


@SETTINGS
@given(st.lists(sessions, max_size=SHOWN_MAX + 3), matches, st.integers(0, 5000), st.none() | st.booleans())
def test_any_sessions_render_within_limits_escaped_and_never_mention(
    rows: list[Session], match: ViewerMatch, total: int, notify: bool | None
) -> None:
    yours = YourSessions(match, sessions=tuple(rows), total=total, notify=notify)
    view = home_view(alert_channels=["C0123ABCDEF"], personal=your_sessions_blocks(yours, app_url=s.APP_URL))
    assert_view_limits(view)
    assert_no_unescaped_control({"blocks": view["blocks"]}, allowed_hosts=(s.APP_HOST,))
    assert "<@" not in json.dumps(view["blocks"])  # a Devin title can never ping anyone


def test_the_fullest_tab_stays_within_slacks_limits() -> None:
    """Ten sessions with the longest titles, the org at a glance with every part, many alert channels."""
    from blocks.team_home import team_glance_blocks
    from tests import insights_samples as team

    rows = tuple(s.numbered_session(n).model_copy(update={"title": s.WORST_TEXT}) for n in range(1, SHOWN_MAX + 5))
    personal = your_sessions_blocks(YourSessions(ALICE, sessions=rows, total=5000, notify=True), app_url=s.APP_URL)
    glance = team_glance_blocks(
        team.figures(team.hostile_sessions()),
        budget=team.budget(),
        budget_set=True,
        digest_channels=[(f"C{n:010d}", "daily at 09:00 (Europe/Paris)") for n in range(300)],
    )
    view = home_view(alert_channels=[f"C{n:010d}" for n in range(300)], sections=glance, personal=personal)
    assert_view_limits(view)
    assert sum(1 for b in personal if b["type"] == "section") == SHOWN_MAX
