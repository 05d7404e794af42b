"""Alerts that name and mention who started a session: the alert engine with the people component, end to end
over real HTTP (simulated Devin org, Slack stand-in), SQLite and PostgreSQL. Ticks run on the manual clock."""

from __future__ import annotations

import json
from typing import Any

from bot.alerts.engine import AlertEngine
from bot.people.component import People
from bot.people.directory import PeopleDirectory
from bot.sandbox.devin_org import UNTIL_CLEARED
from bot.sandbox.devin_seed import APP_URL, USER_ALICE, USER_BORIS, USER_CHEN, USER_DANA
from bot.sandbox.slack_api import ADMIN_USER_ID, REGULAR_USER_ID
from tests.fixtures_store import DEFAULT_REASONS

LOOKUP = "users.lookupByEmail"
MEMBERS = "/members/users/"


def engine(world: Any, **overrides: Any) -> AlertEngine:
    directory = PeopleDirectory(world.devin, world.slack_client, clock=world.clock)
    people = People(
        directory,
        world.slack_client,
        app_url=APP_URL,
        reasons=DEFAULT_REASONS,
        waiting_after_seconds=600,
        clock=world.clock,
    )
    return world.service(extras=people.alert_extras, **overrides)


def text_of(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False) + message.get("text", "")


def member_requests(world: Any) -> int:
    return len([r for r in world.devin_org.requests if MEMBERS in r.path])


async def test_people_alert_mentions_the_creator(alerts_world: Any) -> None:
    alerts_world.suspend(user_id=USER_ALICE)
    await engine(alerts_world).tick()
    [alert] = alerts_world.posts()
    assert f"<@{REGULAR_USER_ID}>" in text_of(alert) and USER_ALICE not in text_of(alert)


async def test_people_creator_without_slack_account_is_named_and_nobody_is_mentioned(alerts_world: Any) -> None:
    alerts_world.suspend(user_id=USER_DANA)
    alerts_world.suspend("out_of_quota", user_id=USER_CHEN)
    await engine(alerts_world).tick()
    alerts = [text_of(m) for m in alerts_world.posts()]
    assert len(alerts) == 2 and all("<@" not in a for a in alerts)
    assert any("Dana Okafor" in a for a in alerts) and any("Chen Wei" in a for a in alerts)


async def test_people_members_permission_missing_still_posts_the_alert(alerts_world: Any) -> None:
    alerts_world.devin_org.members.view_membership = False
    alerts_world.suspend(user_id=USER_ALICE)
    report = await engine(alerts_world).tick()
    [alert] = alerts_world.posts()
    assert report.delivery.posted == 1
    assert f"`{USER_ALICE}`" in text_of(alert) and "<@" not in text_of(alert)


async def test_people_devin_members_outage_still_posts_the_alert(alerts_world: Any) -> None:
    alerts_world.devin_org.inject(status=503, path_contains=MEMBERS, times=UNTIL_CLEARED)
    alerts_world.suspend(user_id=USER_ALICE)
    await engine(alerts_world).tick()
    [alert] = alerts_world.posts()
    assert f"`{USER_ALICE}`" in text_of(alert)


async def test_people_slack_lookup_failure_still_posts_the_alert_with_the_name(alerts_world: Any) -> None:
    alerts_world.slack.fail(LOOKUP, error="missing_scope", times=5)
    alerts_world.suspend(user_id=USER_ALICE)
    await engine(alerts_world).tick()
    [alert] = alerts_world.posts()
    assert "Alice Liddell" in text_of(alert) and "<@" not in text_of(alert)


async def test_people_storm_looks_each_creator_up_once_and_mentions_them(alerts_world: Any) -> None:
    creators = [USER_ALICE, USER_BORIS, USER_DANA]
    for n in range(30):
        alerts_world.suspend(user_id=creators[n % 3])
    service = engine(alerts_world)
    await service.tick()
    alerts_world.clock.advance(60)
    await service.tick()
    [group] = alerts_world.posts()
    assert f"<@{REGULAR_USER_ID}>" in text_of(group) and f"<@{ADMIN_USER_ID}>" in text_of(group)
    assert member_requests(alerts_world) == 3 and len(alerts_world.slack.calls_to(LOOKUP)) == 3


async def test_people_recovery_update_keeps_the_mention_without_new_lookups(alerts_world: Any) -> None:
    sid = alerts_world.suspend(user_id=USER_ALICE)
    service = engine(alerts_world)
    await service.tick()
    alerts_world.devin_org.set_status(sid, "running", None)
    alerts_world.clock.advance(60)
    await service.tick()
    [alert] = alerts_world.posts()
    assert "Resolved" in alert["text"] and f"<@{REGULAR_USER_ID}>" in text_of(alert)
    assert member_requests(alerts_world) == 1 and len(alerts_world.slack.calls_to(LOOKUP)) == 1
