"""What listeners may touch besides what Bolt injects: built once in `create_app`, handed in by closure."""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.engine import AlertEngine
from bot.config import Settings
from bot.devin.cache import SessionCache
from bot.devin.client import DevinClient
from bot.entities.flexpane import FlexpaneData
from bot.insights.engine import TeamEngine
from bot.insights.source import InsightsSource
from bot.listeners.inflight import InFlight
from bot.people.component import People
from bot.slack.channels import SharedChannelDetector
from bot.slack.dedupe import EventDeduper
from bot.slack.policy import AccessPolicy


@dataclass(frozen=True)
class InsightsTiming:
    """How the Generate-insights flow polls: Devin takes about a minute (reference §3.4)."""

    poll_interval: float = 5.0
    still_working_after: float = 45.0
    give_up_after: float = 180.0
    summary_notice_after: float = 2.0
    """A `summary` still fetching after this long first says it is counting (large orgs take longer)."""


@dataclass
class AppDeps:
    """Everything a listener may touch besides what Bolt injects."""

    settings: Settings
    devin: DevinClient
    slack: AsyncWebClient
    """The shared Web API client; its aiohttp session also carries `response_url` replies."""
    sessions: SessionCache
    access: AccessPolicy
    events: EventDeduper
    channels: SharedChannelDetector
    flexpanes: FlexpaneData
    """Viewers and insights for the Work Object side panel, cached, under the trigger's budget."""
    alerts: AlertEngine | None = None
    """None where the app runs without the alert engine (unit tests, `preview`)."""
    insights_timing: InsightsTiming = field(default_factory=InsightsTiming)
    inflight: InFlight = field(default_factory=InFlight)
    """Listener runs still going after their ack."""
    team: InsightsSource | None = None
    """The org's figures per period (summary, digests, budget, App Home); None only in narrow unit tests."""
    people: People | None = None
    """Who started a session (names on cards, mentions in alerts); None in tests of other surfaces."""
    scheduled: TeamEngine | None = None
    """Digests and budget warnings (they need the store); None where the app runs without it."""
