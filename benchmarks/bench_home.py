"""App Home's "Your sessions": Devin requests and time for one viewer, by their own sessions and the org's size.

Run: `uv run python benchmarks/bench_home.py [--cases 20:2000,20:20000,450:2000,1000:20000]` (own:org sessions).

The simulated org holds `org` sessions, `own` of them started by the viewer (a member whose e-mail the Slack
stand-in knows), all updated within the lookback. One opening is what the tab does for the viewer: match them
(the first time by their Slack e-mail among Devin's members), list their sessions (`user_ids`, pages of 200,
at most 3) and render the section. *Cold* is a fresh process (nothing cached), *warm* a tab opened again within
30 s. The org-at-a-glance half of the tab is `bench_summary.py`'s 7-day fetch, measured there. Loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from blocks.your_sessions import your_sessions_blocks  # noqa: E402
from bot.devin.client import DevinClient  # noqa: E402
from bot.people.records import YourSessions  # noqa: E402
from bot.people.viewers import Viewers  # noqa: E402
from bot.sandbox import SANDBOX_API_KEY, SANDBOX_BOT_TOKEN, SANDBOX_ORG_ID  # noqa: E402
from bot.sandbox.devin_org import DevinSimulator  # noqa: E402
from bot.sandbox.devin_seed import APP_URL  # noqa: E402
from bot.sandbox.slack_api import SlackStandIn  # noqa: E402
from bot.sandbox.slack_workspace import UserInfo  # noqa: E402

VIEWER_DEVIN, VIEWER_SLACK, VIEWER_EMAIL = "user-0000bench001", "U0BENCHVIEW", "viewer@bench.example"
DEFAULT_CASES = "20:2000,20:20000,450:2000,1000:20000"


@dataclass
class Row:
    own: int
    org: int
    listings: int
    by_email: int
    users_info: int
    devin_requests: int
    cold_seconds: float
    warm_seconds: float
    shown: int
    found: int


async def opening(viewers: Viewers) -> tuple[float, YourSessions]:
    started = time.perf_counter()
    match = await viewers.match(VIEWER_SLACK)
    assert match.devin_user_id is not None, match
    sessions = await viewers.sessions(match.devin_user_id)
    yours = YourSessions(match, sessions=tuple(sessions[:10]), total=len(sessions), notify=True)
    your_sessions_blocks(yours, app_url=APP_URL)
    return time.perf_counter() - started, yours


async def case(own: int, org: int) -> Row:
    async with DevinSimulator(seed=False) as devin_org, SlackStandIn() as slack_standin:
        devin_org.members.add(VIEWER_DEVIN, email=VIEWER_EMAIL, name="Viewer")
        slack_standin.users[VIEWER_SLACK] = UserInfo(VIEWER_SLACK, "viewer", email=VIEWER_EMAIL)
        devin_org.add_many(own, user_id=VIEWER_DEVIN, acus_consumed=0.5)
        devin_org.add_many(org - own, user_id="user-0000someone")
        devin = DevinClient.create(api_url=devin_org.url, api_key=SANDBOX_API_KEY, org_id=SANDBOX_ORG_ID)
        slack = AsyncWebClient(token=SANDBOX_BOT_TOKEN, base_url=slack_standin.api_url)
        viewers = Viewers(devin, slack, store=lambda: None)
        try:
            devin_org.clear_requests()
            cold, yours = await opening(viewers)
            warm, _ = await opening(viewers)
        finally:
            await devin.aclose()
        requests = devin_org.requests
        return Row(
            own=own,
            org=org,
            listings=len([r for r in requests if "user_ids" in dict(r.query)]),
            by_email=len([r for r in requests if "email" in dict(r.query)]),
            users_info=len(slack_standin.calls_to("users.info")),
            devin_requests=len(requests),
            cold_seconds=cold,
            warm_seconds=warm,
            shown=len(yours.sessions),
            found=yours.total,
        )


def markdown(rows: list[Row]) -> str:
    lines = [
        "| viewer's sessions | org sessions | listings (pages) | members by e-mail | `users.info` | Devin requests "
        "| cold | warm | shown / found |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.own:,} | {r.org:,} | {r.listings} | {r.by_email} | {r.users_info} | {r.devin_requests} "
            f"| {r.cold_seconds * 1000:.0f} ms | {r.warm_seconds * 1000:.1f} ms | {r.shown} / {r.found:,} |"
        )
    return "\n".join(lines)


async def run(cases: str) -> list[Row]:
    pairs = [tuple(int(n) for n in c.split(":")) for c in cases.split(",")]
    return [await case(own, org) for own, org in pairs]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", default=DEFAULT_CASES, help="comma-separated own:org session counts")
    args = parser.parse_args(argv)
    print(markdown(asyncio.run(run(args.cases))))


if __name__ == "__main__":
    main()
