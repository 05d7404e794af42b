"""Store and alert-engine fixtures; enable with `pytest_plugins = ["tests.fixtures_store"]`.

- `store_url`: the database URL of one test, parametrised over `sqlite` (a new file in tmp_path) and
  `postgresql` (marked `postgres`; one database created per test session).
- `store`: a migrated `Store` on `store_url` with no rows (SQLite: a copy of a file migrated once per worker;
  PostgreSQL: emptied first), closed after the test.
- `blank_store_url`: like `store_url`, but without any table (migration tests).
- `own_postgres_database`: a new PostgreSQL database for one test (process tests), dropped after it.
- `alerts_devin_org`: an unseeded DevinSimulator on `devin_clock` (tests/fixtures_devin.py); `alerts_devin`:
  a DevinClient for it whose retries never really sleep.
- `alerts_world`: those, the store, `devin_clock` (the service's clock too) and the Slack stand-in
  (`slack_standin`, `slack_web_client` from tests/fixtures_slack.py) in one `AlertWorld`, which also builds
  services and reads alerts.

Test modules take everything through fixtures (no imports from here), so the module works whether
it is registered by the root conftest or by a test module's `pytest_plugins`.

PostgreSQL comes from `DI_TEST_POSTGRES_URL` (read at import: the autouse fixture clears `DEVIN_*`),
default `postgresql://postgres@127.0.0.1:5432/postgres`. Unreachable: skipped, or failed when `CI` is set.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import asyncpg
import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from bot.alerts.engine import AlertEngine
from bot.alerts.records import AlertRecord
from bot.config import DEFAULT_ALERT_REASONS
from bot.devin.client import DevinClient
from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.devin_seed import APP_URL as SANDBOX_APP_URL
from bot.sandbox.slack_api import SlackStandIn
from bot.store import SchemaVersionError, Store, create_engine
from bot.store import outbox as outbox_queries
from bot.store.schema import metadata
from tests.fixtures_devin import local_devin_client

POSTGRES_ADMIN_URL = os.environ.get("DI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DEFAULT_REASONS = DEFAULT_ALERT_REASONS
FAST_CHANNEL_RATE = (100.0, 1.0)
"""Per-channel pacing for tests that are not about pacing (the real one is 1 message a second)."""

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


class Clock(Protocol):
    """The `devin_clock` fixture's ManualClock: a float clock that moves only with `advance()`."""

    now: float

    def __call__(self) -> float: ...

    def advance(self, seconds: float) -> float: ...


class NoSleep:
    """The Devin client's retry sleep: records the waits, returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin_async(sql: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_ADMIN_URL), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _admin(sql: str) -> None:
    # Its own thread and loop: the fixture is first requested from inside a running test loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _admin_async(sql)).result()


def _unusable(exc: BaseException) -> None:
    """Skip the test (fail it in CI) when the PostgreSQL server is not there."""
    message = f"PostgreSQL at {POSTGRES_ADMIN_URL} is not usable ({type(exc).__name__}: {exc})"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI requires it (set DI_TEST_POSTGRES_URL)")
    pytest.skip(f"{message}; start it or set DI_TEST_POSTGRES_URL to run the postgres tests")


def _database_url(name: str) -> str:
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of its own for this test session (`di_test_<random>`), dropped at the end."""
    name = f"di_test_{secrets.token_hex(4)}"
    try:
        _admin(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        _unusable(exc)
    yield _database_url(name)
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def own_postgres_database() -> AsyncIterator[str]:
    """A new, empty database for this one test (`di_own_<random>`), for app processes that migrate it
    themselves; dropped after the test."""
    name = f"di_own_{secrets.token_hex(4)}"
    try:
        await _admin_async(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        _unusable(exc)
    yield _database_url(name)
    await _admin_async(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database of one test: a new SQLite file, or the session's PostgreSQL database (see `store`)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'alerts.db'}"
    return str(request.getfixturevalue("postgres_database"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this worker keeps one migrated, empty SQLite file (made by the first `store`, then copied)."""
    return tmp_path_factory.mktemp("template") / "migrated.db"


@pytest.fixture
async def store(store_url: str, sqlite_template: Path) -> AsyncIterator[Store]:
    """A migrated Store without rows. SQLite: a copy of a file migrated once per worker (migrating costs
    ~70 ms a test, a copy ~1 ms). PostgreSQL: the tables a test wrote to are emptied (see `_empty`)."""
    if store_url.startswith("sqlite"):
        await _copy_migrated(sqlite_template, Path(make_url(store_url).database or ""))
    try:
        opened = await Store.open(store_url)
    except SchemaVersionError:  # a migration test left the shared database at another version
        await _drop_all(store_url)
        opened = await Store.open(store_url)
    try:
        if opened.dialect == "postgresql":
            await _empty(opened)
        yield opened
    finally:
        await opened.aclose()


async def _copy_migrated(template: Path, target: Path) -> None:
    if target.exists():
        return  # the test made its own database first
    if not template.exists():
        made = await Store.open(f"sqlite:///{template}")
        await made.aclose()  # the last connection checkpoints the WAL: the file alone is the database
    shutil.copyfile(template, target)


@pytest.fixture(params=BACKENDS)
async def blank_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database without any table, for migration tests."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'blank.db'}"
    url = str(request.getfixturevalue("postgres_database"))
    await _drop_all(url)
    return url


_TABLES = [table.name for table in reversed(metadata.sorted_tables) if table.name != "meta"]
"""Every table but the schema version, those referring to others first."""
_WRITTEN = " UNION ALL ".join(f"SELECT '{name}' FROM (SELECT 1 FROM \"{name}\" LIMIT 1) AS t" for name in _TABLES)
_USED_SEQUENCES = "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"


async def _empty(store: Store) -> None:
    """Delete the rows of the tables that have any, and restart the id sequences a test used: a test
    leaves a few rows in a few tables, and TRUNCATE of all of them costs ~90 ms where this costs ~2 ms."""
    async with store.transaction() as conn:
        written = {row[0] for row in await conn.execute(text(_WRITTEN))}
        for name in _TABLES:
            if name in written:
                await conn.execute(text(f'DELETE FROM "{name}"'))
        for (sequence,) in (await conn.execute(text(_USED_SEQUENCES))).all():
            await conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))


async def _drop_all(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for name in await conn.run_sync(lambda sync: inspect(sync).get_table_names()):
                await conn.execute(text(f'DROP TABLE "{name}" CASCADE'))
    finally:
        await engine.dispose()


@pytest.fixture
async def alerts_devin_org(devin_clock: Clock) -> AsyncIterator[DevinSimulator]:
    """An empty simulated org (no seed sessions) on `devin_clock`."""
    async with DevinSimulator(seed=False, clock=devin_clock) as simulator:
        yield simulator


@pytest.fixture
async def alerts_devin(alerts_devin_org: DevinSimulator) -> AsyncIterator[DevinClient]:
    client = local_devin_client(alerts_devin_org.url, sleep=NoSleep())
    try:
        yield client
    finally:
        await client.aclose()


@dataclass
class AlertWorld:
    """Every moving part of an alert test, and the helpers to drive it."""

    store: Store
    store_url: str
    clock: Clock
    devin_org: DevinSimulator
    devin: DevinClient
    slack: SlackStandIn
    slack_client: AsyncWebClient

    def service(self, *, store: Store | None = None, **overrides: Any) -> AlertEngine:
        """An AlertEngine as the app builds it, on the test clock, with fast pacing unless overridden."""
        options: dict[str, Any] = {
            "default_channel": SANDBOX_CHANNEL_ID,
            "default_reasons": DEFAULT_REASONS,
            "lookback_minutes": 60,
            "app_url": SANDBOX_APP_URL,
            "clock": self.clock,
            "holder_id": "replica-a",
            "channel_rate": FAST_CHANNEL_RATE,
        }
        options.update(overrides)
        return AlertEngine(self.devin, self.slack_client, store=store or self.store, **options)

    async def open_store(self) -> Store:
        """A second Store on the same database: another process, or the same one after a restart."""
        return await Store.open(self.store_url)

    async def alerts(self, store: Store | None = None, **filters: str) -> list[AlertRecord]:
        """Every alert row (groups and members included), oldest first."""
        async with (store or self.store).transaction() as conn:
            return await outbox_queries.list_alerts(conn, **filters)

    def suspend(self, reason: str = "out_of_credits", **fields: Any) -> str:
        """Add a session that is suspended now; returns its id."""
        return str(self.devin_org.add_session(status="suspended", status_detail=reason, **fields)["session_id"])

    def posts(self, channel: str = SANDBOX_CHANNEL_ID) -> list[dict[str, Any]]:
        """Top-level messages in a channel, as they read now."""
        return self.slack.messages(channel)

    def ok_calls(self, method: str) -> list[Any]:
        return [c for c in self.slack.calls_to(method) if c.ok]


@pytest.fixture
def alerts_world(
    store: Store,
    store_url: str,
    devin_clock: Clock,
    alerts_devin_org: DevinSimulator,
    alerts_devin: DevinClient,
    slack_standin: SlackStandIn,
    slack_web_client: AsyncWebClient,
) -> AlertWorld:
    return AlertWorld(store, store_url, devin_clock, alerts_devin_org, alerts_devin, slack_standin, slack_web_client)
