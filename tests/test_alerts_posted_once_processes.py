"""Posted once, as real processes (section 3): a late Slack, a database cut, Retry-After and kill -9.

Each test runs the app as `python -m bot run --http` against the stand-ins and counts the posts
Slack accepted. The scenarios wait on real time (Slack's timeout, claim expiry, Retry-After), so the
app runs with a 3 s Slack timeout and the shortest claim that allows (three timeouts, the same floor
as production's 10 s and 30 s): each plays out in seconds. History scopes are granted where the
guarantee needs them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.slack_api import DEFAULT_SCOPES, SlackCall, SlackStandIn
from bot.sandbox.slack_history import HISTORY_SCOPES
from tests.app_process import AppProcess, app_env, wait_until
from tests.tcp_proxy import CuttableProxy

POST = "chat.postMessage"
SLACK_TIMEOUT = 3
"""Seconds; a loaded machine must still answer an ordinary local call well inside it."""
CLAIM = str(3 * SLACK_TIMEOUT)
pytestmark = [pytest.mark.slow]


def _posts(slack: SlackStandIn, session_id: str, *, replies: bool = False) -> list[SlackCall]:
    hex_id = session_id.removeprefix("devin-")
    return [
        c
        for c in slack.calls_to(POST)
        if c.ok
        and ("thread_ts" in c.body) == replies
        and hex_id in str(c.body.get("blocks"))
        and c.body.get("channel") == SANDBOX_CHANNEL_ID
    ]


def _with_history() -> SlackStandIn:
    return SlackStandIn(scopes=[*DEFAULT_SCOPES, *HISTORY_SCOPES])


def _session(devin: DevinSimulator) -> str:
    """One running session nobody is DMed about (no creator), so only channel alerts use chat.postMessage."""
    return str(
        devin.add_session(title="Posted once", status="running", status_detail="working", user_id=None)["session_id"]
    )


async def _async(value: bool) -> bool:
    return value


async def _drained(app: AppProcess) -> None:
    """Wait until nothing is owed any more (neither a first post nor an update)."""

    async def empty() -> bool:
        try:
            alerts = (await app.health())["alerts"]
        except ValueError:  # /healthz answers 500 (not JSON) while the database is unreachable
            return False
        return bool(alerts["pending_alerts"] == 0 and alerts["pending_updates"] == 0)

    await wait_until(empty, timeout=30)


async def _async_poll_after(replicas: list[AppProcess], at: int) -> bool:
    return await _last_poll(replicas) >= at


async def _last_poll(replicas: list[AppProcess]) -> int:
    return max([(await r.health())["alerts"]["last_poll_at"] or 0 for r in replicas])


def _env(devin: DevinSimulator, slack: SlackStandIn, database_url: str, claim: str = CLAIM) -> dict[str, str]:
    return app_env(devin, slack, database_url, ALERT_CLAIM_SECONDS=claim, SLACK_TIMEOUT_SECONDS=str(SLACK_TIMEOUT))


async def test_slack_answering_after_its_timeout_posts_and_replies_once(tmp_path: Path) -> None:
    async with DevinSimulator(seed=False) as devin, _with_history() as slack:
        sid = _session(devin)
        app = AppProcess(_env(devin, slack, f"sqlite:///{tmp_path}/store.db"), tmp_path)
        slack.latency(POST, SLACK_TIMEOUT + 2.0, after_acting=True)  # longer than the app's Slack timeout
        await app.start()
        try:
            devin.set_status(sid, "suspended", "out_of_credits")
            await app.wait_for_log("alerts.delivery.reconciled", timeout=60)
            devin.set_status(sid, "running", "working")
            await wait_until(lambda: _async(len(_posts(slack, sid, replies=True)) == 1), timeout=30)
            await app.wait_for_log("part='reply'", timeout=60)  # the late reply was reconciled too
            await _drained(app)
            assert len(_posts(slack, sid)) == 1
            assert len(_posts(slack, sid, replies=True)) == 1
        finally:
            await app.stop()


async def test_store_failing_for_3s_right_after_a_post_keeps_it_posted_once(
    tmp_path: Path, own_postgres_database: str
) -> None:
    target = make_url(own_postgres_database)
    proxy = CuttableProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    proxied = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    async with DevinSimulator(seed=False) as devin, SlackStandIn() as slack:
        sid = _session(devin)
        # A claim of 30 s keeps the ts-write retries (a third of the claim) longer than the 3 s cut.
        app = AppProcess(_env(devin, slack, proxied, claim="30"), tmp_path)
        await app.start()
        slack.on_call(POST, lambda call: proxy.cut(3.0) if call.ok else None)  # right after Slack accepted
        try:
            devin.set_status(sid, "suspended", "out_of_credits")
            await app.wait_for_log("alerts.delivery.store_retry", timeout=30)
            slack.on_call(POST, None)
            await _drained(app)
            assert proxy.cuts == 1 and len(_posts(slack, sid)) == 1
        finally:
            await app.stop()
            await proxy.stop()


async def test_retry_after_longer_than_the_claim_with_two_replicas_posts_once(
    tmp_path: Path, own_postgres_database: str
) -> None:
    async with DevinSimulator(seed=False) as devin, SlackStandIn() as slack:
        sid = _session(devin)
        env = _env(devin, slack, own_postgres_database)
        replicas = [AppProcess(env, tmp_path), AppProcess(env, tmp_path)]
        await asyncio.gather(*(r.start() for r in replicas))
        retry_after = int(CLAIM) + 4
        slack.fail(POST, retry_after=retry_after, times=1)  # longer than the claim
        try:
            devin.set_status(sid, "suspended", "out_of_credits")
            await wait_until(lambda: _async(len(slack.calls_to(POST)) == 1), timeout=15)
            limited_at = asyncio.get_running_loop().time()
            polled = await _last_poll(replicas)
            await wait_until(lambda: _async(len(_posts(slack, sid)) == 1), timeout=60)
            waited = asyncio.get_running_loop().time() - limited_at
            assert await _last_poll(replicas) > polled  # polling went on while the channel waited
            # A few more polls (and many delivery rounds, one a second) on both replicas: still one post.
            await wait_until(lambda: _async_poll_after(replicas, polled + 3), timeout=15)
            assert waited >= retry_after - 2 and len(_posts(slack, sid)) == 1 and len(slack.calls_to(POST)) == 2
        finally:
            for replica in replicas:
                await replica.stop()


async def test_kill_9_with_a_post_in_flight_posts_once(tmp_path: Path) -> None:
    async with DevinSimulator(seed=False) as devin, _with_history() as slack:
        sid = _session(devin)
        env = _env(devin, slack, f"sqlite:///{tmp_path}/store.db")
        first = AppProcess(env, tmp_path)
        await first.start()
        slack.latency(POST, 20.0, after_acting=True)  # the app gives up after SLACK_TIMEOUT: killed long before
        devin.set_status(sid, "suspended", "out_of_credits")
        await wait_until(lambda: _async(len(_posts(slack, sid)) == 1), timeout=15)
        await first.kill()  # Slack accepted the post; its answer is still in flight
        slack.clear_faults()
        second = AppProcess(env, tmp_path)
        await second.start()
        try:
            await second.wait_for_log("alerts.delivery.reconciled", timeout=int(CLAIM) + 30)
            await _drained(second)
            assert len(_posts(slack, sid)) == 1
        finally:
            await second.stop()
