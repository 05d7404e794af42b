"""PeopleDirectory against the simulated Devin org and the Slack stand-in over real HTTP, on SQLite and PostgreSQL:
every lookup outcome, both cache levels with their expiry, and de-duplication of concurrent lookups."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.devin.client import DevinClient
from bot.devin.models import Session
from bot.people.directory import ERROR_TTL_SECONDS, FOUND_TTL_SECONDS, PeopleDirectory
from bot.people.records import LookupResult, PersonKind
from bot.sandbox import SANDBOX_API_KEY, SANDBOX_BOT_TOKEN, SANDBOX_ORG_ID
from bot.sandbox.devin_org import UNTIL_CLEARED
from bot.sandbox.devin_seed import SERVICE_USER, USER_ALICE, USER_BORIS, USER_CHEN, USER_DANA
from bot.sandbox.slack_api import ADMIN_USER_ID, REGULAR_USER_ID, SlackStandIn
from bot.slack.scopes import BOT_SCOPES

LOOKUP = "users.lookupByEmail"
MEMBERS = "/members/users/"


def directory(world: Any, **options: Any) -> PeopleDirectory:
    options.setdefault("store", world.store)
    return PeopleDirectory(world.devin, world.slack_client, clock=world.clock, **options)


def session(user_id: str | None = None, **fields: Any) -> Session:
    return Session(
        session_id="devin-" + "a" * 32, url="https://app.devin.ai/sessions/" + "a" * 32, user_id=user_id, **fields
    )


def member_requests(world: Any) -> int:
    return len([r for r in world.devin_org.requests if MEMBERS in r.path])


async def test_directory_finds_name_email_and_slack_user(alerts_world: Any) -> None:
    found = await directory(alerts_world).members([USER_ALICE, USER_BORIS])
    alice, boris = found[USER_ALICE], found[USER_BORIS]
    assert (alice.name, alice.email, alice.slack_user_id) == ("Alice Liddell", "user@example.com", REGULAR_USER_ID)
    assert boris.slack_user_id == ADMIN_USER_ID and boris.slack_result is LookupResult.FOUND


async def test_directory_member_without_email_is_named_and_slack_is_not_asked(alerts_world: Any) -> None:
    person = await directory(alerts_world).person(session(USER_CHEN))
    assert (person.kind, person.name, person.slack_user_id, person.mentionable) == (
        PersonKind.USER,
        "Chen Wei",
        None,
        False,
    )
    assert alerts_world.slack.calls_to(LOOKUP) == []


async def test_directory_email_slack_does_not_know_falls_back_to_the_name(alerts_world: Any) -> None:
    found = (await directory(alerts_world).members([USER_DANA]))[USER_DANA]
    assert (found.name, found.slack_user_id, found.slack_result) == ("Dana Okafor", None, LookupResult.NOT_FOUND)
    [call] = alerts_world.slack.calls_to(LOOKUP)
    assert call.response["error"] == "users_not_found"


async def test_directory_unknown_member_404_is_cached_as_not_found(alerts_world: Any) -> None:
    people = directory(alerts_world)
    first = (await people.members(["user-000000000000"]))["user-000000000000"]
    await people.members(["user-000000000000"])
    assert first.devin_result is LookupResult.NOT_FOUND and member_requests(alerts_world) == 1


@pytest.mark.parametrize("status", [403, 500, 503, 429])
async def test_directory_devin_failures_fall_back_and_retry_after_the_short_expiry(
    alerts_world: Any, status: int
) -> None:
    alerts_world.devin_org.inject(status=status, path_contains=MEMBERS, times=UNTIL_CLEARED)
    people = directory(alerts_world)
    person = await people.person(session(USER_ALICE))
    await people.person(session(USER_ALICE))
    tried = member_requests(alerts_world)
    assert (person.kind, person.devin_id, person.name, person.slack_user_id) == (
        PersonKind.USER,
        USER_ALICE,
        None,
        None,
    )
    assert alerts_world.slack.calls_to(LOOKUP) == []
    alerts_world.devin_org.clear_faults()
    alerts_world.clock.advance(ERROR_TTL_SECONDS + 1)
    assert (await people.person(session(USER_ALICE))).slack_user_id == REGULAR_USER_ID
    assert member_requests(alerts_world) == tried + 1


async def test_directory_members_permission_missing_is_forbidden(alerts_world: Any) -> None:
    alerts_world.devin_org.members.view_membership = False
    found = (await directory(alerts_world).members([USER_ALICE]))[USER_ALICE]
    assert found.devin_result is LookupResult.FORBIDDEN and found.name is None


async def test_directory_slack_missing_scope_falls_back_to_the_name(alerts_world: Any) -> None:
    scopes = [s for s in BOT_SCOPES if s != "users:read.email"]
    async with SlackStandIn(scopes=scopes) as narrow:
        client = AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=narrow.api_url)
        people = PeopleDirectory(alerts_world.devin, client, store=alerts_world.store, clock=alerts_world.clock)
        found = (await people.members([USER_ALICE]))[USER_ALICE]
        await people.members([USER_ALICE])
        assert (found.name, found.slack_user_id, found.slack_result) == ("Alice Liddell", None, LookupResult.FORBIDDEN)
        assert len(narrow.calls_to(LOOKUP)) == 1


async def test_directory_slack_rate_limit_falls_back_then_retries(alerts_world: Any) -> None:
    alerts_world.slack.fail(LOOKUP, retry_after=30)
    people = directory(alerts_world)
    found = (await people.members([USER_ALICE]))[USER_ALICE]
    assert (found.slack_user_id, found.slack_result) == (None, LookupResult.FAILED)
    await people.members([USER_ALICE])
    assert len(alerts_world.slack.calls_to(LOOKUP)) == 1
    alerts_world.clock.advance(ERROR_TTL_SECONDS + 1)
    assert (await people.members([USER_ALICE]))[USER_ALICE].slack_user_id == REGULAR_USER_ID


async def test_directory_caches_in_the_store_across_instances_until_expiry(alerts_world: Any) -> None:
    await directory(alerts_world).members([USER_ALICE])
    restarted = directory(alerts_world)
    assert (await restarted.members([USER_ALICE]))[USER_ALICE].slack_user_id == REGULAR_USER_ID
    assert member_requests(alerts_world) == 1 and len(alerts_world.slack.calls_to(LOOKUP)) == 1
    alerts_world.clock.advance(FOUND_TTL_SECONDS + 1)
    await directory(alerts_world).members([USER_ALICE])
    assert member_requests(alerts_world) == 2 and len(alerts_world.slack.calls_to(LOOKUP)) == 2


class SentRequests(httpx.AsyncBaseTransport):
    """The paths one client sent: what this test asked, whatever else reaches the simulator's port."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport(verify=False)
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def test_directory_concurrent_lookups_of_one_person_share_one_request(alerts_world: Any) -> None:
    # Counted at this client, not at the simulator: under a loaded full run the simulator recorded 3-4 member
    # requests now and then, which nothing in this test sends (see the commit that added SentRequests).
    sent = SentRequests()
    devin = DevinClient.create(
        api_url=alerts_world.devin_org.url, api_key=SANDBOX_API_KEY, org_id=SANDBOX_ORG_ID, transport=sent
    )
    try:
        people = PeopleDirectory(devin, alerts_world.slack_client, store=alerts_world.store, clock=alerts_world.clock)
        results = await asyncio.gather(*(people.members([USER_ALICE, USER_BORIS]) for _ in range(40)))
    finally:
        await devin.aclose()
    assert {r[USER_ALICE].slack_user_id for r in results} == {REGULAR_USER_ID}
    asked = sorted(path.rsplit("/", 1)[-1] for path in sent.paths if MEMBERS in path)
    assert asked == sorted([USER_ALICE, USER_BORIS]), [(r.method, r.path) for r in alerts_world.devin_org.requests]
    assert len(alerts_world.slack.calls_to(LOOKUP)) == 2


async def test_directory_service_users_and_automations_are_not_looked_up(alerts_world: Any) -> None:
    people = directory(alerts_world)
    service = await people.person(session(None, service_user_id=SERVICE_USER))
    automation = await people.person(session(None, service_user_id=SERVICE_USER, origin="automation"))
    scheduled = await people.person(session(None, automation_id="automation-nightly"))
    nobody = await people.person(session(None))
    assert (service.kind, service.devin_id) == (PersonKind.SERVICE_USER, SERVICE_USER)
    assert automation.kind is PersonKind.AUTOMATION and scheduled.devin_id == "automation-nightly"
    assert nobody.kind is PersonKind.UNKNOWN
    assert member_requests(alerts_world) == 0


async def test_directory_without_a_store_caches_in_memory(alerts_world: Any) -> None:
    people = directory(alerts_world, store=None)
    await people.members([USER_ALICE])
    await people.members([USER_ALICE])
    assert member_requests(alerts_world) == 1
