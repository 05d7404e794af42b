"""Typed runtime settings; the only package that reads the environment.

`settings` is the model (every variable, its default and shape rules), `problems` how a bad value is
told (never the value), `loading` reads the environment, `table` renders the README's table
(`python -m bot.config` prints it). Everything is importable from `bot.config`.
"""

from bot.config.loading import bolt_env_guard, load_settings, load_settings_leniently
from bot.config.problems import FIX_HINTS, ConfigError, SettingProblem, describe_validation_error
from bot.config.settings import (
    CLAIM_SLACK_TIMEOUTS,
    DEFAULT_ALERT_REASONS,
    DEFAULT_DATABASE_URL,
    LogFormat,
    Settings,
    UnfurlMode,
)
from bot.config.table import README_TABLE_BEGIN, README_TABLE_END, settings_table_markdown

__all__ = [
    "CLAIM_SLACK_TIMEOUTS",
    "DEFAULT_ALERT_REASONS",
    "DEFAULT_DATABASE_URL",
    "FIX_HINTS",
    "README_TABLE_BEGIN",
    "README_TABLE_END",
    "ConfigError",
    "LogFormat",
    "SettingProblem",
    "Settings",
    "UnfurlMode",
    "bolt_env_guard",
    "describe_validation_error",
    "load_settings",
    "load_settings_leniently",
    "settings_table_markdown",
]
