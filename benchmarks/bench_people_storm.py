"""People in a storm: alert delivery for N suspensions across M creators, with mentions and creators' DMs.

Run: `uv run python benchmarks/bench_people_storm.py [--sessions 100,500] [--creators 50]`

The simulated Devin org (with M members, each with an e-mail the Slack stand-in knows) holds N sessions,
all suspended `out_of_credits` at once and started round-robin by the M creators; the alert engine with
the people component (mentions on alerts, DMs to creators) runs ticks against a SQLite store in a temporary
directory until nothing is owed. Counted: Devin member lookups, `users.lookupByEmail` calls, channel posts,
DMs and every Slack call; timed: wall-clock seconds until drained (real per-channel pacing of one message a
second; DMs go to one conversation each). Loopback only; Devin simulator and Slack stand-in included.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from bot.alerts.engine import AlertEngine  # noqa: E402
from bot.config import DEFAULT_ALERT_REASONS  # noqa: E402
from bot.devin.client import DevinClient  # noqa: E402
from bot.people.component import People  # noqa: E402
from bot.people.directory import PeopleDirectory  # noqa: E402
from bot.sandbox import SANDBOX_API_KEY, SANDBOX_BOT_TOKEN, SANDBOX_CHANNEL_ID, SANDBOX_ORG_ID  # noqa: E402
from bot.sandbox.devin_org import DevinSimulator  # noqa: E402
from bot.sandbox.devin_seed import APP_URL  # noqa: E402
from bot.sandbox.slack_api import SlackStandIn  # noqa: E402
from bot.sandbox.slack_workspace import UserInfo  # noqa: E402
from bot.store import Store  # noqa: E402

TICKS_MAX = 200
"""A bound on the drain loop: a run that never drains fails instead of spinning."""


@dataclass
class Row:
    sessions: int
    creators: int
    member_lookups: int
    email_lookups: int
    channel_posts: int
    dms: int
    slack_calls: int
    devin_requests: int
    ticks: int
    seconds: float


async def storm(sessions: int, creators: int) -> Row:
    with tempfile.TemporaryDirectory() as tmp:
        async with DevinSimulator(seed=False) as devin_org, SlackStandIn() as slack_standin:
            people_ids = []
            for n in range(creators):
                user_id, slack_id, email = f"user-{n:012x}", f"U0BENCH{n:05d}", f"person{n}@bench.example"
                devin_org.members.add(user_id, email=email, name=f"Person {n}")
                slack_standin.users[slack_id] = UserInfo(slack_id, f"person-{n}", email=email)
                people_ids.append(user_id)
            for n in range(sessions):
                devin_org.add_session(
                    status="suspended", status_detail="out_of_credits", user_id=people_ids[n % creators]
                )
            devin = DevinClient.create(api_url=devin_org.url, api_key=SANDBOX_API_KEY, org_id=SANDBOX_ORG_ID)
            slack = AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=slack_standin.api_url)
            store = await Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
            people = People(
                PeopleDirectory(devin, slack),
                slack,
                app_url=APP_URL,
                reasons=DEFAULT_ALERT_REASONS,
                waiting_after_seconds=600,
            )
            engine = AlertEngine(
                devin,
                slack,
                store=store,
                app_url=APP_URL,
                default_channel=SANDBOX_CHANNEL_ID,
                default_reasons=DEFAULT_ALERT_REASONS,
                lookback_minutes=60,
                extras=people.alert_extras,
                observer=people.engine_observer,
            )
            devin_org.clear_requests()
            started = time.perf_counter()
            ticks = 0
            try:
                while ticks < TICKS_MAX:
                    ticks += 1
                    report = await engine.tick()
                    if ticks > 1 and (await engine.health()).pending_alerts == 0 and not _did(report):
                        break
                seconds = time.perf_counter() - started
            finally:
                await engine.stop()
                await store.aclose()
                await devin.aclose()
            posts = [c for c in slack_standin.calls_to("chat.postMessage") if c.ok]
            return Row(
                sessions=sessions,
                creators=creators,
                member_lookups=len([r for r in devin_org.requests if "/members/users/" in r.path]),
                email_lookups=len(slack_standin.calls_to("users.lookupByEmail")),
                channel_posts=len([c for c in posts if c.body["channel"] == SANDBOX_CHANNEL_ID]),
                dms=len([c for c in posts if str(c.body["channel"]).startswith("U")]),
                slack_calls=len(slack_standin.calls),
                devin_requests=len(devin_org.requests),
                ticks=ticks,
                seconds=seconds,
            )


def _did(report: object) -> bool:
    delivery = getattr(report, "delivery", None)
    observed = getattr(report, "observer", None)
    moved = [getattr(delivery, "posted", 0), getattr(delivery, "updated", 0), getattr(delivery, "replied", 0)]
    moved += [getattr(observed, "sent", 0), getattr(observed, "edited", 0), getattr(observed, "retried", 0)]
    return any(moved)


def markdown(rows: list[Row]) -> str:
    lines = [
        "| suspensions | creators | Devin member lookups | `users.lookupByEmail` | channel posts | DMs "
        "| Slack calls | Devin requests | ticks | time to drain |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.sessions:,} | {r.creators:,} | {r.member_lookups:,} | {r.email_lookups:,} | {r.channel_posts:,} "
            f"| {r.dms:,} | {r.slack_calls:,} | {r.devin_requests:,} | {r.ticks} | {r.seconds:.2f} s |"
        )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sessions", default="100,500", help="comma-separated storm sizes")
    parser.add_argument("--creators", type=int, default=50)
    args = parser.parse_args()
    rows = [await storm(int(n), args.creators) for n in args.sessions.split(",")]
    print(markdown(rows))


if __name__ == "__main__":
    asyncio.run(main())
