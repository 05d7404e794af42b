"""The single `@app.error` handler: everything a listener could not explain ends here."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

from blocks import sentences
from bot.slack.respond import Respond

log = logging.getLogger(__name__)


async def handle_error(error: Exception, body: dict[str, Any], respond: Respond | None = None) -> None:
    """Log with the traceback (redacted by the logging filter) and tell the user in one sentence."""
    kind = body.get("type") or ("slash_command" if "command" in body else "unknown")
    log.error("app.unhandled_error", exc_info=error, extra={"request_type": kind})
    if respond is not None and ("command" in body or kind == "block_actions"):
        try:
            await respond(text=sentences.UNEXPECTED, response_type="ephemeral", replace_original=False)
        except (aiohttp.ClientError, TimeoutError, ValueError):  # best effort; the error is already logged
            log.warning("app.error_reply.failed")
