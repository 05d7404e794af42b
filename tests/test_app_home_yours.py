"""App Home's "Your sessions" end to end: a signed `app_home_opened`, the recording Slack's `views.publish`, the
simulated org over real HTTP. Expected sessions are computed here from the simulator's own records."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.sandbox.devin_seed import USER_ALICE, USER_BORIS
from bot.sandbox.slack_api import ADMIN_USER_ID, OWNER_USER_ID, REGULAR_USER_ID
from bot.sandbox.slack_requests import app_home_opened_event
from bot.sandbox.slack_workspace import UserInfo
from bot.store import people as people_queries
from tests.blockkit_limits import assert_no_unescaped_control, assert_view_limits
from tests.fixtures_app import RunningApp, running_app

WAITING = ("waiting_for_user", "waiting_for_approval")
LISTING = re.compile(r"/v3/organizations/[^/]+/sessions")
"""The session list (the org glance reads `/sessions/insights` and `/metrics/sessions`)."""


class Clock:
    def __init__(self) -> None:
        self.now = float(int(time.time()))  # the simulated org's seed is relative to the real now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def home(tmp_path: Any) -> AsyncIterator[tuple[RunningApp, Clock]]:
    clock = Clock()
    async with running_app(tmp_path, with_alerts=True, clock=clock) as running:
        yield running, clock


async def _open(live: RunningApp, user: str, count: int = 1) -> dict[str, Any]:
    await live.sender.event(app_home_opened_event(user))
    published = await live.slack.wait_for("views.publish", count=count, timeout=10)
    call = published[-1]
    assert call.body["user_id"] == user  # published for the viewer alone
    view = call.body["view"]
    assert_view_limits(view)
    assert_no_unescaped_control({"blocks": view["blocks"]}, allowed_hosts=("app.devin.ai",))
    return dict(view)


def _texts(view: dict[str, Any]) -> list[str]:
    return [json.dumps(b, ensure_ascii=False) for b in view["blocks"]]


def _yours(view: dict[str, Any]) -> list[str]:
    """The blocks of "Your sessions": from its header to the divider after it."""
    texts = _texts(view)
    start = next(i for i, t in enumerate(texts) if '"Your sessions"' in t)
    end = next(i for i in range(start, len(texts)) if '"type": "divider"' in texts[i])
    return texts[start + 1 : end]


def _listings(live: RunningApp) -> list[Any]:
    """Listings for one person (the alert poller lists the whole org, without `user_ids`)."""
    return [r for r in live.devin.requests if LISTING.fullmatch(r.path) and "user_ids" in dict(r.query)]


def _hex(session_id: str) -> str:
    return session_id.removeprefix("devin-")


async def test_home_lists_the_viewers_sessions_waiting_first_with_their_dm_setting(
    home: tuple[RunningApp, Clock],
) -> None:
    live, clock = home
    now = clock.now
    mine = [s for s in live.devin.sessions() if s.get("user_id") == USER_ALICE and s["updated_at"] >= now - 14 * 86_400]
    waiting = [s for s in mine if s.get("status_detail") in WAITING]
    assert waiting and len(mine) > len(waiting)  # the seed gives Alice both kinds
    view = await _open(live, REGULAR_USER_ID)
    yours = _yours(view)
    lines = [t for t in yours if "app.devin.ai/sessions/" in t]
    expected = sorted(mine, key=lambda s: (s.get("status_detail") not in WAITING, -s["updated_at"], s["session_id"]))
    assert len(lines) == min(10, len(mine))
    for line, session in zip(lines, expected, strict=False):
        assert _hex(session["session_id"]) in line
    assert all("Waiting for your" in line for line in lines[: len(waiting)])
    assert not any("Waiting for your" in line for line in lines[len(waiting) :])
    others = {_hex(s["session_id"]) for s in live.devin.sessions() if s.get("user_id") != USER_ALICE}
    assert not any(h in t for t in yours for h in others)  # only the viewer's own sessions
    assert "Direct messages: *on*" in yours[-1] and "notify off" in yours[-1]
    (listing,) = _listings(live)
    assert ("user_ids", USER_ALICE) in listing.query  # the API's filter (reference §6.1), not the whole org
    assert "Your Devin org this week" in json.dumps(view)  # the org at a glance stays
    # Matched by the directory's pair (a lookup may have made it already) or by the viewer's e-mail, once.
    assert [c.body["user"] for c in live.slack.calls_to("users.info")] in ([], [REGULAR_USER_ID])


async def test_home_shows_notify_off_and_a_reopened_tab_is_cached(home: tuple[RunningApp, Clock]) -> None:
    live, clock = home
    people = live.app.deps.people
    assert people is not None
    await people.set_notify(REGULAR_USER_ID, notify=False)
    first = await _open(live, REGULAR_USER_ID)
    assert "Direct messages: *off*" in _yours(first)[-1] and "notify on" in _yours(first)[-1]
    await _open(live, REGULAR_USER_ID, count=2)
    assert len(_listings(live)) == 1  # the short cache answered
    assert len([r for r in live.devin.requests if "/members/users" in r.path and "email" in dict(r.query)]) <= 1
    clock.now += 31
    await _open(live, REGULAR_USER_ID, count=3)
    assert len(_listings(live)) == 2  # stale: listed again; the match is remembered
    assert len(live.slack.calls_to("users.info")) <= 1


async def test_home_requests_grow_with_pages_not_sessions(home: tuple[RunningApp, Clock]) -> None:
    live, clock = home
    live.devin.add_many(450, user_id=USER_ALICE, acus_consumed=0.3)
    live.devin.add_many(300, user_id=USER_BORIS)
    view = await _open(live, REGULAR_USER_ID)
    assert len(_listings(live)) == 3  # 450 + the seed's few: three pages of 200
    assert "more sessions updated in the last 14 days" in json.dumps(_yours(view))


async def test_home_two_viewers_each_see_their_own(home: tuple[RunningApp, Clock]) -> None:
    live, _ = home
    alice = await _open(live, REGULAR_USER_ID)
    boris = await _open(live, ADMIN_USER_ID, count=2)
    boris_hex = {_hex(s["session_id"]) for s in live.devin.sessions() if s.get("user_id") == USER_BORIS}
    alice_hex = {_hex(s["session_id"]) for s in live.devin.sessions() if s.get("user_id") == USER_ALICE}
    assert any(h in t for t in _yours(boris) for h in boris_hex)
    assert not any(h in t for t in _yours(boris) for h in alice_hex)
    assert not any(h in t for t in _yours(alice) for h in boris_hex)
    assert live.slack.workspace.home_views[ADMIN_USER_ID] != live.slack.workspace.home_views[REGULAR_USER_ID]


async def test_home_viewer_not_in_devin_gets_a_clear_sentence(home: tuple[RunningApp, Clock]) -> None:
    live, _ = home
    live.slack.workspace.users["U0STRANGER"] = UserInfo("U0STRANGER", "stranger", email="nobody@elsewhere.example")
    view = await _open(live, "U0STRANGER")
    (sentence, _dm) = _yours(view)
    assert "couldn't match your Slack e-mail to a Devin member" in sentence
    assert _listings(live) == []  # no sessions asked for anyone
    assert "Your Devin org this week" in json.dumps(view)


async def test_home_viewer_without_an_email_is_told_so(home: tuple[RunningApp, Clock]) -> None:
    live, _ = home
    view = await _open(live, OWNER_USER_ID)  # the sandbox owner has no e-mail
    assert "couldn't read your Slack e-mail" in _yours(view)[0]
    assert [r for r in live.devin.requests if "email" in dict(r.query)] == []  # no member asked by e-mail


async def test_home_without_the_membership_permission_says_which(home: tuple[RunningApp, Clock]) -> None:
    live, _ = home
    live.devin.members.view_membership = False
    view = await _open(live, REGULAR_USER_ID)
    assert "*ViewOrgMembership*" in _yours(view)[0]


async def test_home_devin_down_still_renders_the_rest_with_one_line(home: tuple[RunningApp, Clock]) -> None:
    live, clock = home
    await _open(live, REGULAR_USER_ID)  # matched and listed once
    clock.now += 120  # both caches stale
    live.devin.inject(status=503, times=-1)
    view = await _open(live, REGULAR_USER_ID, count=2)
    (line, dm) = _yours(view)
    assert "Devin didn't answer just now" in line and "Direct messages" in dm
    text = json.dumps(view)
    assert "Suspension alerts" in text and "not available right now" in text  # the rest of Home


async def test_home_devin_down_before_any_match_is_one_line(home: tuple[RunningApp, Clock]) -> None:
    live, _ = home
    live.devin.inject(status=500, times=-1)
    view = await _open(live, REGULAR_USER_ID)
    assert "didn't answer just now" in _yours(view)[0]
    assert "What to do" not in json.dumps(view) and "Suspension alerts" in json.dumps(view)


async def test_home_matches_a_new_viewer_by_email_and_pairs_them_in_the_directory(
    home: tuple[RunningApp, Clock],
) -> None:
    live, clock = home
    live.devin.members.add("user-newcomer0001", email="new.comer@example.com", name="Nia Comer")
    live.slack.workspace.users["U0NEWCOMER"] = UserInfo("U0NEWCOMER", "nia", email="new.comer@example.com")
    session = live.devin.add_session(
        user_id="user-newcomer0001", title="Nia's first session", status="running",
        status_detail="waiting_for_approval", created_at=int(clock.now) - 600, updated_at=int(clock.now) - 60,
    )  # fmt: skip
    view = await _open(live, "U0NEWCOMER")
    (line, _dm) = _yours(view)
    assert _hex(session["session_id"]) in line and "Waiting for your approval" in line
    asked = [dict(r.query)["email"] for r in live.devin.requests if "email" in dict(r.query)]
    assert asked == ["new.comer@example.com"]  # the viewer's Slack e-mail, once
    store = live.app.deps.people.store if live.app.deps.people else None
    assert store is not None
    async with store.transaction() as conn:
        assert await people_queries.devin_user_for(conn, "U0NEWCOMER") == "user-newcomer0001"


async def test_home_publishes_in_time_when_devin_is_slow_and_the_lookup_fills_the_cache(
    home: tuple[RunningApp, Clock],
) -> None:
    live, _ = home
    people = live.app.deps.people
    assert people is not None and people.viewers is not None
    assert (await people.viewers.match(REGULAR_USER_ID)).devin_user_id == USER_ALICE
    live.devin.inject(latency=2.8, path_contains="/sessions", times=-1)
    started = time.monotonic()
    view = await _open(live, REGULAR_USER_ID)
    assert time.monotonic() - started < 4.0  # both halves give up at 2.5 s; "still loading" says it did not wait
    (line, dm) = _yours(view)
    assert "still loading" in line and "Direct messages" in dm
    await people.viewers.sessions(USER_ALICE)  # the listing the tab left running, not a new one
    live.devin.clear_faults()
    again = await _open(live, REGULAR_USER_ID, count=2)
    assert len(_listings(live)) == 1 and any("app.devin.ai/sessions/" in t for t in _yours(again))
