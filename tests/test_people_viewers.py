"""Viewers (App Home's "Your sessions") against the simulated Devin org and the Slack stand-in over real HTTP, on
SQLite and PostgreSQL: the match by e-mail and its pair in the directory, every failure as a result, the caches."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.devin.errors import DevinError
from bot.devin.models import Page, Session
from bot.people.records import Unmatched, ViewerMatch
from bot.people.viewers import SESSIONS_TTL_SECONDS, UNMATCHED_TTL_SECONDS, Viewers
from bot.sandbox import SANDBOX_BOT_TOKEN
from bot.sandbox.devin_seed import USER_ALICE, USER_BORIS
from bot.sandbox.slack_api import OWNER_USER_ID, REGULAR_USER_ID, SlackStandIn
from bot.slack.scopes import BOT_SCOPES
from bot.store import people as people_queries

INFO = "users.info"


def viewers(world: Any, *, store: bool = True, slack: AsyncWebClient | None = None) -> Viewers:
    return Viewers(
        world.devin, slack or world.slack_client, store=lambda: world.store if store else None, clock=world.clock
    )


def by_email(world: Any) -> list[str]:
    return [dict(r.query)["email"] for r in world.devin_org.requests if "email" in dict(r.query)]


async def test_viewer_matched_by_email_once_and_paired_for_a_restart(alerts_world: Any) -> None:
    first = viewers(alerts_world)
    assert await first.match(REGULAR_USER_ID) == ViewerMatch(USER_ALICE)
    assert await first.match(REGULAR_USER_ID) == ViewerMatch(USER_ALICE)
    assert by_email(alerts_world) == ["user@example.com"] and len(alerts_world.slack.calls_to(INFO)) == 1
    async with alerts_world.store.transaction() as conn:
        assert await people_queries.devin_user_for(conn, REGULAR_USER_ID) == USER_ALICE
    restarted = viewers(alerts_world)  # a new process: the store's pair answers, nobody is asked
    assert await restarted.match(REGULAR_USER_ID) == ViewerMatch(USER_ALICE)
    assert len(alerts_world.slack.calls_to(INFO)) == 1 and len(by_email(alerts_world)) == 1


async def test_viewer_without_a_store_is_matched_in_memory(alerts_world: Any) -> None:
    people = viewers(alerts_world, store=False)
    assert await people.match(REGULAR_USER_ID) == ViewerMatch(USER_ALICE)
    assert await people.match(REGULAR_USER_ID) == ViewerMatch(USER_ALICE)
    assert len(by_email(alerts_world)) == 1


async def test_viewer_without_an_email_and_without_the_scope(alerts_world: Any) -> None:
    assert await viewers(alerts_world).match(OWNER_USER_ID) == ViewerMatch(None, Unmatched.NO_EMAIL)
    scopes = [s for s in BOT_SCOPES if s != "users:read.email"]
    async with SlackStandIn(scopes=scopes) as narrow:
        client = AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=narrow.api_url)
        match = await viewers(alerts_world, slack=client).match(REGULAR_USER_ID)
    assert match == ViewerMatch(None, Unmatched.NO_EMAIL) and by_email(alerts_world) == []


@pytest.mark.parametrize(
    ("fault", "unmatched"),
    [
        ({"status": 403}, Unmatched.NO_PERMISSION),
        ({"status": 404}, Unmatched.NOT_MEMBER),
        ({"status": 503, "times": -1}, Unmatched.UNAVAILABLE),
        ({"retry_after": 30}, Unmatched.UNAVAILABLE),
    ],
)
async def test_viewer_devin_refusing_or_down_is_a_result(
    alerts_world: Any, fault: dict[str, Any], unmatched: Unmatched
) -> None:
    alerts_world.devin_org.inject(path_contains="/members/users", **fault)
    assert await viewers(alerts_world).match(REGULAR_USER_ID) == ViewerMatch(None, unmatched)


async def test_viewer_slack_does_not_know_is_unavailable_not_an_error(alerts_world: Any) -> None:
    assert await viewers(alerts_world).match("U0NOBODY01") == ViewerMatch(None, Unmatched.UNAVAILABLE)


async def test_viewer_slack_rate_limit_is_unavailable_then_asked_again_after_ten_minutes(alerts_world: Any) -> None:
    alerts_world.slack.fail(INFO, retry_after=30)
    people = viewers(alerts_world)
    assert await people.match(REGULAR_USER_ID) == ViewerMatch(None, Unmatched.UNAVAILABLE)
    assert await people.match(REGULAR_USER_ID) == ViewerMatch(None, Unmatched.UNAVAILABLE)  # remembered
    assert len(alerts_world.slack.calls_to(INFO)) == 1
    alerts_world.clock.advance(UNMATCHED_TTL_SECONDS + 1)
    assert await people.match(REGULAR_USER_ID) == ViewerMatch(USER_ALICE)


async def test_viewer_sessions_are_one_listing_cached_briefly_and_a_failure_is_not_kept(alerts_world: Any) -> None:
    people = viewers(alerts_world)
    now = int(alerts_world.clock.now)
    alerts_world.devin_org.add_session(user_id=USER_ALICE, updated_at=now - 60)
    alerts_world.devin_org.add_session(user_id=USER_BORIS, updated_at=now - 60)
    alerts_world.devin_org.add_session(user_id=USER_ALICE, updated_at=now - 15 * 86_400)  # beyond the lookback
    alerts_world.devin_org.inject(status=503, path_contains="/sessions", times=-1)
    with pytest.raises(DevinError):
        await people.sessions(USER_ALICE)
    alerts_world.devin_org.clear_faults()
    mine = await people.sessions(USER_ALICE)
    assert [s.user_id for s in mine] == [USER_ALICE]
    await people.sessions(USER_ALICE)
    assert people.listings == 2
    alerts_world.clock.advance(SESSIONS_TTL_SECONDS)
    await people.sessions(USER_ALICE)
    assert people.listings == 3


class IgnoresFilters:
    """A Devin that answers the whole org whatever `user_ids` says (as the live API does with a bad `qs`)."""

    def __init__(self, sessions: list[Session]) -> None:
        self.sessions = sessions

    async def list_sessions_page(self, filters: Any, *, first: int, after: str | None) -> Page[Session]:
        return Page[Session](items=self.sessions, end_cursor=None, has_next_page=False)


async def test_viewer_never_sees_another_persons_session_even_if_devin_ignores_the_filter(alerts_world: Any) -> None:
    rows = [
        Session(session_id="devin-" + c * 32, url="https://app.devin.ai/x", user_id=user, updated_at=n)
        for n, (c, user) in enumerate([("a", USER_ALICE), ("b", USER_BORIS), ("c", None)])
    ]
    people = Viewers(IgnoresFilters(rows), alerts_world.slack_client, store=lambda: None)  # type: ignore[arg-type]
    assert [s.session_id for s in await people.sessions(USER_ALICE)] == ["devin-" + "a" * 32]
