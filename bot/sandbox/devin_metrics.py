"""The simulated org's metrics and consumption endpoints (reference §16.1–16.2), computed from its sessions.

Choices where the reference leaves room (tests rely on them):

- A session counts in the window its `created_at` falls in (`time_after` inclusive, `time_before` exclusive);
  its pull requests count there too, and so do its ACUs: consumption puts a session's whole
  `acus_consumed` on the billing day it was created, so the daily figures add up to the session sums.
- Billing days start at 08:00 UTC; `consumption/daily` lists the days that start in
  `[billing day of time_after, time_before)`, empty days included.
- A permission the key lacks answers 403 with an RFC 9457 ProblemDetail naming it (§17), as every error here does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, Protocol

from aiohttp import web

from bot.sandbox.devin_problem import problem_response
from bot.sandbox.devin_query import Record, Reject, query_int

DAY = 86_400
BILLING_DAY_OFFSET = 8 * 3600
"""Devin's billing days start at 08:00 UTC (midnight PST)."""
PERMISSION_METRICS = "ViewOrgMetrics"
PERMISSION_CONSUMPTION = "ViewOrgConsumption"


class MetricsOrg(Protocol):
    """What the metrics routes use: the stored sessions, the key's two rights and the org check (`DevinSimulator`)."""

    @property
    def metrics_permission(self) -> bool: ...

    @property
    def consumption_permission(self) -> bool: ...

    def check_org(self, request: web.Request) -> None: ...

    def stored(self) -> list[Record]: ...


def forbidden(permission: str, instance: str) -> web.Response:
    """403 with a ProblemDetail body naming the permission the key lacks."""
    return problem_response(403, f"Service user lacks required permission: {permission}", instance=instance)


def billing_day(ts: int) -> int:
    """The start (Unix seconds) of the billing day holding `ts`."""
    return (ts - BILLING_DAY_OFFSET) // DAY * DAY + BILLING_DAY_OFFSET


def add_metrics_routes(app: web.Application, org: MetricsOrg) -> None:
    """Register `…/metrics/sessions`, `…/metrics/prs` and `…/consumption/daily`."""
    prefix = "/v3/organizations/{org_id}"
    routes = _Routes(org)
    app.router.add_get(f"{prefix}/metrics/sessions", routes.sessions)
    app.router.add_get(f"{prefix}/metrics/prs", routes.prs)
    app.router.add_get(f"{prefix}/consumption/daily", routes.consumption)


class _Routes:
    def __init__(self, org: MetricsOrg) -> None:
        self._org = org

    def _created_in(self, request: web.Request) -> list[Record]:
        after, before = _window(request, required=True)
        assert after is not None and before is not None
        return [r for r in self._org.stored() if after <= int(r["created_at"]) < before]

    async def sessions(self, request: web.Request) -> web.Response:
        self._org.check_org(request)
        if not self._org.metrics_permission:
            return forbidden(PERMISSION_METRICS, request.path)
        return web.json_response(session_metrics(self._created_in(request)))

    async def prs(self, request: web.Request) -> web.Response:
        self._org.check_org(request)
        if not self._org.metrics_permission:
            return forbidden(PERMISSION_METRICS, request.path)
        return web.json_response(pr_metrics(self._created_in(request)))

    async def consumption(self, request: web.Request) -> web.Response:
        self._org.check_org(request)
        if not self._org.consumption_permission:
            return forbidden(PERMISSION_CONSUMPTION, request.path)
        after, before = _window(request, required=False)
        return web.json_response(daily_consumption(self._org.stored(), after, before))


def _window(request: web.Request, *, required: bool) -> tuple[int | None, int | None]:
    after = query_int(request, "time_after", low=0)
    before = query_int(request, "time_before", low=0)
    if required and (after is None or before is None):
        missing = "time_after" if after is None else "time_before"
        raise Reject(422, [{"loc": ["query", missing], "msg": "Field required", "type": "missing"}])
    return after, before


def _merged(record: Record) -> bool:
    return any((pr or {}).get("pr_state") == "merged" for pr in record.get("pull_requests") or [])


def session_metrics(records: Iterable[Record]) -> dict[str, Any]:
    """`metrics/sessions` over the given sessions."""
    rows = list(records)
    merged = [r for r in rows if _merged(r)]
    acus = sum(float(r.get("acus_consumed") or 0) for r in rows)
    return {
        "avg_acus_per_session": round(acus / len(rows), 4) if rows else None,
        "sessions_created_count": len(rows),
        "sessions_created_with_playbook_count": sum(1 for r in rows if r.get("playbook_id")),
        "sessions_created_with_search_count": 0,
        "sessions_with_merged_prs_count": len(merged),
        "sessions_created_by_origin": dict(Counter(str(r.get("origin") or "other") for r in rows)),
        "sessions_created_by_size": dict(Counter(str(r.get("session_size") or "xs") for r in rows)),
        "sessions_with_merged_prs_by_size": dict(Counter(str(r.get("session_size") or "xs") for r in merged)),
    }


def pr_metrics(records: Iterable[Record]) -> dict[str, int]:
    """`metrics/prs`: every PR of the given sessions counts as created; the others by their state now."""
    states = [(pr or {}).get("pr_state") for r in records for pr in r.get("pull_requests") or []]
    return {
        "prs_created_count": len(states),
        "prs_opened_count": states.count("open"),
        "prs_merged_count": states.count("merged"),
        "prs_closed_count": states.count("closed"),
    }


def daily_consumption(records: Iterable[Record], after: int | None, before: int | None) -> dict[str, Any]:
    """`consumption/daily`: each session's ACUs on the billing day it was created; empty days listed as 0."""
    by_day: dict[int, float] = {}
    for record in records:
        day = billing_day(int(record["created_at"]))
        by_day[day] = by_day.get(day, 0.0) + float(record.get("acus_consumed") or 0)
    first = billing_day(after) if after is not None else min(by_day, default=0)
    end = before if before is not None else max(by_day, default=-DAY) + DAY
    days = range(first, end, DAY)
    acus = [round(by_day.get(day, 0.0), 4) for day in days]
    items = [
        {"date": day, "acus": value, "acus_by_product": {"devin": value}} for day, value in zip(days, acus, strict=True)
    ]
    return {"total_acus": round(sum(acus), 4), "consumption_by_date": items}
