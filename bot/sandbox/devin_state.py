"""The in-memory state of the simulated Devin org: sessions, transcripts, insight generations and list order."""

from __future__ import annotations

import bisect
import copy
import hashlib
import re
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

from bot.sandbox.devin_query import Predicate, Record
from bot.sandbox.devin_seed import generated_analysis, seed_messages, seed_sessions, session_record, synthetic_messages

SESSION_ID_RE = re.compile(r"devin-[0-9a-f]{32}")
INSIGHTS_ONLY_FIELDS = frozenset({"num_user_messages", "num_devin_messages", "session_size", "analysis"})
INTERNAL_FIELDS = frozenset({"schedule_id", "repo_names"})
"""Filterable attributes that the API does not return."""


class SessionPage(NamedTuple):
    """One page of stored records, in list order, before rendering."""

    items: list[Record]
    has_next: bool
    total: int


class DevinOrgState:
    """Sessions of one org and the Python API tests use to change them; no HTTP here."""

    def __init__(
        self,
        *,
        org_id: str,
        seed: bool,
        insights_delay: float,
        clock: Callable[[], float],
        app_url: str,
        recent_billing_suspension: bool,
    ) -> None:
        self.org_id, self.app_url = org_id, app_url.rstrip("/")
        self.insights_delay = insights_delay
        self._clock = clock
        self._sessions: dict[str, Record] = {}
        self._messages: dict[str, list[Record]] = {}
        self._generating: dict[str, float] = {}
        self._order: list[tuple[int, str]] | None = None
        self._totals: dict[Hashable, int] = {}
        """`total` per filter key, valid until a session changes (then both are dropped together)."""
        self._counter = 0
        if seed:
            now = clock()
            for record in seed_sessions(now, recent_billing_suspension=recent_billing_suspension):
                self._sessions[record["session_id"]] = {**record, "org_id": org_id}
            self._messages.update(seed_messages(now))

    # --- Python API for tests and the demo ---------------------------------------------------------

    def session(self, session_id: str) -> Record:
        """A copy of the full stored record (insights fields and internal filter fields included)."""
        return copy.deepcopy(self._sessions[session_id])

    def sessions(self) -> list[Record]:
        return [copy.deepcopy(record) for record in self._sessions.values()]

    def add_session(self, **fields: Any) -> Record:
        """Add one session; every required field gets a sane default. `messages=[…]` sets its transcript."""
        session_id = fields.pop("session_id", None) or self._next_id()
        if not SESSION_ID_RE.fullmatch(session_id):
            raise ValueError("session_id must be 'devin-' followed by 32 lowercase hex digits")
        if session_id in self._sessions:
            raise ValueError(f"session {session_id} already exists")
        messages = fields.pop("messages", None)
        now = int(self._clock())
        fields.setdefault("created_at", now)
        fields.setdefault("updated_at", fields["created_at"])
        defaults = {"url": self._url(session_id), "org_id": self.org_id, "title": f"Sandbox session {self._counter}"}
        self._sessions[session_id] = session_record(session_id, **{**defaults, **fields})
        if messages is not None:
            self._messages[session_id] = list(messages)
        self._changed()
        return self.session(session_id)

    def add_many(self, n: int, *, every: int = 1, **fields: Any) -> list[str]:
        """Add `n` synthetic sessions quickly (benchmarks); created `every` seconds apart, ending now."""
        if "messages" in fields or "session_id" in fields:
            raise ValueError("add_many() takes neither messages nor session_id; use add_session()")
        now = int(self._clock())
        template = session_record("devin-" + "0" * 32, org_id=self.org_id, **fields)
        ids = []
        for index in range(n):
            session_id = self._next_id()
            at = now - (n - index) * every
            # Shallow copy: nested values are shared, which is safe because updates replace values whole.
            record = {**template, "session_id": session_id, "url": self._url(session_id)}
            record["title"] = fields.get("title", f"Synthetic session {index}")
            record["created_at"] = fields.get("created_at", at)
            record["updated_at"] = fields.get("updated_at", at)
            self._sessions[session_id] = record
            ids.append(session_id)
        self._changed()
        return ids

    def update_session(self, session_id: str, **fields: Any) -> Record:
        """Change fields of a session; `updated_at` becomes `clock()` unless given explicitly."""
        record = self._sessions[session_id]
        if fields.get("session_id", session_id) != session_id:
            raise ValueError("session_id cannot change")
        messages = fields.pop("messages", None)
        fields.setdefault("updated_at", int(self._clock()))
        record.update(fields)
        if messages is not None:
            self._messages[session_id] = list(messages)
        self._changed()
        return self.session(session_id)

    def set_status(self, session_id: str, status: str, status_detail: str | None) -> Record:
        """Move a session to another status (bumps `updated_at`, as the poller relies on)."""
        return self.update_session(session_id, status=status, status_detail=status_detail)

    def remove_session(self, session_id: str) -> None:
        del self._sessions[session_id]
        self._messages.pop(session_id, None)
        self._generating.pop(session_id, None)
        self._changed()

    # --- reads and writes behind the /v3 handlers (records returned are the stored ones, not copies) --

    def stored(self) -> list[Record]:
        """Every stored record itself, not a copy: for handlers that only read (metrics over 20,000 sessions)."""
        return list(self._sessions.values())

    def find(self, session_id: str) -> Record | None:
        """The stored record, or None for an unknown or malformed id."""
        return self._sessions.get(session_id) if SESSION_ID_RE.fullmatch(session_id) else None

    def page(
        self,
        first: int,
        keep: Predicate | None,
        after: tuple[Any, ...] | None,
        *,
        low: int | None = None,
        high: int | None = None,
        total_key: Hashable | None = None,
    ) -> SessionPage:
        """Up to `first` records kept by `keep`, ordered by `(updated_at, session_id)`, past the key `after`.

        `low`/`high` (the request's `updated_after`/`updated_before`, which `keep` also checks) only narrow
        the scan; `total_key` names the filters so that `total` is counted once per listing, not per page.
        """
        order = self._ordered()
        begin = 0 if low is None else bisect.bisect_left(order, (low,))
        end = len(order) if high is None else bisect.bisect_left(order, (high,))
        start = begin if after is None else max(begin, bisect.bisect_right(order, after))
        items: list[Record] = []
        has_next = False
        for index in range(start, end):
            record = self._record(order, index)
            if keep is None or keep(record):
                if len(items) == first:
                    has_next = True
                    break
                items.append(record)
        total = self._totals.get(total_key) if total_key is not None else None
        if total is None:
            total = len(order) if keep is None else sum(1 for i in range(begin, end) if keep(self._record(order, i)))
            if total_key is not None:
                self._totals[total_key] = total
        return SessionPage(items, has_next, total)

    def messages_of(self, record: Record) -> list[Record]:
        """The session's transcript; one is made up (and kept) for a session added without messages."""
        messages = self._messages.get(record["session_id"])
        if messages is None:
            messages = self._messages[record["session_id"]] = synthetic_messages(record)
        return messages

    def generate(self, record: Record) -> str:
        """Start generating insights: "started", or "already_exists" when there is an analysis or a run."""
        session_id = record["session_id"]
        self._settle(record)
        if record.get("analysis") is not None or session_id in self._generating:
            return "already_exists"
        self._generating[session_id] = self._clock() + self.insights_delay
        return "started"

    def render(self, record: Record, insights: bool) -> Record:
        """The record as the API returns it: without internal fields, and without insights unless asked."""
        if insights:
            self._settle(record)
        hidden = INTERNAL_FIELDS if insights else INTERNAL_FIELDS | INSIGHTS_ONLY_FIELDS
        return {key: value for key, value in record.items() if key not in hidden}

    # --- helpers -----------------------------------------------------------------------------------

    def _settle(self, record: Record) -> None:
        """Finish a generation whose time has come (checked lazily, on read, by the injected clock)."""
        ready_at = self._generating.get(record["session_id"])
        if ready_at is None or self._clock() < ready_at:
            return
        del self._generating[record["session_id"]]
        if int(record.get("num_devin_messages") or 0) > 0:
            record["analysis"] = generated_analysis(record)

    def _changed(self) -> None:
        self._order = None
        self._totals.clear()

    def _record(self, order: list[tuple[int, str]], index: int) -> Record:
        return self._sessions[order[index][1]]

    def _ordered(self) -> list[tuple[int, str]]:
        if self._order is None:
            self._order = sorted((int(r["updated_at"]), sid) for sid, r in self._sessions.items())
        return self._order

    def _url(self, session_id: str) -> str:
        return f"{self.app_url}/sessions/{session_id.removeprefix('devin-')}"

    def _next_id(self) -> str:
        while True:
            self._counter += 1
            session_id = "devin-" + hashlib.sha256(f"{self.org_id}:{self._counter}".encode()).hexdigest()[:32]
            if session_id not in self._sessions:
                return session_id
