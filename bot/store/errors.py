"""The failures a store call can end in when the database is down, slow or refusing: one family to catch."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

STORE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, OSError, TimeoutError)
"""SQLAlchemy wraps most driver errors; a refused or reset connection surfaces as a plain OSError (asyncpg
raises it while connecting, before SQLAlchemy can wrap it), and our own deadlines raise TimeoutError."""

STORE_DOWN_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, ConnectionError)
"""The part of STORE_ERRORS that can only mean the database, for code that also talks HTTP (aiohttp's own
connection errors are OSErrors too, but never builtin ConnectionErrors) and may legitimately take long."""

STORE_REPLY_TIMEOUT_SECONDS = 5.0
"""How long a listener waits on the store before answering with a sentence (a blackholed database would
otherwise hold the reply until the driver's own timeouts, a minute or more)."""


class StoreOpenError(Exception):
    """The store could not be opened at start-up; the message is one line naming `DATABASE_URL` (no password)."""

    def __init__(self, database_url: str, error: BaseException) -> None:
        self.database_url = database_url
        super().__init__(
            f"devin-insights cannot start: the database in DATABASE_URL ({_shown(database_url)}) cannot be "
            f"opened or written: {_reason(error)}. Check the path or server, and that this process may write there."
        )


def _shown(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "unparsable URL"


def _reason(error: BaseException) -> str:
    # SQLAlchemy's text carries the statement and a documentation link; the driver's own error is the reason.
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0][:200]}" if text else type(cause).__name__
