"""The APScheduler job that runs `AlertEngine.tick` on the app's event loop."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

ALERTS_JOB_ID = "alerts.tick"
"""Stable id of the alert job (replace_existing keys on it)."""
MISFIRE_GRACE_MIN_SECONDS = 30


def build_scheduler(job: Callable[[], Awaitable[Any]], *, every_seconds: int) -> AsyncIOScheduler:
    """A UTC scheduler with the alert job every `every_seconds`, first run at start; not started.

    One run at a time (`max_instances=1`); runs missed while the loop was busy collapse into one
    (`coalesce`), and a run late by up to one interval still happens (`misfire_grace_time`).
    Call `start()` inside the running loop (aiohttp `on_startup`) and `shutdown(wait=False)` on cleanup.
    """
    if every_seconds < 1:
        raise ValueError("every_seconds must be at least 1")
    scheduler = AsyncIOScheduler(
        timezone="UTC",
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": max(MISFIRE_GRACE_MIN_SECONDS, every_seconds),
        },
    )
    scheduler.add_job(
        job,
        "interval",
        seconds=every_seconds,
        id=ALERTS_JOB_ID,
        name="poll Devin and deliver suspension alerts",
        replace_existing=True,
        next_run_time=datetime.now(UTC),
    )
    return scheduler
