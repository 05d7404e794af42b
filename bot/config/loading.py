"""Reading the environment: settings from it (and `.env`), and keeping Bolt from reading it on its own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError

from bot.config.problems import FIX_HINTS, ConfigError, SettingProblem, describe_validation_error, field_errors
from bot.config.settings import Settings


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment (and `.env`); one ConfigError names every bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


def load_settings_leniently() -> tuple[Settings, list[SettingProblem]]:
    """Settings with every invalid variable put back to its default, and the problems: `check` reports each
    bad variable and still checks everything the valid ones allow."""
    overrides: dict[str, Any] = {}
    problems: list[SettingProblem] = []
    for _ in range(len(Settings.model_fields) + 1):  # each round fixes at least one field
        try:
            return Settings(**overrides), problems
        except ValidationError as exc:
            for field, reason in field_errors(exc):
                if field in overrides or field not in Settings.model_fields:
                    raise ConfigError(describe_validation_error(exc)) from None
                problems.append(SettingProblem(field.upper(), reason, FIX_HINTS.get(field)))
                overrides[field] = Settings.model_fields[field].get_default(call_default_factory=True)
    raise AssertionError("unreachable: every round removes an invalid field")  # pragma: no cover


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
