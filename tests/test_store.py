"""The store: URLs and engines, migrations, the uniqueness that prevents duplicates, the lease, the outbox claim."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    insert,
    inspect,
    select,
    text,
)

from bot.alerts.records import AlertKind, AlertRecord, AlertState, NewAlert, SessionRecord
from bot.devin.models import Session
from bot.insights.records import PostKind
from bot.people.records import NoticeKind
from bot.store import (
    SCHEMA_VERSION,
    DatabaseURLError,
    SchemaVersionError,
    Store,
    async_database_url,
    claiming,
    claims,
    create_engine,
    migrate,
    notices,
    outbox,
    schema_version,
    sessions,
    team,
)
from bot.store import channels as channel_queries
from bot.store.schema import alerts, meta


def session_id(n: int) -> str:
    """A valid, readable session id: devin- + 32 hex ending in `n`."""
    return f"devin-{n:032x}"


def session_json(sid: str) -> str:
    """A Session snapshot as the poller stores it."""
    url = f"https://app.devin.ai/sessions/{sid.removeprefix('devin-')}"
    return Session(session_id=sid, url=url, status="suspended", status_detail="out_of_credits").model_dump_json()


async def all_alerts(store: Store) -> list[AlertRecord]:
    async with store.transaction() as conn:
        return await outbox.list_alerts(conn)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///devin-insights.db", "sqlite+aiosqlite:///devin-insights.db"),
        ("sqlite:////var/lib/app/alerts.db", "sqlite+aiosqlite:////var/lib/app/alerts.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://u:p@db.example.com/app", "postgresql+asyncpg://u:p@db.example.com/app"),
        (
            "postgres://u:p@ec2-1-2-3-4.compute.amazonaws.com:5432/d1",
            "postgresql+asyncpg://u:p@ec2-1-2-3-4.compute.amazonaws.com:5432/d1",
        ),
        ("postgresql+psycopg2://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql://u@h/db?sslmode=require", "postgresql+asyncpg://u@h/db?ssl=require"),
    ],
)
def test_async_database_url_picks_the_async_driver(url: str, expected: str) -> None:
    assert async_database_url(url).render_as_string(hide_password=False) == expected


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url", "oracle://h/db"])
def test_async_database_url_rejects_other_databases(url: str) -> None:
    with pytest.raises(DatabaseURLError):
        async_database_url(url)


async def test_create_engine_sqlite_enables_wal_and_busy_timeout(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    try:
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() == 5000
    finally:
        await engine.dispose()


async def test_store_open_in_memory_sqlite_works() -> None:
    store = await Store.open("sqlite://")
    try:
        async with store.transaction() as conn:
            await sessions.save_poll_success(conn, watermark=5, now=1.0)
        async with store.transaction() as conn:
            assert (await sessions.get_poller_state(conn)).watermark == 5
    finally:
        await store.aclose()


async def test_migrate_creates_schema_and_records_version(blank_store_url: str) -> None:
    engine = create_engine(blank_store_url)
    try:
        assert await schema_version(engine) == 0
        assert await migrate(engine) == SCHEMA_VERSION
    finally:
        await engine.dispose()
    store = await Store.open(blank_store_url)
    try:
        assert await schema_version(store.engine) == SCHEMA_VERSION
        async with store.engine.connect() as conn:
            tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    finally:
        await store.aclose()
    expected = {
        "meta",
        "poller_state",
        "session_state",
        "alerts",
        "channel_subscriptions",
        "delivery_problems",
        "lease",
    }
    assert expected <= tables


async def test_migrate_twice_changes_nothing(store: Store) -> None:
    async with store.transaction() as conn:
        await outbox.record_alert(conn, _new(1), now=1.0)
    assert await migrate(store.engine) == SCHEMA_VERSION
    assert len(await all_alerts(store)) == 1


# The schema exactly as version 1 of the app created it: no storm groups, delivery claims or lease.
_V1 = MetaData()
Table("meta", _V1, Column("key", String(64), primary_key=True), Column("value", Text, nullable=False))
Table(
    "poller_state",
    _V1,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("watermark", BigInteger),
    Column("last_success_at", Double),
    Column("last_error", Text),
    Column("last_error_at", Double),
)
Table(
    "session_state",
    _V1,
    Column("session_id", String(64), primary_key=True),
    Column("status", String(64), nullable=False),
    Column("status_detail", String(64)),
    Column("updated_at", BigInteger, nullable=False),
    Column("episode", Integer, nullable=False, server_default="0"),
    Column("episode_open", Boolean, nullable=False, server_default=false()),
    Column("suspended_since", BigInteger),
    Column("seen_at", Double, nullable=False),
)
_V1_ALERTS = Table(
    "alerts",
    _V1,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(64)),
    Column("episode", Integer),
    Column("channel_id", String(64), nullable=False),
    Column("reason", String(64)),
    Column("reason_changed_from", String(64)),
    Column("state", String(16), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("delivered_version", Integer, nullable=False, server_default="0"),
    Column("ts", String(64)),
    Column("reply_ts", String(64)),
    Column("session_json", Text),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", Double, nullable=False),
    Column("last_error", Text),
    Column("opened_at", BigInteger, nullable=False),
    Column("resolved_at", BigInteger),
    Column("resolved_status", String(64)),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    UniqueConstraint("session_id", "episode", "channel_id", name="uq_alerts_episode_channel"),
    Index("ix_alerts_outbox", "state", "next_attempt_at"),
)
Table(
    "channel_subscriptions",
    _V1,
    Column("channel_id", String(64), primary_key=True),
    Column("enabled", Boolean, nullable=False),
    Column("reasons", Text, nullable=False, server_default=""),
    Column("updated_by", String(64)),
    Column("updated_at", Double, nullable=False),
)
Table(
    "delivery_problems",
    _V1,
    Column("channel_id", String(64), primary_key=True),
    Column("error", String(64), nullable=False),
    Column("fix", Text, nullable=False),
    Column("first_at", Double, nullable=False),
    Column("last_at", Double, nullable=False),
)


async def test_migrate_upgrades_a_version_1_database_keeping_its_rows(blank_store_url: str) -> None:
    store_url = blank_store_url
    engine = create_engine(store_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_V1.create_all)
            await conn.execute(insert(meta).values(key="schema_version", value="1"))
            await conn.execute(
                insert(_V1_ALERTS).values(
                    session_id=session_id(1),
                    episode=1,
                    channel_id="C1",
                    reason="out_of_credits",
                    state="sent",
                    ts="1700000000.000100",
                    session_json=session_json(session_id(1)),
                    next_attempt_at=1.0,
                    opened_at=1_700_000_000,
                    created_at=1.0,
                    updated_at=1.0,
                )
            )
        assert await migrate(engine) == SCHEMA_VERSION
        assert await schema_version(engine) == SCHEMA_VERSION
    finally:
        await engine.dispose()
    store = await Store.open(store_url)
    try:
        [kept] = await all_alerts(store)
        assert (kept.session_id, kept.ts, kept.state, kept.kind) == (
            session_id(1),
            "1700000000.000100",
            "sent",
            "single",
        )
        assert kept.claim_token is None and kept.group_key is None
        assert await store.try_acquire_lease("me", 10, now=1.0)
        async with store.transaction() as conn:  # the old row still guards its episode
            assert await outbox.record_alert(conn, _new(1, channel="C1"), now=2.0) is None
    finally:
        await store.aclose()


async def test_migrate_7_adds_the_uncertain_mark_to_a_version_6_team_outbox(store: Store) -> None:
    async with store.transaction() as conn:  # back to version 6's shape, with a post owed
        post_id = await team.record_post(conn, PostKind.BUDGET, "C1", "2026-12", "{}", now=1.0)
        await conn.execute(text("ALTER TABLE team_posts DROP COLUMN post_started_at"))
        await conn.execute(meta.update().where(meta.c.key == "schema_version").values(value="6"))
    assert await migrate(store.engine) == SCHEMA_VERSION
    async with store.transaction() as conn:
        assert post_id is not None and await team.claim(conn, post_id, "tok", now=2.0) is not None
        assert await team.mark_post_started(conn, post_id, "tok", now=3.0)
        (post,) = await team.list_posts(conn)
    assert post.id == post_id and post.post_started_at == 3.0 and post.ts is None


async def test_migrate_8_adds_the_reply_mark_to_a_version_7_team_outbox(store: Store) -> None:
    async with store.transaction() as conn:  # back to version 7's shape, with a post owed
        post_id = await team.record_post(conn, PostKind.BUDGET, "C1", "2026-12", "{}", now=1.0)
        await conn.execute(text("ALTER TABLE team_posts DROP COLUMN reply_started_at"))
        await conn.execute(meta.update().where(meta.c.key == "schema_version").values(value="7"))
    assert await migrate(store.engine) == SCHEMA_VERSION == 8
    async with store.transaction() as conn:
        assert post_id is not None and await team.claim(conn, post_id, "tok", now=2.0) is not None
        assert await team.mark_reply_started(conn, post_id, "tok", now=3.0)
        (post,) = await team.list_posts(conn)
        assert post.reply_started_at == 3.0
        assert await team.clear_started(conn, post_id, "tok", now=4.0)
        (post,) = await team.list_posts(conn)
    assert post.id == post_id and post.reply_started_at is None


async def test_migrate_refuses_a_newer_schema(store: Store) -> None:
    async with store.transaction() as conn:
        await conn.execute(meta.update().where(meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION + 1)))
    with pytest.raises(SchemaVersionError, match="newer"):
        await migrate(store.engine)


def _new(n: int, *, channel: str = "C1", episode: int = 1, reason: str = "out_of_credits") -> NewAlert:
    return NewAlert(session_id(n), episode, channel, reason, 1_700_000_000, session_json(session_id(n)))


async def test_record_alert_is_unique_per_episode_and_channel(store: Store) -> None:
    async with store.transaction() as conn:
        first = await outbox.record_alert(conn, _new(1), now=1.0)
        again = await outbox.record_alert(conn, _new(1), now=2.0)
        other_channel = await outbox.record_alert(conn, _new(1, channel="C2"), now=2.0)
        next_episode = await outbox.record_alert(conn, _new(1, episode=2), now=2.0)
    assert first is not None and again is None
    assert other_channel is not None and next_episode is not None
    assert len(await all_alerts(store)) == 3


async def test_record_alert_from_two_stores_at_once_keeps_one(store: Store, store_url: str) -> None:
    other = await Store.open(store_url)
    try:

        async def record(target: Store) -> int | None:
            async with target.transaction() as conn:
                return await outbox.record_alert(conn, _new(7), now=1.0)

        results = await asyncio.gather(*(record(s) for s in [store, other, store, other]))
    finally:
        await other.aclose()
    assert sum(r is not None for r in results) == 1
    assert len(await all_alerts(store)) == 1


async def test_lease_is_taken_refused_renewed_and_expires(store: Store) -> None:
    assert await store.try_acquire_lease("a", 30, now=100.0)
    assert not await store.try_acquire_lease("b", 30, now=110.0)
    assert await store.try_acquire_lease("a", 30, now=120.0)  # renewed: now expires at 150
    assert not await store.try_acquire_lease("b", 30, now=149.0)
    assert await store.lease_holder(now=149.0) == "a"
    assert await store.try_acquire_lease("b", 30, now=150.0)
    assert not await store.try_acquire_lease("a", 30, now=151.0)
    await store.release_lease("a")  # not a's any more: nothing happens
    assert await store.lease_holder(now=151.0) == "b"
    await store.release_lease("b")
    assert await store.lease_holder(now=151.0) is None
    assert await store.try_acquire_lease("a", 30, now=152.0)


async def test_lease_race_between_two_stores_has_one_winner(store: Store, store_url: str) -> None:
    other = await Store.open(store_url)
    try:
        for round_start in (0.0, 100.0, 200.0):  # each round starts after the last lease expired
            results = await asyncio.gather(
                store.try_acquire_lease("a", 50, now=round_start), other.try_acquire_lease("b", 50, now=round_start)
            )
            assert sorted(results) == [False, True]
    finally:
        await other.aclose()


async def test_claim_is_exclusive_and_expires(store: Store) -> None:
    async with store.transaction() as conn:
        alert_id = await outbox.record_alert(conn, _new(1), now=1.0)
    assert alert_id is not None
    async with store.transaction() as conn:
        mine = await claims.claim(conn, alert_id, "tok-a", now=2.0)
        theirs = await claims.claim(conn, alert_id, "tok-b", now=3.0)
        assert await claims.due_alerts(conn, now=3.0, limit=10) == []
        assert not await claims.save_ts(conn, alert_id, "tok-b", ts="1.2", now=3.0)  # wrong token: refused
    assert mine is not None and mine.claim_token == "tok-a" and theirs is None
    later = 2.0 + claims.CLAIM_SECONDS
    async with store.transaction() as conn:
        retaken = await claims.claim(conn, alert_id, "tok-c", now=later)
        assert not await claims.save_ts(conn, alert_id, "tok-a", ts="1.1", now=later)  # the expired claim lost
        assert await claims.save_ts(conn, alert_id, "tok-c", ts="1.3", now=later)
        assert await claims.complete(conn, alert_id, "tok-c", delivered_version=1, resolved=False, now=later)
    assert retaken is not None
    [row] = await all_alerts(store)
    assert (row.state, row.ts, row.claim_token, row.needs_update) == (AlertState.SENT, "1.3", None, False)


async def test_resolve_and_reason_change_make_the_message_owe_an_update(store: Store) -> None:
    async with store.transaction() as conn:
        alert_id = await outbox.record_alert(conn, _new(1), now=1.0)
        assert alert_id is not None
        await claims.claim(conn, alert_id, "t", now=1.0)
        await claims.save_ts(conn, alert_id, "t", ts="9.9", now=1.0)
        await claims.complete(conn, alert_id, "t", delivered_version=1, resolved=False, now=1.0)
        channels, groups = await outbox.change_reason(
            conn, session_id(1), 1, reason="out_of_quota", session_json=session_json(session_id(1)), now=2.0
        )
        assert (channels, groups) == ({"C1"}, set())
        [owed] = await claims.due_alerts(conn, now=2.0, limit=10)
        assert (owed.reason, owed.reason_changed_from, owed.needs_update) == ("out_of_quota", "out_of_credits", True)
        resolved = await outbox.resolve_episode(
            conn, session_id(1), 1, resolved_at=1_700_000_600, resolved_status="running", session_json="{}", now=3.0
        )
        assert resolved == set()  # a single alert: no group to touch
        assert await outbox.count_owed(conn) == (0, 1)
    [row] = await all_alerts(store)
    assert (row.version, row.resolved_at, row.resolved_status) == (3, 1_700_000_600, "running")


async def test_group_tracks_members_and_resolves_when_all_recover(store: Store) -> None:
    async with store.transaction() as conn:
        group = await outbox.create_group(conn, channel_id="C1", reason="out_of_credits", opened_at=5, now=1.0)
        single = await outbox.record_alert(conn, _new(1), now=1.0)
        assert single is not None
        assert await outbox.join_group(conn, [single], group, now=1.0) == [single]
        await outbox.record_alert(conn, _new(2), now=1.0, group_key=group)
        await outbox.touch_group(conn, group, now=1.0)
        for n, at in ((1, 100), (2, 200)):
            touched = await outbox.resolve_episode(
                conn, session_id(n), 1, resolved_at=at, resolved_status="running", session_json="{}", now=2.0
            )
            assert touched == {group}
            await outbox.touch_group(conn, group, now=2.0)
        members = await outbox.group_members(conn, group)
        [deliverable] = await claims.due_alerts(conn, now=2.0, limit=10)
    assert [m.kind for m in members] == [AlertKind.MEMBER, AlertKind.MEMBER]
    assert deliverable.kind is AlertKind.GROUP and deliverable.resolved_at == 200


async def test_due_alerts_skip_channels_with_a_problem(store: Store) -> None:
    async with store.transaction() as conn:
        await outbox.record_alert(conn, _new(1, channel="C1"), now=1.0)
        await outbox.record_alert(conn, _new(2, channel="C2"), now=1.0)
        assert await channel_queries.record_problem(conn, "C1", error="not_in_channel", fix="invite", now=1.0)
        assert not await channel_queries.record_problem(conn, "C1", error="not_in_channel", fix="invite", now=2.0)
        assert [a.channel_id for a in await claims.due_alerts(conn, now=2.0, limit=10)] == ["C2"]
        problem = await channel_queries.get_problem(conn, "C1")
        assert problem is not None and (problem.first_at, problem.last_at) == (1.0, 2.0)
        assert await channel_queries.clear_problem(conn, "C1") == 1
        assert len(await claims.due_alerts(conn, now=2.0, limit=10)) == 2


async def test_cancel_unsent_drops_only_unposted_alerts(store: Store) -> None:
    async with store.transaction() as conn:
        posted = await outbox.record_alert(conn, _new(1), now=1.0)
        assert posted is not None
        await claims.claim(conn, posted, "t", now=1.0)
        await claims.save_ts(conn, posted, "t", ts="1.0", now=1.0)
        await outbox.record_alert(conn, _new(2), now=1.0)
        assert await outbox.cancel_unsent(conn, "C1", now=2.0) == 1
    states = {a.session_id: a.state for a in await all_alerts(store)}
    assert states == {session_id(1): AlertState.SENT, session_id(2): AlertState.CANCELLED}


async def test_subscriptions_round_trip(store: Store) -> None:
    async with store.transaction() as conn:
        await channel_queries.put_subscription(
            conn, "C9", enabled=True, reasons=["out_of_credits", "error"], by_user="U1", now=5.0
        )
        await channel_queries.put_subscription(conn, "C8", enabled=False, reasons=[], by_user="U2", now=6.0)
        await channel_queries.put_subscription(conn, "C9", enabled=True, reasons=["error"], by_user="U3", now=7.0)
        subs = await channel_queries.list_subscriptions(conn)
    assert [(s.channel_id, s.enabled, s.reasons, s.updated_by) for s in subs] == [
        ("C8", False, (), "U2"),
        ("C9", True, ("error",), "U3"),
    ]


async def test_sessions_and_poller_state_round_trip(store: Store) -> None:
    record = SessionRecord(session_id(3), "suspended", "out_of_credits", 100, 2, True, 90)
    async with store.transaction() as conn:
        await sessions.put_sessions(conn, [record], now=1.0)
        await sessions.put_sessions(conn, [record], now=2.0)
        await sessions.save_poll_start(conn, watermark=50)
        await sessions.save_poll_start(conn, watermark=60)  # only the first start sets it
        await sessions.save_poll_error(conn, error="DevinServerError: 500", now=3.0)
    async with store.transaction() as conn:
        assert await sessions.get_sessions(conn, [session_id(3), session_id(4)]) == {session_id(3): record}
        state = await sessions.get_poller_state(conn)
        assert (state.watermark, state.last_error) == (50, "DevinServerError: 500")
        await sessions.save_poll_success(conn, watermark=70, now=4.0)
        state = await sessions.get_poller_state(conn)
        assert (state.watermark, state.last_error, state.last_success_at) == (70, None, 4.0)
        assert (await conn.execute(select(alerts.c.id))).first() is None
        assert (await conn.execute(text("SELECT 1"))).scalar() == 1


async def test_poll_error_is_kept_as_bounded_as_a_delivery_error(store: Store) -> None:
    async with store.transaction() as conn:
        await sessions.save_poll_error(conn, error="x" * 2000, now=3.0)
        state = await sessions.get_poller_state(conn)
    assert state.last_error == "x" * claiming.ERROR_TEXT_MAX


async def test_team_posts_and_notices_share_the_claim_protocol(store: Store) -> None:
    """`claiming` serves all three outboxes: a second claim is refused, a stale token cannot settle, and an
    expired claim can be taken over (alerts: test_claim_is_exclusive_and_expires)."""
    async with store.transaction() as conn:
        post_id = await team.record_post(conn, PostKind.DIGEST, "C0TEAM", "2026-W48", "{}", now=1.0)
        await notices.record(
            conn, session_id="devin-" + "a" * 32, kind=NoticeKind.SUSPENDED, episode=1, user_id="user-1",
            reason="error", due_at=1.0, opened_at=1, session_json="{}", now=1.0,
        )  # fmt: skip
        [notice] = await notices.list_notices(conn)
    assert post_id is not None
    async with store.transaction() as conn:
        post = await team.claim(conn, post_id, "tok-a", now=2.0)
        assert await team.claim(conn, post_id, "tok-b", now=3.0) is None
        assert not await team.settle(conn, post_id, "tok-b", ts="1.1")
        taken = await notices.claim(conn, notice.id, now=2.0)
        assert await notices.claim(conn, notice.id, now=3.0) is None
    assert post is not None and taken is not None
    later = 2.0 + claiming.CLAIM_SECONDS
    async with store.transaction() as conn:
        assert await team.claim(conn, post_id, "tok-c", now=later) is not None
        assert not await team.settle(conn, post_id, "tok-a", ts="1.2")  # the expired claim lost
        assert await team.settle(conn, post_id, "tok-c", ts="1.3", last_error=team.error_text("x" * 900))
        retaken = await notices.claim(conn, notice.id, now=later)
        assert retaken is not None and not await notices.settle(conn, notice.id, taken[1], ts="1.4")
        assert await notices.settle(conn, notice.id, retaken[1], ts="1.5")
        [row] = await team.list_posts(conn)
        [sent] = await notices.list_notices(conn)
    assert (row.ts, len(row.last_error or "")) == ("1.3", claiming.ERROR_TEXT_MAX) and sent.ts == "1.5"
