"""Typed runtime settings; the only module that reads the environment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.devin.models import SUSPENSION_REASONS, unknown_suspension_reasons

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


# How to fix each variable, shown next to its validation error. Keys are field names.
FIX_HINTS: dict[str, str] = {
    "slack_bot_token": "the Bot User OAuth Token from OAuth & Permissions, starting with xoxb-",
    "slack_signing_secret": "the Signing Secret from Basic Information (needed in HTTP mode)",
    "slack_app_token": "an app-level token with connections:write from Basic Information, starting with xapp-",
    "slack_api_url": "an http(s) URL ending in /api/, e.g. https://slack.com/api/",
    "devin_api_key": "a Devin service-user key starting with cog_ (Settings > Service users)",
    "devin_org_id": "the organization id starting with org- (Settings > Service users)",
    "devin_api_url": "an http(s) URL such as https://api.devin.ai",
    "devin_app_url": "an http(s) URL such as https://app.devin.ai",
    "database_url": "an SQLAlchemy URL: sqlite:///file.db or postgresql://user:pass@host/db",
    "alert_channel": "a Slack channel id such as C0123456789",
    "alert_reasons": f"a comma-separated list of: {', '.join(sorted(SUSPENSION_REASONS))}",
    "alert_poll_seconds": "a whole number of seconds, at least 1",
    "alert_lookback_minutes": "a whole number of minutes, at least 0",
    "notify_waiting_after_minutes": "a whole number of minutes, at least 0",
    "people_cache_hours": "a whole number of hours, at least 1",
    "slack_timeout_seconds": "a whole number of seconds between 1 and 30",
    "alert_claim_seconds": "a whole number of seconds, at least three times SLACK_TIMEOUT_SECONDS (30 by default)",
    "port": "a TCP port between 1 and 65535",
    "unfurl_mode": "one of full, minimal, off",
    "unfurl_shared_channels": "one of full, minimal, off",
    "work_objects": "true or false",
    "allowed_team_ids": "comma-separated Slack workspace ids (T…) or enterprise ids (E…)",
    "allowed_channel_ids": "comma-separated Slack channel ids (C…, G…, D…)",
    "admin_user_ids": "comma-separated Slack user ids (U… or W…)",
    "log_level": "one of DEBUG, INFO, WARNING, ERROR",
    "acu_budget": "a positive number of ACUs per calendar month, or unset to turn budget warnings off",
    "acu_budget_thresholds": "comma-separated whole percentages between 1 and 1000, e.g. 50,80,100",
    "budget_check_seconds": "a whole number of seconds, at least 1",
    "log_format": "text or json",
}


class ConfigError(Exception):
    """A configuration problem, phrased for the person running the app. Never contains a secret."""


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
    alert_poll_seconds: int = Field(default=60, ge=1)
    """Seconds between polls of the Devin API."""
    alert_lookback_minutes: int = Field(default=60, ge=0)
    """On first start, alert only on suspensions newer than this."""
    notify_creators: bool = True
    """DM the person who started a session when it is suspended or waits for them (each may opt out)."""
    notify_waiting_after_minutes: int = Field(default=10, ge=0)
    """DM a session's creator once it has waited this long for them (0: at once)."""
    people_cache_hours: int = Field(default=24, ge=1)
    """How long a person looked up in Devin and Slack (found or not) is remembered."""
    alert_claim_seconds: int = Field(default=120, ge=1)
    """How long one replica may work on delivering an alert before another may take it over (at least
    three `SLACK_TIMEOUT_SECONDS`)."""
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
    acu_budget: float | None = Field(default=None, gt=0)
    """ACUs per calendar month (billing days start 08:00 UTC); unset turns budget warnings off."""
    acu_budget_thresholds: tuple[int, ...] = (50, 80, 100)
    """Percentages of the budget that warn, once each per month."""
    budget_check_seconds: int = Field(default=900, ge=1)
    """How often usage is checked against the budget."""

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


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment (and `.env`); one ConfigError names every bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


@dataclass(frozen=True)
class SettingProblem:
    """One invalid variable: its name, why (never its value) and what it should look like."""

    name: str
    reason: str
    expected: str | None


def load_settings_leniently() -> tuple[Settings, list[SettingProblem]]:
    """Settings with every invalid variable put back to its default, and the problems: `check` reports each
    bad variable and still checks everything the valid ones allow."""
    overrides: dict[str, Any] = {}
    problems: list[SettingProblem] = []
    for _ in range(len(Settings.model_fields) + 1):  # each round fixes at least one field
        try:
            return Settings(**overrides), problems
        except ValidationError as exc:
            for field, reason in _field_errors(exc):
                if field in overrides or field not in Settings.model_fields:
                    raise ConfigError(describe_validation_error(exc)) from None
                problems.append(SettingProblem(field.upper(), reason, FIX_HINTS.get(field)))
                overrides[field] = Settings.model_fields[field].get_default(call_default_factory=True)
    raise AssertionError("unreachable: every round removes an invalid field")  # pragma: no cover


def _field_errors(exc: ValidationError) -> list[tuple[str, str]]:
    errors = []
    for error in exc.errors(include_input=False, include_url=False):
        field = str(error["loc"][0]) if error["loc"] else "?"
        errors.append((field, str(error["msg"]).removeprefix("Value error, ")))
    return errors


def describe_validation_error(exc: ValidationError) -> str:
    """Name every bad variable and how to fix it, without ever including the offending value."""
    lines = []
    for field, reason in _field_errors(exc):
        hint = FIX_HINTS.get(field)
        lines.append(f"  {field.upper()}: {reason}" + (f" (expected {hint})" if hint else ""))
    return "devin-insights cannot start; fix these settings:\n" + "\n".join(lines)


_BOLT_ENV_FALLBACKS = (
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_VERIFICATION_TOKEN",
)


@contextmanager
def bolt_env_guard() -> Iterator[None]:
    """Hide the variables Bolt reads on its own while it is constructed.

    Bolt falls back to `SLACK_BOT_TOKEN`/`SLACK_SIGNING_SECRET` and silently switches to OAuth when
    `SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET` are both set. Settings are the single source of truth,
    so while `AsyncApp` is built those variables are out of its sight.
    """
    saved = {name: os.environ.pop(name) for name in _BOLT_ENV_FALLBACKS if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


README_TABLE_BEGIN = "<!-- settings-table:begin (generated by `python -m bot.config`; a test keeps it in sync) -->"
README_TABLE_END = "<!-- settings-table:end -->"


def settings_table_markdown() -> str:
    """The README's configuration table, generated from the Settings model so the two cannot drift."""
    rows = ["| variable | meaning | default |", "|---|---|---|"]
    for name, info in Settings.model_fields.items():
        default = info.get_default(call_default_factory=True)
        if isinstance(default, tuple):
            shown = ",".join(str(item) for item in default) if default else "(empty)"
        elif default is None:
            shown = "(unset)"
        else:
            shown = str(default.value if isinstance(default, StrEnum) else default)
        meaning = (info.description or "").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{name.upper()}` | {meaning} | `{shown}` |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table_markdown())
