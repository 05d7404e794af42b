"""Logging set-up with a filter that redacts secrets from every record, wherever they appear."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime

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


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS and not k.startswith("_")}


def one_line(text: str) -> str:
    """A message on one line: libraries' multi-line messages (Bolt's "unhandled request" suggestion with its
    code sample) would otherwise become several log events in a pipeline, most without a level or logger."""
    return " ⏎ ".join(part.strip() for part in text.splitlines() if part.strip()) if "\n" in text else text


class ExtrasFormatter(logging.Formatter):
    """One line per event: the message (flattened) and the `extra=` fields as key=value pairs.

    A traceback, when there is one, still follows on the next lines, as Python prints it."""

    def format(self, record: logging.LogRecord) -> str:
        record.extras = "".join(f" {k}={v!r}" for k, v in sorted(_extras(record).items()))
        record.msg, record.args = one_line(record.getMessage()), None
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """`LOG_FORMAT=json`: one JSON object per line with `ts`, `level`, `logger`, `event` and the extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        entry |= {k: v for k, v in _extras(record).items() if k not in entry}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


class OwnDebugFilter(logging.Filter):
    """Below INFO, only the app's own records pass. Libraries write whole payloads at DEBUG (slack_sdk
    request and response bodies, aiosqlite every statement with its parameters, Bolt's responses), and
    those carry session titles and message text, which the logs must never contain (docs/security.md)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO or record.name == APP_LOGGER or record.name.startswith(APP_LOGGER + ".")


def configure_logging(level: str, secrets: Iterable[str] = (), *, log_format: str = "text") -> None:
    """Root logging to stderr, every handler behind the redacting filter (and the own-DEBUG filter);
    `log_format` is `text` (one line per event) or `json` (one object per line)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else ExtrasFormatter(LOG_FORMAT))
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
