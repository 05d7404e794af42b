"""Benchmark: time from a `link_shared` event to its `chat.unfurl`, five session links against one.

Run: `uv run python benchmarks/bench_unfurl.py [--iterations 10] [--links 5] [--devin-latency 0.5]`.

Every event names sessions the app has not seen (its lookup cache would otherwise answer), and the two kinds
alternate, each going first in every other round, so drift on the machine hits both alike.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from benchmarks.common import QUIET_ENV, SlackPoster, World, app_up, scratch_dir, session_link, world_up  # noqa: E402
from benchmarks.report import BenchResult, Headline, cli_main, ms, percentile, placement, table  # noqa: E402
from bot.sandbox import SANDBOX_CHANNEL_ID  # noqa: E402
from bot.sandbox.slack_api import REGULAR_USER_ID  # noqa: E402
from bot.sandbox.slack_requests import link_shared_event, new_ts  # noqa: E402

RATIO_TARGET = 1.2
SESSION_PATH = "/sessions/devin-"
"""Single-session reads (`GET …/sessions/{id}`) are slowed; the alert poller's list requests are not."""


@dataclass(frozen=True)
class Options:
    iterations: int = 10
    links: int = 5
    devin_latency: float = 0.5

    @classmethod
    def quick(cls) -> Options:
        return cls(iterations=2, links=3, devin_latency=0.05)


async def run(options: Options, *, in_process: bool = False) -> BenchResult:
    async with scratch_dir() as workdir, world_up(in_process=in_process, workdir=workdir) as world:
        ids = iter(await world.add_sessions((options.iterations + 1) * (options.links + 1)))
        await world.latency(options.devin_latency, SESSION_PATH)
        timings: dict[int, list[float]] = {1: [], options.links: []}
        async with (
            app_up(world, workdir, in_process=in_process, env=QUIET_ENV) as app,
            SlackPoster(app.url, world.slack_url) as poster,
        ):
            await _unfurl(world, poster, [next(ids)], options)  # warm-up: auth.test, conversations.info
            for index in range(options.iterations):
                order = [1, options.links] if index % 2 == 0 else [options.links, 1]
                for count in order:
                    timings[count].append(await _unfurl(world, poster, [next(ids) for _ in range(count)], options))
    return _result(options, timings[1], timings[options.links], in_process)


async def _unfurl(world: World, poster: SlackPoster, session_ids: list[str], options: Options) -> float:
    """Seconds from sending the event to the `chat.unfurl` arriving at the stand-in."""
    links = [session_link(session_id) for session_id in session_ids]
    ts = new_ts()
    sent = await poster.event(link_shared_event(links, channel=SANDBOX_CHANNEL_ID, user=REGULAR_USER_ID, message_ts=ts))
    if not sent.ok:
        raise RuntimeError(f"the app answered the event with HTTP {sent.status}")
    timeout = options.devin_latency * 4 + 30
    (call,) = await world.wait_calls("chat.unfurl", 1, where={"ts": ts}, timeout=timeout)
    if call["unfurls"] != len(links):
        raise RuntimeError(f"expected {len(links)} previews in one chat.unfurl, got {call['unfurls']}")
    elapsed: float = call["at"] - sent.at
    return elapsed


def _result(options: Options, single: list[float], multi: list[float], in_process: bool) -> BenchResult:
    ratio_median = percentile(multi, 50) / percentile(single, 50)
    ratio_p90 = percentile(multi, 90) / percentile(single, 90)
    rows = [
        ("median", ms(percentile(single, 50)), ms(percentile(multi, 50)), f"{ratio_median:.2f}x"),
        ("p90", ms(percentile(single, 90)), ms(percentile(multi, 90)), f"{ratio_p90:.2f}x"),
        ("max", ms(max(single)), ms(max(multi)), f"{max(multi) / max(single):.2f}x"),
    ]
    setup = (
        f"{options.iterations} `link_shared` events with one session link and {options.iterations} with "
        f"{options.links}, alternating; Devin answers each session read in {options.devin_latency:g} s "
        "(injected latency). Measured from sending the signed event to the `chat.unfurl` call arriving at the "
        f"Slack stand-in (one call carrying every preview). {placement(in_process)}"
    )
    headers = ["", "1 link", f"{options.links} links", "ratio"]
    headline = Headline(
        f"unfurl median, {options.links} links ÷ 1 link",
        f"{ratio_median:.2f}x ({ms(percentile(multi, 50))})",
        f"≤ {RATIO_TARGET}x",
        ratio_median <= RATIO_TARGET,
    )
    data = {"options": options.__dict__, "single_seconds": single, "multi_seconds": multi}
    title = f"Link previews: {options.links} links vs one"
    return BenchResult("unfurl", title, setup, table(headers, rows), [headline], data)


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--iterations", type=int, help="events of each kind (default 10)")
    cli.add_argument("--links", type=int, help="session links in the multi-link event (default 5)")
    cli.add_argument("--devin-latency", type=float, help="seconds Devin takes per session read (default 0.5)")
    return cli


def main(argv: Sequence[str] | None = None) -> BenchResult:
    return cli_main(parser(), argv, default=Options(), quick=Options.quick(), run=run)


if __name__ == "__main__":
    main()
