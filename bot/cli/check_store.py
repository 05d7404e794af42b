"""`check`'s store line: reachable, which schema, the poller's progress; it writes nothing and creates no file."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli.check_report import CheckReport
from bot.config import Settings
from bot.store import SCHEMA_VERSION, outbox, sessions
from bot.store.engine import async_database_url, create_engine
from bot.store.migrations import schema_version

DB_MESSAGE_MAX = 300
STORE_FIX = "check DATABASE_URL and that the database server is reachable"


async def check_store(settings: Settings, report: CheckReport) -> None:
    if "database_url" in report.invalid:
        report.fail("store", report.unset("database_url"), STORE_FIX)
        return
    try:
        url = async_database_url(settings.database_url)
    except ValueError as error:
        report.fail("store", f"DATABASE_URL is not usable: {error}", STORE_FIX)
        return
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not _sqlite_file_ready(Path(url.database or ""), report):
            return
    engine = create_engine(settings.database_url)
    try:
        await _report_schema_and_poller(engine, report)
    except (SQLAlchemyError, OSError, ValueError) as error:
        report.fail("store", f"cannot open the store: {driver_message(error, settings.database_url)}", STORE_FIX)
    finally:
        await engine.dispose()


def _sqlite_file_ready(path: Path, report: CheckReport) -> bool:
    """True when the file exists (then it is opened); otherwise one line on whether the app could create it."""
    if path.exists():
        return True
    folder = path.parent if str(path.parent) else Path(".")
    if folder.is_dir() and os.access(folder, os.W_OK | os.X_OK):
        report.ok("store", f"{path} does not exist yet; the app creates it when it starts")
    else:
        report.fail("store", f"cannot create {path}: {folder} is not a writable folder", STORE_FIX)
    return False


async def _report_schema_and_poller(engine: AsyncEngine, report: CheckReport) -> None:
    version = await schema_version(engine)
    if version > SCHEMA_VERSION:
        report.fail(
            "store",
            f"schema version {version} is newer than this app understands ({SCHEMA_VERSION})",
            "upgrade devin-insights, or point DATABASE_URL at another database",
        )
        return
    if version < SCHEMA_VERSION:
        schema = "empty" if version == 0 else f"schema version {version}"
        report.ok("store", f"reachable ({schema}; the app migrates it to {SCHEMA_VERSION} when it starts)")
        return
    report.ok("store", f"reachable (schema version {version})")
    async with engine.connect() as conn:
        state = await sessions.get_poller_state(conn)
        pending, updates = await outbox.count_owed(conn)
    if state.last_success_at is None:
        report.ok("alert poller", "has not polled yet (it starts with the app)")
        return
    now = time.time()
    lag = f", watermark lag {int(now - state.watermark)} s" if state.watermark is not None else ""
    age = int(now - state.last_success_at)
    detail = f"last successful poll {age} s ago{lag}; {pending} alert(s) and {updates} update(s) pending"
    if state.last_error:
        report.warn("alert poller", detail + "; the last poll failed", "see the app's log (devin.request.failed)")
    else:
        report.ok("alert poller", detail)


def driver_message(error: BaseException, database_url: str) -> str:
    """The database driver's own words (first line), with the URL's password removed."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    password = async_database_url(database_url).password
    if password:
        text = text.replace(str(password), "***")
    return f"{type(cause).__name__}: {text[:DB_MESSAGE_MAX]}"
