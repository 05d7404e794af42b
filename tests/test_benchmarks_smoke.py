"""Smoke test of the benchmark scripts: each runs end to end with tiny sizes and reports what it measured.

Only that the scripts work is checked here; how fast anything is comes from the scripts themselves.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from benchmarks import bench_alert_latency, bench_command, bench_flexpane, bench_memory, bench_throughput, bench_unfurl
from benchmarks.report import BenchResult, Headline, percentile
from benchmarks.run_all import Section, demote, lifted, render

QUICK = ["--quick", "--in-process"]


def _ran(result: BenchResult, output: Path) -> None:
    """Every headline has a value and the `--output` file holds the printed section."""
    assert result.headlines and all(headline.value for headline in result.headlines)
    assert output.read_text() == result.markdown()
    assert result.markdown().startswith(f"## {result.title}\n")


def test_bench_command_quick_measures_both_apps(tmp_path: Path) -> None:
    output = tmp_path / "command.md"
    result = bench_command.main([*QUICK, "--output", str(output)])
    _ran(result, output)
    options = bench_command.Options.quick()
    assert len(result.data["ours_ack_seconds"]) == len(result.data["bare_ack_seconds"]) == options.commands
    assert len(result.data["final_answer_seconds"]) == options.commands
    assert all(seconds > 0 for seconds in result.data["final_answer_seconds"])


def test_bench_unfurl_quick_times_each_event(tmp_path: Path) -> None:
    output = tmp_path / "unfurl.md"
    result = bench_unfurl.main([*QUICK, "--output", str(output)])
    _ran(result, output)
    iterations = bench_unfurl.Options.quick().iterations
    assert len(result.data["single_seconds"]) == len(result.data["multi_seconds"]) == iterations


def test_bench_alert_latency_quick_sees_every_alert(tmp_path: Path) -> None:
    output = tmp_path / "alerts.md"
    result = bench_alert_latency.main([*QUICK, "--output", str(output)])
    _ran(result, output)
    latencies = result.data["latency_seconds"]
    assert len(latencies) == bench_alert_latency.Options.quick().suspensions
    assert all(seconds > 0 for seconds in latencies)


def test_bench_throughput_quick_runs_every_step(tmp_path: Path) -> None:
    output = tmp_path / "throughput.md"
    result = bench_throughput.main([*QUICK, "--output", str(output)])
    _ran(result, output)
    options = bench_throughput.Options.quick()
    steps = result.data["steps"]
    assert [step["offered"] for step in steps] == list(options.rates)
    assert [step["commands"] for step in steps] == [round(rate * options.step_seconds) for rate in options.rates]


def test_bench_memory_quick_reads_the_app_process(tmp_path: Path) -> None:
    output = tmp_path / "memory.json"
    result = bench_memory.main([*QUICK, "--output", str(output)])
    assert '"readings"' in output.read_text()
    readings = result.data["readings"]
    assert len(readings) == 3  # after start, idle, loaded (no bare baseline in --quick)
    assert all(reading["rss"] > 0 and reading["peak"] >= reading["rss"] for reading in readings)


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0], 0) == 1.0
    assert percentile([1.0, 2.0, 3.0], 100) == 3.0
    assert math.isnan(percentile([], 99))


def test_run_all_render_has_machine_summary_and_sections() -> None:
    sections = [
        Section("command", "Slash command", "| a | b |", [Headline("ack ratio", "1.05x", "≤ 1.2x", True)], 3.0),
        Section("poll", "Poll", "**Failed** (exit 1)", failed=True),
    ]
    facts: dict[str, object] = {
        "cpu": "Test CPU",
        "cores": 2,
        "ram_gib": 4.0,
        "python": "3.11.7",
        "os": "Linux",
        "load_average": [0.5, 0.25, 0.0],
        "date": "2025-01-01 00:00 UTC",
    }
    document = render(sections, facts, quick=False)
    assert document.startswith("# Benchmarks\n")
    assert "| Test CPU | 2 | 4.0 GiB | 3.11.7 | Linux | 0.5 / 0.25 / 0 |" in document
    assert "| Slash command | ack ratio | 1.05x | ≤ 1.2x | ✅ met |" in document
    assert "| Poll | — | failed: see its section | — |  |" in document
    assert "## Slash command\n\n| a | b |" in document and "## Poll\n\n**Failed**" in document


def test_run_all_lifts_cells_from_a_captured_table() -> None:
    captured = demote("## Title\n\n| metric | value |\n|---|---|\n| sessions/s | 9,000 |\n| 20,000 | 1 s | 2 |")
    assert captured.startswith("### Title")
    wanted = [("sessions/s", 1, "speed"), ("20,000", 2, "requests"), ("missing", 1, "gone"), ("20,000", 9, "x")]
    assert lifted(captured, wanted) == [("speed", "9,000"), ("requests", "2")]


def test_bench_summary_quick_counts_requests(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import bench_summary

    bench_summary.main(["--sizes", "100", "--channels", "3"])
    out = capsys.readouterr().out
    assert "| 100 | 5 |" in out  # one page plus the four org-level requests
    assert "| 100 | 3 | 5 |" in out  # three channels, one shared fetch


def test_bench_flexpane_quick_times_every_opening(tmp_path: Path) -> None:
    output = tmp_path / "flexpane.md"
    result = bench_flexpane.main([*QUICK, "--output", str(output)])
    _ran(result, output)
    options = bench_flexpane.Options.quick()
    assert set(result.data["seconds"]) == {str(v) for v in options.latency_values()}
    assert all(len(values) == options.openings for values in result.data["seconds"].values())
    assert all(kind == "analysis" for kinds in result.data["shown"].values() for kind in kinds)


async def test_bench_people_storm_looks_each_creator_up_once() -> None:
    from benchmarks.bench_people_storm import storm

    row = await storm(12, 3)
    assert (row.member_lookups, row.email_lookups, row.dms, row.channel_posts) == (
        3,
        3,
        12,
        1,
    )  # one grouped alert, short enough for no thread


def test_bench_home_quick_lists_the_viewers_sessions_in_one_page(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import bench_home

    bench_home.main(["--cases", "5:50"])
    out = capsys.readouterr().out
    assert "| 5 | 50 | 1 | 1 | 1 | 2 |" in out  # one listing, one match by e-mail, one users.info
    assert "| 5 / 5 |" in out
