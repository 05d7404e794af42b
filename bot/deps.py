"""The long-lived objects listeners need, built once in `create_app` and injected by closure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.access import AccessPolicy
from bot.alerts.service import ChannelSettings
from bot.config import Settings
from bot.devin.cache import SessionCache
from bot.devin.client import DevinClient
from bot.event_dedupe import EventDeduper
from bot.responder import ResponseUrlPoster


@dataclass(frozen=True)
class InsightsTiming:
    """How the Generate-insights flow polls: Devin takes about a minute (reference §3.4)."""

    poll_interval: float = 5.0
    still_working_after: float = 45.0
    give_up_after: float = 180.0


class AlertsPort(Protocol):
    """The part of the alert service the listeners use."""

    async def channel_settings(self, channel_id: str) -> ChannelSettings: ...

    async def subscribe(self, channel_id: str, reasons: Sequence[str], by_user: str) -> ChannelSettings: ...

    async def unsubscribe(self, channel_id: str, by_user: str) -> ChannelSettings: ...

    async def pending_alerts(self) -> int: ...


@dataclass
class AppDeps:
    """Everything a listener may touch besides what Bolt injects."""

    settings: Settings
    devin: DevinClient
    sessions: SessionCache
    access: AccessPolicy
    events: EventDeduper
    responder: ResponseUrlPoster
    alerts: AlertsPort | None = None
    insights_timing: InsightsTiming = field(default_factory=InsightsTiming)
