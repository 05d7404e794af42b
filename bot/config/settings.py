"""The Settings model: every variable the app reads, its default, its shape rules and what it means."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.config.problems import FIX_HINTS, ConfigError
from bot.devin.models import unknown_suspension_reasons

DEFAULT_ALERT_REASONS = (
    "out_of_credits",
    "out_of_quota",
    "no_quota_allocation",
    "payment_declined",
    "usage_limit_exceeded",
    "org_usage_limit_exceeded",
    "user_usage_limit_exceeded",
    "total_session_limit_exceeded",
    "error",
)
DEFAULT_DATABASE_URL = "sqlite:///devin-insights.db"
CLAIM_SLACK_TIMEOUTS = 3
"""`ALERT_CLAIM_SECONDS` is at least this many Slack timeouts."""

CommaList = Annotated[tuple[str, ...], NoDecode]


class UnfurlMode(StrEnum):
    """How much a link preview shows (`UNFURL_MODE`, and `UNFURL_SHARED_CHANNELS` for Slack Connect)."""

    FULL = "full"
    MINIMAL = "minimal"
    OFF = "off"


class LogFormat(StrEnum):
    """How log lines are written (`LOG_FORMAT`)."""

    TEXT = "text"
    JSON = "json"


class Settings(BaseSettings):
    """Every setting of the app. Built once at start-up and passed down; frozen."""

    # env_ignore_empty: `SLACK_APP_TOKEN=` left empty in a copied .env template means "not set", not "set to ''".
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        frozen=True,
        extra="ignore",
        use_attribute_docstrings=True,
    )

    slack_bot_token: SecretStr | None = None
    """Bot token `xoxb-…`; required to run against Slack."""
    slack_signing_secret: SecretStr | None = None
    """Verifies HTTP-mode requests; required in HTTP mode."""
    slack_app_token: SecretStr | None = None
    """App-level token `xapp-…`; its presence selects Socket Mode."""
    slack_api_url: str = "https://slack.com/api/"
    """Slack Web API base URL; tests and the demo point it at a local stand-in."""
    slack_timeout_seconds: int = Field(default=10, ge=1, le=30)
    """Seconds one Slack call (Web API or `response_url` reply) may take before it counts as timed out."""
    devin_api_key: SecretStr | None = None
    """Devin service-user key `cog_…`."""
    devin_org_id: str | None = None
    """Devin organization id `org-…`."""
    devin_api_url: str = "https://api.devin.ai"
    """Devin API base URL (dedicated tenants differ)."""
    devin_app_url: str = "https://app.devin.ai"
    """Devin web app base URL, for links and unfurl matching."""
    database_url: str = DEFAULT_DATABASE_URL
    """SQLAlchemy URL of the store (SQLite file by default)."""
    alert_channel: str | None = None
    """Channel id that receives suspension alerts by default."""
    alert_reasons: CommaList = DEFAULT_ALERT_REASONS
    """`status_detail` values that raise an alert."""
    # At most an hour: a rarer poll tells a suspension hours late (the poller lease lasts one interval too),
    # and huge values overflow the scheduler at start.
    alert_poll_seconds: int = Field(default=60, ge=1, le=3600)
    """Seconds between polls of the Devin API (at most 3600)."""
    # Huge values put the first window before 1970: a negative `updated_after`.
    alert_lookback_minutes: int = Field(default=60, ge=0, le=43200)
    """On first start, alert only on suspensions newer than this (at most 43200, 30 days)."""
    notify_creators: bool = True
    """DM the person who started a session when it is suspended or waits for them (each may opt out)."""
    notify_waiting_after_minutes: int = Field(default=10, ge=0, le=1440)
    """DM a session's creator once it has waited this long for them (0: at once; at most 1440, a day)."""
    people_cache_hours: int = Field(default=24, ge=1, le=168)
    """How long a person looked up in Devin and Slack (found or not) is remembered (at most 168, a week)."""
    # At most an hour: the claim of a replica that died mid-delivery holds the alert back that long.
    alert_claim_seconds: int = Field(default=120, ge=1, le=3600)
    """How long one replica may work on delivering an alert before another may take it over (at least
    three `SLACK_TIMEOUT_SECONDS`, at most 3600)."""
    port: int = Field(default=3000, ge=1, le=65535)
    """HTTP-mode port."""
    unfurl_mode: UnfurlMode = UnfurlMode.FULL
    """Link previews: full, minimal (title and status) or off."""
    unfurl_shared_channels: UnfurlMode = UnfurlMode.MINIMAL
    """Link previews in Slack Connect channels: minimal by default."""
    work_objects: bool = True
    """Send Work Object entities (unfurls, alerts, the side panel); needs Work Object Previews in the Slack app."""
    allowed_team_ids: CommaList = ()
    """Workspaces (or Grid orgs) allowed to use the app; empty allows the installing workspace only."""
    allowed_channel_ids: CommaList = ()
    """If set, session lookups are answered only in these channels."""
    admin_user_ids: CommaList = ()
    """Users allowed to change alert settings besides workspace admins and owners."""
    log_level: str = "INFO"
    """Logging level of this app's own loggers (libraries stay at INFO or above)."""
    log_format: LogFormat = LogFormat.TEXT
    """`text` (one line per event, key=value context) or `json` (one JSON object per line, for log pipelines)."""
    acu_budget: float | None = Field(default=None, gt=0, allow_inf_nan=False)  # `inf` would never warn
    """ACUs per calendar month (billing days start 08:00 UTC); unset turns budget warnings off."""
    # NoDecode: `50,80,100` is split below; pydantic-settings would JSON-decode it and fail with a traceback.
    acu_budget_thresholds: Annotated[tuple[int, ...], NoDecode] = (50, 80, 100)
    """Percentages of the budget that warn, once each per month."""
    # At most a day: a rarer check tells a crossed threshold days late, and huge values overflow the scheduler.
    budget_check_seconds: int = Field(default=900, ge=1, le=86400)
    """How often usage is checked against the budget (seconds, at most 86400, a day)."""

    @field_validator("alert_reasons", "allowed_team_ids", "allowed_channel_ids", "admin_user_ids", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("acu_budget_thresholds", mode="before")
    @classmethod
    def _split_thresholds(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("acu_budget_thresholds")
    @classmethod
    def _threshold_range(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(not 1 <= t <= 1000 for t in value):
            raise ValueError("must be whole percentages between 1 and 1000")
        return tuple(sorted(set(value)))

    @field_validator("alert_reasons")
    @classmethod
    def _known_reasons(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = unknown_suspension_reasons(value)
        if unknown:
            raise ValueError(f"unknown reason(s) {', '.join(unknown)}")
        return value

    @field_validator("alert_claim_seconds")
    @classmethod
    def _claim_outlasts_slack_calls(cls, value: int, info: ValidationInfo) -> int:
        # A claim covers one Slack call, the store-write retries after it (a third of the claim) and a margin.
        timeout = info.data.get("slack_timeout_seconds")
        if timeout is not None and value < CLAIM_SLACK_TIMEOUTS * timeout:
            raise ValueError(f"must be at least {CLAIM_SLACK_TIMEOUTS} × SLACK_TIMEOUT_SECONDS ({timeout})")
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        return _require_prefix(value, "xoxb-")

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        return _require_prefix(value, "xapp-")

    @field_validator("devin_api_key")
    @classmethod
    def _devin_key_shape(cls, value: SecretStr | None) -> SecretStr | None:
        return _require_prefix(value, "cog_")

    @field_validator("devin_org_id")
    @classmethod
    def _org_shape(cls, value: str | None) -> str | None:
        if value is not None and (not value.startswith("org-") or len(value) < 5 or any(c.isspace() for c in value)):
            raise ValueError("must start with org-")
        return value

    @field_validator("slack_api_url", "devin_api_url", "devin_app_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("devin_api_url", "devin_app_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, value: str) -> str:
        scheme = value.split("://", 1)[0].split("+", 1)[0]
        if "://" not in value or scheme not in ("sqlite", "postgresql", "postgres"):
            raise ValueError("must be a sqlite:// or postgresql:// URL")
        return value

    @field_validator("alert_channel")
    @classmethod
    def _channel_shape(cls, value: str | None) -> str | None:
        if value is not None and not (value[:1] in ("C", "G", "D") and value[1:].isalnum()):
            raise ValueError("must be a channel id such as C0123456789, not a #name")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @property
    def socket_mode(self) -> bool:
        """Socket Mode is selected by the presence of an app-level token."""
        return self.slack_app_token is not None

    @property
    def devin_app_host(self) -> str:
        """Host name of the Devin web app, used to recognise session links."""
        return (urlsplit(self.devin_app_url).hostname or "").lower()

    def require(self, *names: str) -> None:
        """Raise one ConfigError naming every listed setting that is unset."""
        missing = [name for name in names if getattr(self, name) is None]
        if missing:
            lines = [f"  {name.upper()} is not set: {FIX_HINTS.get(name, 'set it')}" for name in missing]
            raise ConfigError("devin-insights cannot start; fix these settings:\n" + "\n".join(lines))


def _require_prefix(value: SecretStr | None, prefix: str) -> SecretStr | None:
    if value is not None and not value.get_secret_value().startswith(prefix):
        # The message must not echo the value: it is a secret, even when malformed.
        raise ValueError(f"must start with {prefix}")
    return value
