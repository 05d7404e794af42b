"""`create_app`: the one factory that builds the Bolt app, its clients and its lifecycle from settings."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot import APP_NAME, __version__
from bot.access import AccessPolicy
from bot.config import Settings, bolt_env_guard
from bot.deps import AlertsPort, AppDeps, InsightsTiming
from bot.devin.cache import SessionCache
from bot.devin.client import DevinClient
from bot.event_dedupe import EventDeduper
from bot.listeners import register_listeners
from bot.listeners.payloads import is_dispatchable
from bot.responder import ResponseUrlPoster

log = logging.getLogger(__name__)

SLACK_EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
REQUEST_BODY_MAX = 512 * 1024
"""Slack's largest payloads (block actions carrying a 50-block message) stay well under this."""
SLACK_TIMEOUT_SECONDS = 10
HealthProbe = Callable[[], Awaitable[dict[str, Any]]]


def slack_web_client(settings: Settings) -> AsyncWebClient:
    """The Web API client every listener and the alert delivery share, with retries for 429s, 5xx and resets."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT_SECONDS,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def devin_client(settings: Settings) -> DevinClient:
    """The shared Devin client (interactive retry budget; the poller takes a longer one)."""
    settings.require("devin_api_key", "devin_org_id")
    assert settings.devin_api_key is not None and settings.devin_org_id is not None
    return DevinClient.create(
        api_url=settings.devin_api_url, api_key=settings.devin_api_key.get_secret_value(), org_id=settings.devin_org_id
    )


@dataclass
class InsightsApp:
    """The running app: Bolt, its dependencies, and what must be closed at shutdown."""

    bolt: AsyncApp
    deps: AppDeps
    slack: AsyncWebClient
    health_probe: HealthProbe | None = None
    on_start: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    on_stop: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    started_at: float = field(default_factory=time.time)

    async def start(self) -> None:
        for hook in self.on_start:
            await hook()

    async def stop(self) -> None:
        """Close in reverse order of start; each step runs even if an earlier one failed."""
        for hook in reversed(self.on_stop):
            try:
                await hook()
            except Exception:  # noqa: BLE001 - shutdown must reach every resource; failures are logged
                log.exception("app.shutdown.step_failed")
        await self.deps.devin.aclose()
        await self.deps.responder.aclose()

    async def health(self) -> dict[str, Any]:
        """Public health summary: nothing sensitive (no ids, tokens, URLs or error texts from Slack or Devin)."""
        report: dict[str, Any] = {"status": "ok", "app": APP_NAME, "version": __version__}
        report["uptime_seconds"] = int(time.time() - self.started_at)
        if self.health_probe is not None:
            report["alerts"] = await self.health_probe()
        return report

    def web_application(self) -> web.Application:
        """The aiohttp application for HTTP mode: Slack's single request URL plus `/healthz`."""
        application = web.Application(client_max_size=REQUEST_BODY_MAX)

        secret = self.deps.settings.slack_signing_secret
        verifier = SignatureVerifier(secret.get_secret_value() if secret else "")

        async def slack_events(request: web.Request) -> web.Response:
            try:
                body = (await request.read()).decode("utf-8")
            except UnicodeDecodeError:
                return web.Response(status=400, text="malformed request")
            # Verify before parsing: anyone can reach this URL, and junk must cost a 401, not a parser
            # traceback (Bolt parses the body and builds its context before its own signature check,
            # which still runs).
            if not has_valid_signature(verifier, body, request.headers):
                return web.Response(status=401, text="invalid request signature")
            try:
                bolt_request = AsyncBoltRequest(
                    body=body,
                    query=request.query_string,
                    headers=request.headers,  # type: ignore[arg-type]
                )
            except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError) as error:
                log.info("slack.request.malformed", extra={"error": type(error).__name__})
                return web.Response(status=400, text="malformed request")
            if not is_dispatchable(bolt_request.body):
                log.info("slack.request.malformed", extra={"error": "shape"})
                return web.Response(status=400, text="malformed request")
            return await to_aiohttp_response(await self.bolt.async_dispatch(bolt_request))

        async def healthz(_: web.Request) -> web.Response:
            return web.json_response(await self.health())

        async def on_startup(_: web.Application) -> None:
            await self.start()

        async def on_cleanup(_: web.Application) -> None:
            await self.stop()

        application.router.add_post(SLACK_EVENTS_PATH, slack_events)
        application.router.add_get(HEALTH_PATH, healthz)
        application.on_startup.append(on_startup)
        application.on_cleanup.append(on_cleanup)
        return application


def has_valid_signature(verifier: SignatureVerifier, body: str, headers: Mapping[str, str]) -> bool:
    """slack_sdk's v0 signature check, made total: it raises on a non-numeric timestamp or a
    non-ASCII signature; here those are simply invalid."""
    try:
        return verifier.is_valid(
            body=body,
            timestamp=headers.get("X-Slack-Request-Timestamp", ""),
            signature=headers.get("X-Slack-Signature", ""),
        )
    except (ValueError, TypeError):
        return False


def create_app(
    settings: Settings,
    *,
    devin: DevinClient | None = None,
    slack: AsyncWebClient | None = None,
    alerts: AlertsPort | None = None,
    insights_timing: InsightsTiming | None = None,
) -> InsightsApp:
    """Build the app from settings; tests and the demo inject clients pointed at local stand-ins."""
    settings.require("slack_bot_token")
    if not settings.socket_mode:
        settings.require("slack_signing_secret")
    devin = devin or devin_client(settings)
    slack = slack or slack_web_client(settings)
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    with bolt_env_guard():
        # Tokens are passed explicitly; the guard hides SLACK_CLIENT_ID/SECRET so Bolt's implicit
        # OAuth switch and its other environment fallbacks never decide anything.
        bolt = AsyncApp(
            client=slack,
            signing_secret=signing_secret,
            name=APP_NAME,
            logger=logging.getLogger("slack_bolt"),
            request_verification_enabled=True,
        )
    deps = AppDeps(
        settings=settings,
        devin=devin,
        sessions=SessionCache(devin),
        access=AccessPolicy.from_settings(settings),
        events=EventDeduper(),
        responder=ResponseUrlPoster(),
        alerts=alerts,
        insights_timing=insights_timing or InsightsTiming(),
    )
    register_listeners(bolt, deps)
    app = InsightsApp(bolt=bolt, deps=deps, slack=slack)
    app.on_start.append(lambda: _open_shared_session(slack))
    app.on_stop.append(lambda: _close_shared_session(slack))
    return app


async def _open_shared_session(slack: AsyncWebClient) -> None:
    """One aiohttp session for every Web API call: slack_sdk opens (and closes) a session per call
    otherwise, and Bolt's per-request clients copy this one. Opened here, inside the running loop."""
    if slack.session is None:
        slack.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SLACK_TIMEOUT_SECONDS))


async def _close_shared_session(slack: AsyncWebClient) -> None:
    if slack.session is not None:
        await slack.session.close()
        slack.session = None
