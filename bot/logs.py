"""Logging set-up with a filter that redacts secrets from every record, wherever they appear."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# Token shapes that must never reach a log line even when we do not know the exact value
# (a token pasted into a slash command, a key quoted in a third-party exception, …).
_SECRET_PATTERNS = re.compile(
    r"(xox[a-z](?:\.xox[a-z])?-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,}|cog_[A-Za-z0-9_-]{6,}"
    r"|apk_(?:user_)?[A-Za-z0-9_-]{6,}|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{6,})"
)
REDACTED = "[redacted]"
APP_LOGGER = "bot"
LIBRARIES_KEPT_AT_INFO = ("slack_sdk", "slack_bolt", "aiosqlite", "asyncpg", "aiohttp", "asyncio")
"""Their DEBUG output is dropped anyway; SQLAlchemy is left alone (it sets itself to WARNING, and INFO would
turn on its statement log)."""
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s%(extras)s"
_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "extras"}


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace every known secret and every token-shaped string with a marker."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return _SECRET_PATTERNS.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """Rewrites message, arguments, extras and exception text of each record before any handler sees it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s and len(s) >= 6)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):  # a bad format call must not raise in the code that logs
            message = f"{record.msg} {record.args!r}"
        record.msg = redact(message, self._secrets)
        record.args = None
        for key, value in list(record.__dict__.items()):
            if key in _STANDARD_ATTRS or value is None or isinstance(value, bool | int | float):
                continue
            # Dicts, lists and exceptions are printed with repr() by the formatter: redact that text now.
            setattr(record, key, redact(value if isinstance(value, str) else repr(value), self._secrets))
        if record.exc_info and record.exc_info[1] is not None:
            # Format the traceback now, redacted, so handlers print this text instead of the raw one.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info), self._secrets)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self._secrets)
        return True


class ExtrasFormatter(logging.Formatter):
    """Appends `extra=` fields as key=value pairs, so stable event keys keep their context."""

    def format(self, record: logging.LogRecord) -> str:
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS and not k.startswith("_")}
        record.extras = "".join(f" {k}={v!r}" for k, v in sorted(extras.items()))
        return super().format(record)


class OwnDebugFilter(logging.Filter):
    """Below INFO, only the app's own records pass. Libraries write whole payloads at DEBUG (slack_sdk
    request and response bodies, aiosqlite every statement with its parameters, Bolt's responses), and
    those carry session titles and message text, which the logs must never contain (docs/security.md)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO or record.name == APP_LOGGER or record.name.startswith(APP_LOGGER + ".")


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Root logging to stderr, every handler behind the redacting filter (and the own-DEBUG filter)."""
    handler = logging.StreamHandler()
    handler.setFormatter(ExtrasFormatter(LOG_FORMAT))
    handler.addFilter(OwnDebugFilter())
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("apscheduler", "aiohttp.access", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    for chatty in LIBRARIES_KEPT_AT_INFO:  # they would format payloads only for OwnDebugFilter to drop them
        logging.getLogger(chatty).setLevel(max(logging.INFO, logging.getLevelName(level)))
