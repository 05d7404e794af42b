"""The failures a store call can end in when the database is down, slow or refusing: one family to catch."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

STORE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, OSError, TimeoutError)
"""SQLAlchemy wraps most driver errors; a refused or reset connection surfaces as a plain OSError (asyncpg
raises it while connecting, before SQLAlchemy can wrap it), and our own deadlines raise TimeoutError."""

STORE_REPLY_TIMEOUT_SECONDS = 5.0
"""How long a listener waits on the store before answering with a sentence (a blackholed database would
otherwise hold the reply until the driver's own timeouts, a minute or more)."""
