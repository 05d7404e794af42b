"""`/metrics`: Prometheus series after a command, an unfurl and an alert, scraped over real HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.sandbox import SANDBOX_CHANNEL_ID
from bot.sandbox.devin_seed import SEED_RUNNING, SEED_WITH_ANALYSIS
from bot.sandbox.slack_api import NOT_MEMBER_CHANNEL_ID, REGULAR_USER_ID
from bot.sandbox.slack_requests import link_shared_event, new_ts
from bot.slack.client import slack_method
from bot.web import request_kind
from tests.app_process import wait_until
from tests.fixtures_app import RunningApp, running_app

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
SESSION = "/v3/organizations/{org}/sessions/{session}"
LINK = f"https://app.devin.ai/sessions/{SEED_WITH_ANALYSIS.removeprefix('devin-')}"


async def scrape(app: RunningApp) -> Samples:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{app.url}/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((f"{metrics.PREFIX}_{name}", frozenset(labels.items())), 0.0)


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_devin_endpoints_are_templates_without_ids() -> None:
    path = "/v3/organizations/org-5c1e9a7d/sessions/devin-3f9c2a7be14d4c0f9a61d2e8b7c45a90/insights"
    assert metrics.devin_endpoint(path) == SESSION + "/insights"
    assert metrics.devin_endpoint("/v3/organizations/org-1/sessions?first=200") == "/v3/organizations/{org}/sessions"
    assert metrics.devin_endpoint("/v3/self") == "/v3/self"


def test_labels_are_bounded() -> None:
    assert metrics.label("not_in_channel") == "not_in_channel"
    assert metrics.label("<!channel> hi") == metrics.OTHER and metrics.label("x" * 100) == metrics.OTHER


def test_slack_methods_and_request_kinds() -> None:
    assert slack_method("/api/chat.postMessage") == "chat.postMessage"
    assert slack_method("/hooks/commands/T0/abc") == "response_url"
    assert request_kind({"command": "/devin-insights"}) == "command"
    assert request_kind({"type": "event_callback"}) == "event_callback"
    assert request_kind({}) == "unknown"


async def test_metrics_after_a_command_an_unfurl_and_an_alert(tmp_path: Path) -> None:
    async with running_app(tmp_path, with_alerts=True, alert_channel=SANDBOX_CHANNEL_ID, alert_poll_seconds=1) as app:
        before = await scrape(app)

        _, hook = await app.command(SEED_WITH_ANALYSIS)
        await app.responses(hook)
        event = link_shared_event([LINK], channel=SANDBOX_CHANNEL_ID, user=REGULAR_USER_ID, message_ts=new_ts())
        await app.sender.event(event)
        await app.slack.wait_for("chat.unfurl", timeout=10)
        app.devin.set_status(SEED_RUNNING, "suspended", "out_of_credits")
        await app.slack.wait_for("chat.postMessage", timeout=10, predicate=lambda call: call.ok)
        await app.settle()

        async def delivered() -> bool:  # counted once the post is recorded, just after Slack answers
            return grew(before, await scrape(app), "alert_deliveries_total", action="posted") == 1

        await wait_until(delivered, timeout=10)
        after = await scrape(app)

    assert grew(before, after, "slack_ack_seconds_count", kind="command") == 1
    assert grew(before, after, "slack_ack_seconds_count", kind="event_callback") == 1
    assert grew(before, after, "slack_ack_seconds_bucket", kind="command", le="3.0") == 1
    assert grew(before, after, "devin_requests_total", endpoint=SESSION + "/insights", method="GET") >= 1
    assert grew(before, after, "devin_requests_total", endpoint="/v3/organizations/{org}/sessions", method="GET") >= 1
    assert grew(before, after, "slack_calls_total", method="response_url") == 1
    assert grew(before, after, "slack_calls_total", method="chat.unfurl") == 1
    assert grew(before, after, "slack_calls_total", method="chat.postMessage") >= 1
    assert grew(before, after, "alert_deliveries_total", action="posted") == 1
    assert grew(before, after, "alert_polls_total", outcome="ok") >= 1
    assert grew(before, after, "alert_poll_duration_seconds_count") >= 1
    assert value(after, "alert_last_poll_timestamp_seconds") > 0
    assert value(after, "alert_outbox_depth", kind="post") == 0  # posted, so nothing owed
    assert 0 <= value(after, "alert_poll_lag_seconds") < 600
    assert any(name == "process_resident_memory_bytes" for name, _ in after)  # the process collector's


async def test_metrics_count_errors_by_endpoint_and_slack_error(tmp_path: Path) -> None:
    missing = "devin-" + "0" * 32
    async with running_app(
        tmp_path, with_alerts=True, alert_channel=NOT_MEMBER_CHANNEL_ID, alert_poll_seconds=1
    ) as app:
        before = await scrape(app)
        _, hook = await app.command(missing)
        await app.responses(hook)
        app.devin.set_status(SEED_RUNNING, "suspended", "out_of_credits")
        await app.slack.wait_for(
            "chat.postMessage", timeout=10, predicate=lambda call: call.body["channel"] == NOT_MEMBER_CHANNEL_ID
        )
        await app.settle()
        after = await scrape(app)
    errors = "devin_request_errors_total"
    assert grew(before, after, errors, endpoint=SESSION + "/insights", method="GET", error="DevinNotFoundError") == 1
    assert grew(before, after, "slack_call_errors_total", method="chat.postMessage", error="not_in_channel") >= 1


async def test_rejected_signature_is_counted(tmp_path: Path) -> None:
    async with running_app(tmp_path) as app:
        before = await scrape(app)
        async with httpx.AsyncClient() as client:
            response = await client.post(f"{app.url}/slack/events", content=b"command=/x", headers={})
        assert response.status_code == 401
        after = await scrape(app)
    assert grew(before, after, "slack_requests_rejected_total", reason="signature") == 1
