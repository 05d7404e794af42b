"""The app as real processes: a crash between recording and posting, and two replicas on one PostgreSQL."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from bot.sandbox import SANDBOX_APP_TOKEN, SANDBOX_CHANNEL_ID
from bot.sandbox.devin_org import DevinSimulator
from bot.sandbox.devin_seed import SEED_RUNNING, SEED_WITH_ANALYSIS
from bot.sandbox.slack_api import REGULAR_USER_ID, SlackCall, SlackStandIn
from bot.sandbox.slack_requests import slash_command
from tests.app_process import AppProcess, app_env, wait_until

POLL_SECONDS = 2


def _alert_posts(slack: SlackStandIn, session_id: str) -> list[SlackCall]:
    hex_id = session_id.removeprefix("devin-")
    return [
        call
        for call in slack.calls_to("chat.postMessage")
        if call.ok
        and "thread_ts" not in call.body
        and hex_id in str(call.body.get("blocks"))
        and not str(call.body["channel"]).startswith("U")  # the creator's DM is not a channel alert
    ]


async def _polls_after(app: AppProcess, count: int, timeout: float) -> None:
    """Wait until `app` has completed `count` more polls (judged by its /healthz)."""
    first = (await app.health())["alerts"]["last_poll_at"] or 0

    async def advanced() -> bool:
        last = (await app.health())["alerts"]["last_poll_at"] or 0
        return bool(last >= first + count)

    await wait_until(advanced, timeout=timeout)


@pytest.mark.slow
async def test_alert_recorded_before_a_crash_is_delivered_once_after_restart(tmp_path: Path) -> None:
    async with DevinSimulator() as devin, SlackStandIn() as slack:
        env = app_env(devin, slack, f"sqlite:///{tmp_path}/store.db")
        first = AppProcess(env, tmp_path)
        await first.start()
        slack.fail("chat.postMessage", status=500, times=10_000)
        devin.set_status(SEED_RUNNING, "suspended", "out_of_credits")
        # Recorded, posting failed, and the retry is scheduled in the store; then the process dies.
        await first.wait_for_log("alerts.delivery.retry")
        await first.kill()
        assert _alert_posts(slack, SEED_RUNNING) == []

        slack.clear_faults()
        second = AppProcess(env, tmp_path)
        await second.start()
        try:
            # The alert itself, not a creator's DM (posted to their user id) that may go out first.
            await slack.wait_for(
                "chat.postMessage", timeout=15, predicate=lambda call: bool(_alert_posts(slack, SEED_RUNNING))
            )
            await _polls_after(second, 2, timeout=15)
            assert len(_alert_posts(slack, SEED_RUNNING)) == 1
        finally:
            assert await second.stop() == 0  # graceful shutdown on SIGTERM


@pytest.mark.slow
@pytest.mark.postgres
async def test_two_replicas_poll_one_at_a_time_and_survive_the_holder_dying(
    tmp_path: Path, own_postgres_database: str
) -> None:
    async with DevinSimulator() as devin, SlackStandIn() as slack:
        env = app_env(devin, slack, own_postgres_database, ALERT_POLL_SECONDS=str(POLL_SECONDS))
        replicas = [AppProcess(env, tmp_path), AppProcess(env, tmp_path)]
        await asyncio.gather(*(replica.start() for replica in replicas))
        try:

            async def one_polls() -> bool:
                states = [(await r.health())["alerts"]["polling_here"] for r in replicas]
                return states.count(True) == 1

            await wait_until(one_polls, timeout=10)

            # Both replicas see the suspension; exactly one alert is posted, and stays one.
            devin.set_status(SEED_RUNNING, "suspended", "out_of_credits")
            # The channel alert (creators' DMs go out too, on their own rhythm).
            await slack.wait_for(
                "chat.postMessage",
                timeout=15,
                predicate=lambda call: call.ok and call.body.get("channel") == SANDBOX_CHANNEL_ID,
            )
            states = {r.port: (await r.health())["alerts"]["polling_here"] for r in replicas}
            holder = next(r for r in replicas if states[r.port])
            other = next(r for r in replicas if not states[r.port])
            await _polls_after(holder, 2, timeout=15)
            assert len(_alert_posts(slack, SEED_RUNNING)) == 1

            # Kill the lease holder in the middle of a slow poll; the other takes over within two intervals.
            seen = len(devin.requests_to("/sessions"))
            devin.inject(latency=POLL_SECONDS * 3, path_contains="/sessions", times=1)
            await wait_until(lambda: _async_true(len(devin.requests_to("/sessions")) > seen), timeout=10)
            await holder.kill()  # its list request is still in flight: killed mid-poll
            killed_at = asyncio.get_running_loop().time()

            async def other_polls() -> bool:
                return bool((await other.health())["alerts"]["polling_here"])

            await wait_until(other_polls, timeout=4 * POLL_SECONDS)
            takeover = asyncio.get_running_loop().time() - killed_at
            assert takeover <= 2 * POLL_SECONDS + 1.0, f"takeover took {takeover:.1f}s"

            # Nothing lost or duplicated: a new suspension alerts once, the old one still once, recovery updates it.
            devin.set_status(SEED_WITH_ANALYSIS, "suspended", "usage_limit_exceeded")
            devin.set_status(SEED_RUNNING, "running", "working")
            await slack.wait_for("chat.update", timeout=15, predicate=lambda call: call.ok)
            await wait_until(lambda: _async_true(len(_alert_posts(slack, SEED_WITH_ANALYSIS)) == 1), timeout=15)
            await _polls_after(other, 2, timeout=15)
            assert len(_alert_posts(slack, SEED_RUNNING)) == 1
            assert len(_alert_posts(slack, SEED_WITH_ANALYSIS)) == 1
            assert (
                len([c for c in slack.calls_to("chat.update") if c.ok and c.body["channel"] == SANDBOX_CHANNEL_ID]) >= 1
            )
        finally:
            for replica in replicas:
                if replica.process and replica.process.returncode is None:
                    await replica.stop()


async def _async_true(value: bool) -> bool:
    return value


@pytest.mark.slow
async def test_socket_mode_process_answers_and_shuts_down_gracefully(tmp_path: Path) -> None:
    async with DevinSimulator() as devin, SlackStandIn() as slack:
        env = app_env(devin, slack, f"sqlite:///{tmp_path}/store.db", SLACK_APP_TOKEN=SANDBOX_APP_TOKEN)
        env.pop("SLACK_SIGNING_SECRET")
        log_path = tmp_path / "socket.log"
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path, stdout=log, stderr=log
            )
        try:
            await slack.socket.wait_connected(timeout=30)
            hook = slack.response_url()
            command = slash_command(
                SEED_WITH_ANALYSIS, response_url=hook, user_id=REGULAR_USER_ID, channel_id=SANDBOX_CHANNEL_ID
            )
            await slack.socket.send_envelope("slash_commands", command, timeout=10)
            (card,) = await slack.wait_for(
                "response_url", timeout=15, predicate=lambda c: c.hook == hook.rsplit("/", 1)[1]
            )
            assert "Fix 500 on refund endpoint" in str(card.body)
        finally:
            process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), timeout=20)
        assert code == 0, log_path.read_text()
        assert "Traceback" not in log_path.read_text()
