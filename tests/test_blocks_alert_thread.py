"""The lifecycle builders: replies for a new reason, finishing and erroring, and the top message's "Now" line."""

from __future__ import annotations

import json

from blocks.alert_thread import PR_LINES_MAX, errored_reply, finished_reply, reason_changed_reply, state_now
from tests import blocks_samples as s
from tests.blockkit_limits import assert_message_limits


def _pr(n: int) -> dict[str, str]:
    return {"pr_url": f"https://github.com/acme/api/pull/{n}", "pr_state": "open"}


def test_state_now_only_once_the_session_moved_on_from_its_recovery() -> None:
    assert state_now(s.session(status="running"), "running") is None
    assert state_now(s.session(status="suspended"), "running") is None  # a snapshot from before the recovery
    assert state_now(s.session(status="exit"), None) is None
    line = state_now(s.session(status="exit", pull_requests=[_pr(1)]), "running")
    assert line is not None and "Ended" in line and "1 PR" in line


def test_finished_lists_at_most_a_few_pull_requests_and_counts_the_rest() -> None:
    message = finished_reply(s.session(status="exit", pull_requests=[_pr(n) for n in range(9)]), app_url=s.APP_URL)
    text = json.dumps(message["blocks"])
    assert "9 PRs" in text and f"+{9 - PR_LINES_MAX:,} more in Devin" in text
    assert text.count("acme/api#") == PR_LINES_MAX
    assert_message_limits(message)


def test_replies_escape_the_title_and_reasons_from_devin() -> None:
    hostile = s.session(title=s.HOSTILE_TITLE)
    for message in (
        reason_changed_reply(hostile, app_url=s.APP_URL, before="<!channel>", now="<@U0VICTIM01>"),
        errored_reply(hostile, app_url=s.APP_URL),
        finished_reply(hostile, app_url=s.APP_URL),
    ):
        text = json.dumps(message)
        assert "<!channel>" not in text and "<@U" not in text and "<!here>" not in text
        assert_message_limits(message)
