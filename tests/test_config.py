"""Settings: every shape rule, `.env` support, one message naming every bad variable, and no secret in it."""

from __future__ import annotations

import re
import traceback
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import (
    DEFAULT_ALERT_REASONS,
    DEFAULT_DATABASE_URL,
    ConfigError,
    Settings,
    UnfurlMode,
    describe_validation_error,
    load_settings,
)
from bot.sandbox.slack_api import SlackStandIn
from bot.slack.client import shared_session, slack_web_client
from bot.slack.respond import ResponseUrlReply

# Distinctive fake secrets: each contains SECRET_MARK, which must never show up in any message.
SECRET_MARK = "FAKESECRET"
BOT_TOKEN = f"xoxb-1111-2222-{SECRET_MARK}bot7f3a9c"
APP_TOKEN = f"xapp-1-A111-{SECRET_MARK}app88aa"
SIGNING_SECRET = f"{SECRET_MARK}signing1d2e3f"
API_KEY = f"cog_{SECRET_MARK}key_c0ffee"
ORG_ID = "org-5c1e9a7d20b84f3e9d6a4b2c8e1f0a37"

VALID_ENV = {
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    "SLACK_APP_TOKEN": APP_TOKEN,
    "DEVIN_API_KEY": API_KEY,
    "DEVIN_ORG_ID": ORG_ID,
}


def set_env(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def config_error(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> ConfigError:
    set_env(monkeypatch, values)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    return caught.value


def all_texts(error: BaseException) -> str:
    return "\n".join([str(error), repr(error), "".join(traceback.format_exception(error))])


def test_settings_defaults_without_environment() -> None:
    settings = load_settings()
    assert settings.slack_bot_token is None and settings.devin_api_key is None and settings.devin_org_id is None
    assert settings.slack_api_url == "https://slack.com/api/"
    assert (settings.devin_api_url, settings.devin_app_url) == ("https://api.devin.ai", "https://app.devin.ai")
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.alert_reasons == DEFAULT_ALERT_REASONS
    assert (settings.alert_poll_seconds, settings.alert_lookback_minutes, settings.port) == (60, 60, 3000)
    assert settings.unfurl_mode is UnfurlMode.FULL and settings.log_level == "INFO"
    assert settings.socket_mode is False and settings.devin_app_host == "app.devin.ai"


def test_settings_valid_environment_keeps_secrets_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, VALID_ENV)
    settings = load_settings()
    assert settings.slack_bot_token is not None and settings.slack_bot_token.get_secret_value() == BOT_TOKEN
    assert settings.devin_api_key is not None and settings.devin_api_key.get_secret_value() == API_KEY
    assert settings.devin_org_id == ORG_ID and settings.socket_mode is True
    assert SECRET_MARK not in repr(settings) and SECRET_MARK not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("variable", "value", "attribute", "expected"),
    [
        ("SLACK_API_URL", "http://127.0.0.1:9999/api", "slack_api_url", "http://127.0.0.1:9999/api/"),
        ("SLACK_API_URL", "https://slack.com/api/", "slack_api_url", "https://slack.com/api/"),
        ("DEVIN_API_URL", "https://api.acme.devinenterprise.com/", "devin_api_url", "https://api.acme.devinenterprise.com"),
        ("DEVIN_API_URL", "http://127.0.0.1:8080", "devin_api_url", "http://127.0.0.1:8080"),
        ("DEVIN_APP_URL", "https://ACME.devinenterprise.com/", "devin_app_host", "acme.devinenterprise.com"),
        ("DEVIN_ORG_ID", "org-x", "devin_org_id", "org-x"),
        ("DATABASE_URL", "sqlite:///data/app.db", "database_url", "sqlite:///data/app.db"),
        ("DATABASE_URL", "postgresql://u:p@db:5432/app", "database_url", "postgresql://u:p@db:5432/app"),
        ("DATABASE_URL", "postgres://u:p@db/app", "database_url", "postgres://u:p@db/app"),
        ("DATABASE_URL", "postgresql+asyncpg://u:p@db/app", "database_url", "postgresql+asyncpg://u:p@db/app"),
        ("ALERT_CHANNEL", "C0123456789", "alert_channel", "C0123456789"),
        ("ALERT_CHANNEL", "G0ABCDEF", "alert_channel", "G0ABCDEF"),
        ("ALERT_REASONS", " out_of_credits , inactivity,, ", "alert_reasons", ("out_of_credits", "inactivity")),
        ("ALERT_REASONS", "error", "alert_reasons", ("error",)),
        ("ALERT_POLL_SECONDS", "1", "alert_poll_seconds", 1),
        ("ALERT_LOOKBACK_MINUTES", "0", "alert_lookback_minutes", 0),
        ("PORT", "65535", "port", 65535),
        ("UNFURL_MODE", "off", "unfurl_mode", UnfurlMode.OFF),
        ("UNFURL_SHARED_CHANNELS", "full", "unfurl_shared_channels", "full"),
        ("ALLOWED_TEAM_IDS", "T0123,E0456", "allowed_team_ids", ("T0123", "E0456")),
        ("ALLOWED_CHANNEL_IDS", "C1, G2 ,D3", "allowed_channel_ids", ("C1", "G2", "D3")),
        ("ADMIN_USER_IDS", "U1,W2", "admin_user_ids", ("U1", "W2")),
        ("LOG_LEVEL", "debug", "log_level", "DEBUG"),
        ("SLACK_APP_TOKEN", "", "slack_app_token", None),  # empty means unset, as in a copied .env template
        ("ALERT_CHANNEL", "", "alert_channel", None),
    ],
)  # fmt: skip
def test_settings_accepts_valid_shapes(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, attribute: str, expected: object
) -> None:
    monkeypatch.setenv(variable, value)
    assert getattr(load_settings(), attribute) == expected


BAD_VALUES = [
    ("SLACK_BOT_TOKEN", f"xoxp-{SECRET_MARK}user", "must start with xoxb-"),
    ("SLACK_APP_TOKEN", f"xoxb-{SECRET_MARK}wrongkind", "must start with xapp-"),
    ("DEVIN_API_KEY", f"apk_{SECRET_MARK}legacy", "must start with cog_"),
    ("DEVIN_API_KEY", f" cog_{SECRET_MARK}padded", "must start with cog_"),
    ("DEVIN_ORG_ID", "5c1e9a7d20b84f3e", "must start with org-"),
    ("DEVIN_ORG_ID", "org-", "must start with org-"),
    ("DEVIN_ORG_ID", "org-abc def", "must start with org-"),
    ("SLACK_API_URL", "slack.com/api/", "must be an http(s) URL"),
    ("SLACK_API_URL", "ftp://slack.com/api/", "must be an http(s) URL"),
    ("DEVIN_API_URL", "api.devin.ai", "must be an http(s) URL"),
    ("DEVIN_APP_URL", "https://", "must be an http(s) URL"),
    ("DATABASE_URL", f"mysql://user:{SECRET_MARK}pw@db/app", "must be a sqlite:// or postgresql:// URL"),
    ("DATABASE_URL", "devin-insights.db", "must be a sqlite:// or postgresql:// URL"),
    ("ALERT_CHANNEL", "#alerts", "not a #name"),
    ("ALERT_CHANNEL", "alerts", "not a #name"),
    ("ALERT_REASONS", "out_of_credits,bogus_reason", "unknown reason(s) bogus_reason"),
    ("ALERT_POLL_SECONDS", "0", "greater than or equal to 1"),
    ("ALERT_POLL_SECONDS", "-5", "greater than or equal to 1"),
    ("ALERT_POLL_SECONDS", "1.5", "valid integer"),
    ("ALERT_POLL_SECONDS", "soon", "valid integer"),
    ("ALERT_LOOKBACK_MINUTES", "-1", "greater than or equal to 0"),
    ("PORT", "0", "greater than or equal to 1"),
    ("PORT", "70000", "less than or equal to 65535"),
    ("UNFURL_MODE", "loud", "'full', 'minimal' or 'off'"),
    ("UNFURL_SHARED_CHANNELS", "all", "'full', 'minimal' or 'off'"),
    ("LOG_LEVEL", "TRACE", "must be DEBUG, INFO, WARNING or ERROR"),
    ("SLACK_TIMEOUT_SECONDS", "0", "greater than or equal to 1"),
    ("SLACK_TIMEOUT_SECONDS", "31", "less than or equal to 30"),
    ("ALERT_CLAIM_SECONDS", "29", "must be at least 3 × SLACK_TIMEOUT_SECONDS (10)"),
]


@pytest.mark.parametrize(("variable", "value", "reason"), BAD_VALUES)
def test_settings_rejects_bad_shape_naming_variable_without_value(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, reason: str
) -> None:
    error = config_error(monkeypatch, {variable: value})
    (line,) = [line for line in str(error).splitlines() if line.startswith(f"  {variable}: ")]
    said, _, hint = line.partition(" (expected ")
    assert reason in said and hint  # every variable comes with a hint saying how to fix it
    if value not in reason:
        assert value not in said  # the offending value is never echoed
    assert SECRET_MARK not in all_texts(error)


@pytest.mark.parametrize(
    ("variable", "value", "attribute", "expected"),
    [
        ("ACU_BUDGET_THRESHOLDS", "50, 80,100", "acu_budget_thresholds", (50, 80, 100)),
        ("ACU_BUDGET_THRESHOLDS", "100,50,80,80", "acu_budget_thresholds", (50, 80, 100)),  # sorted, once each
        ("ACU_BUDGET_THRESHOLDS", " 90 ", "acu_budget_thresholds", (90,)),
        ("ACU_BUDGET_THRESHOLDS", "", "acu_budget_thresholds", (50, 80, 100)),  # empty means unset
        ("ACU_BUDGET", "1500.5", "acu_budget", 1500.5),
        ("ACU_BUDGET", "", "acu_budget", None),
        ("BUDGET_CHECK_SECONDS", "1", "budget_check_seconds", 1),
        ("BUDGET_CHECK_SECONDS", "86400", "budget_check_seconds", 86400),
        ("NOTIFY_WAITING_AFTER_MINUTES", "0", "notify_waiting_after_minutes", 0),
        ("NOTIFY_WAITING_AFTER_MINUTES", "1440", "notify_waiting_after_minutes", 1440),
        ("ALERT_POLL_SECONDS", "3600", "alert_poll_seconds", 3600),
        ("ALERT_LOOKBACK_MINUTES", "43200", "alert_lookback_minutes", 43200),
        ("PEOPLE_CACHE_HOURS", "168", "people_cache_hours", 168),
        ("ALERT_CLAIM_SECONDS", "3600", "alert_claim_seconds", 3600),
    ],
)  # fmt: skip
def test_budget_and_notify_settings_accept_valid_shapes(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, attribute: str, expected: object
) -> None:
    monkeypatch.setenv(variable, value)
    assert getattr(load_settings(), attribute) == expected


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        # A comma list used to reach pydantic-settings' JSON decoding and stop start-up with a traceback.
        ("ACU_BUDGET_THRESHOLDS", "0,abc", "valid integer"),
        ("ACU_BUDGET_THRESHOLDS", "50;80", "valid integer"),
        ("ACU_BUDGET_THRESHOLDS", "50.5", "valid integer"),
        ("ACU_BUDGET_THRESHOLDS", "0,50", "between 1 and 1000"),
        ("ACU_BUDGET_THRESHOLDS", "1001", "between 1 and 1000"),
        ("ACU_BUDGET_THRESHOLDS", ",", "between 1 and 1000"),
        ("ACU_BUDGET", "-1", "greater than 0"),
        ("ACU_BUDGET", "0", "greater than 0"),
        ("ACU_BUDGET", "lots", "valid number"),
        ("ACU_BUDGET", "inf", "finite number"),  # would never warn
        ("BUDGET_CHECK_SECONDS", "0", "greater than or equal to 1"),
        ("BUDGET_CHECK_SECONDS", "1000000000000", "less than or equal to 86400"),  # overflowed the scheduler
        ("NOTIFY_WAITING_AFTER_MINUTES", "-1", "greater than or equal to 0"),
        ("NOTIFY_WAITING_AFTER_MINUTES", "soon", "valid integer"),
        # Each fed to the scheduler or a timer; 10**12 seconds overflowed APScheduler at start.
        ("NOTIFY_WAITING_AFTER_MINUTES", "1441", "less than or equal to 1440"),
        ("ALERT_POLL_SECONDS", "1000000000000", "less than or equal to 3600"),
        ("ALERT_POLL_SECONDS", "3601", "less than or equal to 3600"),
        ("ALERT_LOOKBACK_MINUTES", "43201", "less than or equal to 43200"),
        ("PEOPLE_CACHE_HOURS", "169", "less than or equal to 168"),
        ("PEOPLE_CACHE_HOURS", "1" + "0" * 400, "less than or equal to 168"),
        ("ALERT_CLAIM_SECONDS", "3601", "less than or equal to 3600"),
    ],
)  # fmt: skip
def test_budget_and_notify_settings_reject_bad_values_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, reason: str
) -> None:
    error = config_error(monkeypatch, {variable: value})  # a ConfigError, never a traceback
    (line,) = [line for line in str(error).splitlines() if line.startswith(f"  {variable}: ")]
    said, _, hint = line.partition(" (expected ")
    assert reason in said and hint
    if value not in reason:
        assert value not in said  # the offending value is never echoed


def test_budget_thresholds_from_a_dotenv_file_are_split_too() -> None:
    write_dotenv("ACU_BUDGET=200\nACU_BUDGET_THRESHOLDS=75,90\n")
    settings = load_settings()
    assert (settings.acu_budget, settings.acu_budget_thresholds) == (200.0, (75, 90))


def test_every_default_in_env_example_loads_when_uncommented() -> None:
    # `cp .env.example .env` and uncommenting a default must never stop start-up (the thresholds once did).
    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text(encoding="utf-8")
    defaults = [line.removeprefix("# ") for line in example.splitlines() if re.fullmatch(r"# [A-Z_]+=\S.*", line)]
    assert any(line.startswith("ACU_BUDGET_THRESHOLDS=") for line in defaults)
    write_dotenv("\n".join(defaults) + "\n")
    settings = load_settings()
    assert settings.acu_budget_thresholds == (50, 80, 100) and settings.budget_check_seconds == 900


def test_load_settings_names_every_bad_variable_in_one_message(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = {
        "SLACK_BOT_TOKEN": f"xoxp-{SECRET_MARK}1",
        "SLACK_APP_TOKEN": f"{SECRET_MARK}2",
        "DEVIN_API_KEY": f"apk_{SECRET_MARK}3",
        "DEVIN_ORG_ID": "acme",
        "DATABASE_URL": f"mysql://root:{SECRET_MARK}4@db/x",
        "ALERT_REASONS": "out_of_credits,nonsense",
        "ALERT_POLL_SECONDS": "0",
        "PORT": "http",
    }
    error = config_error(monkeypatch, {**bad, "SLACK_SIGNING_SECRET": f"{SECRET_MARK}5"})
    lines = str(error).splitlines()
    assert lines[0] == "devin-insights cannot start; fix these settings:"
    assert sorted(line.split(":")[0].strip() for line in lines[1:]) == sorted(bad)
    assert SECRET_MARK not in all_texts(error)
    assert error.__cause__ is None and error.__suppress_context__  # the ValidationError (with inputs) is hidden


def test_load_settings_does_not_echo_valid_secrets_when_other_variables_are_bad(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    error = config_error(monkeypatch, {**VALID_ENV, "PORT": "-1"})
    assert "PORT" in str(error)
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, API_KEY):
        assert secret not in all_texts(error)


def test_describe_validation_error_directly() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(devin_api_key=f"nope-{SECRET_MARK}", port=0)  # type: ignore[arg-type]
    message = describe_validation_error(caught.value)
    assert "DEVIN_API_KEY: must start with cog_" in message and "PORT: " in message
    assert SECRET_MARK not in message


def test_load_settings_overrides_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "4000")
    assert load_settings(port=5000).port == 5000
    with pytest.raises(ConfigError, match="PORT"):
        load_settings(port=0)


def test_settings_are_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    with pytest.raises(ValidationError):
        settings.port = 1  # type: ignore[misc]


# --- .env ----------------------------------------------------------------------------------------------


def write_dotenv(text: str) -> Path:
    path = Path.cwd() / ".env"  # the suite runs each test in its own empty working directory
    path.write_text(text, encoding="utf-8")
    return path


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    write_dotenv(
        "# copied from .env.example\n"
        f"SLACK_BOT_TOKEN={BOT_TOKEN}\n"
        f'DEVIN_API_KEY="{API_KEY}"\n'
        f"DEVIN_ORG_ID={ORG_ID}\n"
        "SLACK_APP_TOKEN=\n"
        "ALERT_REASONS=out_of_credits,payment_declined\n"
        "ALERT_POLL_SECONDS=5\n"
        "UNRELATED_VARIABLE=ignored\n"
    )
    settings = load_settings()
    assert settings.slack_bot_token is not None and settings.slack_bot_token.get_secret_value() == BOT_TOKEN
    assert settings.devin_api_key is not None and settings.devin_api_key.get_secret_value() == API_KEY
    assert settings.slack_app_token is None and settings.socket_mode is False
    assert settings.alert_reasons == ("out_of_credits", "payment_declined")
    assert settings.alert_poll_seconds == 5


def test_environment_wins_over_dotenv(monkeypatch: pytest.MonkeyPatch) -> None:
    write_dotenv("ALERT_POLL_SECONDS=5\nPORT=8000\n")
    monkeypatch.setenv("ALERT_POLL_SECONDS", "7")
    settings = load_settings()
    assert (settings.alert_poll_seconds, settings.port) == (7, 8000)


def test_dotenv_bad_values_are_reported_without_secrets() -> None:
    write_dotenv(f"DEVIN_API_KEY=apk_{SECRET_MARK}\nALERT_CHANNEL=#devin\nDEVIN_ORG_ID={ORG_ID}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "DEVIN_API_KEY: must start with cog_" in message and "ALERT_CHANNEL" in message
    assert "DEVIN_ORG_ID" not in message
    assert SECRET_MARK not in all_texts(caught.value)


# --- require ---------------------------------------------------------------------------------------------


def test_require_names_every_missing_setting_with_a_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVIN_ORG_ID", ORG_ID)
    settings = load_settings()
    with pytest.raises(ConfigError) as caught:
        settings.require("slack_bot_token", "devin_api_key", "devin_org_id", "alert_channel")
    message = str(caught.value)
    for variable in ("SLACK_BOT_TOKEN", "DEVIN_API_KEY", "ALERT_CHANNEL"):
        assert f"{variable} is not set" in message
    assert "DEVIN_ORG_ID" not in message
    assert "starting with xoxb-" in message and "starting with cog_" in message


def test_require_passes_when_everything_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, VALID_ENV)
    settings = load_settings()
    settings.require("slack_bot_token", "slack_signing_secret", "slack_app_token", "devin_api_key", "devin_org_id")
    assert settings.devin_org_id == ORG_ID


# --- Slack timeout and the delivery claim ----------------------------------------------------------------


@pytest.mark.parametrize(("timeout", "claim", "ok"), [("2", "6", True), ("2", "5", False), ("30", "90", True)])
def test_the_claim_outlasts_three_slack_timeouts(
    monkeypatch: pytest.MonkeyPatch, timeout: str, claim: str, ok: bool
) -> None:
    set_env(monkeypatch, {"SLACK_TIMEOUT_SECONDS": timeout, "ALERT_CLAIM_SECONDS": claim})
    if ok:
        settings = load_settings()
        assert (settings.slack_timeout_seconds, settings.alert_claim_seconds) == (int(timeout), int(claim))
    else:
        assert f"ALERT_CLAIM_SECONDS: must be at least 3 × SLACK_TIMEOUT_SECONDS ({timeout})" in str(
            config_error(monkeypatch, {})
        )


async def test_the_slack_timeout_reaches_the_client_the_shared_session_and_replies(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = load_settings(slack_bot_token=BOT_TOKEN, slack_timeout_seconds=1)
    client = slack_web_client(settings)
    async with SlackStandIn() as slack:
        client.session = shared_session(client.timeout)
        try:
            assert client.timeout == 1 and client.session.timeout.total == 1
            slack.latency("response_url", 1.2)  # longer than the setting: the reply gives up after 1 s
            await ResponseUrlReply(slack.response_url(), client)(text="late")
        finally:
            await client.session.close()
    assert [r.error for r in caplog.records if r.getMessage() == "slack.respond.failed"] == ["TimeoutError"]
