"""devin-insights: a Slack app for teams that use Devin."""

from __future__ import annotations

__version__ = "0.1.0"
APP_NAME = "devin-insights"
