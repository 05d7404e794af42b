"""Prometheus metrics: every metric object, defined once here; the code that does the work increments them.

`/metrics` (bot/web.py) serves `REGISTRY`. Labels are bounded: Devin endpoints are path templates (no ids),
Slack methods are API method names, errors are exception class names or Slack's snake_case error codes.
Names and meaning are documented in the README ("Metrics"); renaming one breaks dashboards and alert rules.
"""

from __future__ import annotations

import re

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

PREFIX = "devin_insights"
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
"""Slack retries a request it has not seen acked within 3 seconds: the 3.0 bucket is the one that matters."""
REQUEST_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
POLL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
LABEL_MAX = 40
OTHER = "other"

REGISTRY = CollectorRegistry()
"""Only this app's metrics and the process/runtime collectors (not whatever a library puts in the default one)."""
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

DEVIN_REQUESTS = Counter(
    f"{PREFIX}_devin_requests",
    "Logical Devin API requests (retries included in one), by endpoint template and HTTP method.",
    ["endpoint", "method"],
    registry=REGISTRY,
)
DEVIN_REQUEST_ERRORS = Counter(
    f"{PREFIX}_devin_request_errors",
    "Devin API requests that failed after retries, by endpoint template, method and error class.",
    ["endpoint", "method", "error"],
    registry=REGISTRY,
)
DEVIN_REQUEST_SECONDS = Histogram(
    f"{PREFIX}_devin_request_duration_seconds",
    "Time for one logical Devin API request, retries included.",
    ["endpoint"],
    buckets=REQUEST_BUCKETS,
    registry=REGISTRY,
)
SLACK_CALLS = Counter(
    f"{PREFIX}_slack_calls",
    "HTTP calls to Slack (each retry counts), by Web API method or `response_url`.",
    ["method"],
    registry=REGISTRY,
)
SLACK_CALL_ERRORS = Counter(
    f"{PREFIX}_slack_call_errors",
    "Slack calls that failed, by method and error (Slack's error code, `http_<status>` or an exception class).",
    ["method", "error"],
    registry=REGISTRY,
)
SLACK_ACK_SECONDS = Histogram(
    f"{PREFIX}_slack_ack_seconds",
    "Time from receiving a Slack request to acknowledging it, by kind (command, block_actions, event_callback…).",
    ["kind"],
    buckets=ACK_BUCKETS,
    registry=REGISTRY,
)
SLACK_REQUESTS_REJECTED = Counter(
    f"{PREFIX}_slack_requests_rejected",
    "Requests to /slack/events refused before Bolt saw them, by reason (signature, malformed).",
    ["reason"],
    registry=REGISTRY,
)
ALERT_POLLS = Counter(
    f"{PREFIX}_alert_polls",
    "Alert polls of Devin by this replica, by outcome (ok, failed, lease_lost).",
    ["outcome"],
    registry=REGISTRY,
)
ALERT_POLL_SECONDS = Histogram(
    f"{PREFIX}_alert_poll_duration_seconds",
    "Time for one alert poll (all pages).",
    buckets=POLL_BUCKETS,
    registry=REGISTRY,
)
ALERT_POLL_LAG_SECONDS = Gauge(
    f"{PREFIX}_alert_poll_lag_seconds",
    "Now minus the poll watermark (the newest session update seen); grows when polling stalls.",
    registry=REGISTRY,
)
ALERT_LAST_POLL_TIMESTAMP = Gauge(
    f"{PREFIX}_alert_last_poll_timestamp_seconds",
    "Unix time of the last successful poll (by any replica; 0 before the first).",
    registry=REGISTRY,
)
ALERT_OUTBOX_DEPTH = Gauge(
    f"{PREFIX}_alert_outbox_depth",
    "Alert messages owed to Slack, by kind (post: not yet posted; update: posted, a change not yet shown).",
    ["kind"],
    registry=REGISTRY,
)
ALERT_DELIVERIES = Counter(
    f"{PREFIX}_alert_deliveries",
    "Alert messages delivered to Slack, by action (posted, updated, replied, reconciled).",
    ["action"],
    registry=REGISTRY,
)
ALERT_DELIVERY_RETRIES = Counter(
    f"{PREFIX}_alert_delivery_retries",
    "Alert deliveries put back for a later retry (rate limits, Slack or network errors).",
    registry=REGISTRY,
)
ALERT_DELIVERY_BLOCKED = Counter(
    f"{PREFIX}_alert_delivery_blocked",
    "Alert deliveries held because the channel refuses them (not_in_channel, channel_not_found…).",
    registry=REGISTRY,
)
TEAM_POST_DELIVERIES = Counter(
    f"{PREFIX}_team_post_deliveries",
    "Digest and budget messages delivered to Slack, by kind (digest, budget) and action "
    "(posted, reconciled, updated, replied).",
    ["kind", "action"],
    registry=REGISTRY,
)
TEAM_POST_RETRIES = Counter(
    f"{PREFIX}_team_post_retries",
    "Digest and budget deliveries put back for a later retry (rate limits, Slack, network or Devin errors), by kind.",
    ["kind"],
    registry=REGISTRY,
)
TEAM_POST_FAILURES = Counter(
    f"{PREFIX}_team_post_failures",
    "Digest and budget messages the channel refused for good (not_in_channel, channel_not_found…), by kind.",
    ["kind"],
    registry=REGISTRY,
)
TEAM_OUTBOX_DEPTH = Gauge(
    f"{PREFIX}_team_outbox_depth",
    "Digest and budget messages owed to Slack (not yet posted, or a change not yet shown), by kind.",
    ["kind"],
    registry=REGISTRY,
)
ALERT_RESOLUTIONS = Counter(
    f"{PREFIX}_alert_resolutions",
    "Suspension episodes that ended (the session resumed, finished or disappeared).",
    registry=REGISTRY,
)

_ORG = re.compile(r"/organizations/[^/]+")
_SESSION = re.compile(r"/sessions/devin-[0-9a-f]+")
_LABEL = re.compile(r"[A-Za-z][A-Za-z0-9_.]*")


def devin_endpoint(path: str) -> str:
    """A Devin API path as a template: `/v3/organizations/{org}/sessions/{session}/insights`."""
    return _SESSION.sub("/sessions/{session}", _ORG.sub("/organizations/{org}", path.split("?", 1)[0]))


def label(value: object) -> str:
    """A bounded label value: an identifier-like string of at most LABEL_MAX characters, else "other"."""
    text = str(value)
    return text if len(text) <= LABEL_MAX and _LABEL.fullmatch(text) else OTHER


def exposition() -> tuple[bytes, str]:
    """The current metrics in the Prometheus text format, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
