"""The simulated org's metrics and consumption endpoints: figures consistent with its sessions, 403s as documented."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.insights.period import DAY, billing_day
from bot.sandbox import SANDBOX_API_KEY, SANDBOX_ORG_ID
from bot.sandbox.devin_org import DevinSimulator

ORG = f"/v3/organizations/{SANDBOX_ORG_ID}"


@pytest.fixture
async def org() -> AsyncIterator[tuple[DevinSimulator, httpx.AsyncClient]]:
    async with DevinSimulator() as sim:
        headers = {"Authorization": f"Bearer {SANDBOX_API_KEY}"}
        async with httpx.AsyncClient(base_url=sim.url, headers=headers) as http:
            yield sim, http


async def test_sandbox_session_metrics_count_sessions_created_in_the_window(
    org: tuple[DevinSimulator, httpx.AsyncClient],
) -> None:
    sim, http = org
    now = max(s["created_at"] for s in sim.sessions()) + 1
    after = now - 7 * DAY
    body = (await http.get(f"{ORG}/metrics/sessions", params={"time_after": after, "time_before": now})).json()
    created = [s for s in sim.sessions() if after <= s["created_at"] < now]
    assert body["sessions_created_count"] == len(created)
    assert sum(body["sessions_created_by_origin"].values()) == len(created)
    merged = [s for s in created if any(p["pr_state"] == "merged" for p in s["pull_requests"])]
    assert body["sessions_with_merged_prs_count"] == len(merged)
    prs = (await http.get(f"{ORG}/metrics/prs", params={"time_after": after, "time_before": now})).json()
    assert prs["prs_created_count"] == sum(len(s["pull_requests"]) for s in created)


async def test_sandbox_metrics_need_their_window(org: tuple[DevinSimulator, httpx.AsyncClient]) -> None:
    _, http = org
    response = await http.get(f"{ORG}/metrics/sessions", params={"time_after": 0})
    assert response.status_code == 422 and response.json()["errors"][0]["location"] == "query.time_before"


async def test_sandbox_consumption_adds_up_to_the_sessions_by_billing_day(
    org: tuple[DevinSimulator, httpx.AsyncClient],
) -> None:
    sim, http = org
    now = max(s["created_at"] for s in sim.sessions()) + 1
    after = now - 30 * DAY
    body = (await http.get(f"{ORG}/consumption/daily", params={"time_after": after, "time_before": now})).json()
    days = [d["date"] for d in body["consumption_by_date"]]
    assert days[0] == billing_day(after) and all(b - a == DAY for a, b in zip(days, days[1:], strict=False))
    assert all((d - 8 * 3600) % DAY == 0 for d in days)  # billing days start at 08:00 UTC
    expected = sum(s["acus_consumed"] for s in sim.sessions() if billing_day(after) <= s["created_at"] < now)
    assert body["total_acus"] == pytest.approx(expected, abs=0.01)
    assert sum(d["acus"] for d in body["consumption_by_date"]) == pytest.approx(body["total_acus"], abs=0.01)


@pytest.mark.parametrize(
    ("path", "flag", "permission"),
    [
        ("/metrics/sessions", "metrics_permission", "ViewOrgMetrics"),
        ("/metrics/prs", "metrics_permission", "ViewOrgMetrics"),
        ("/consumption/daily", "consumption_permission", "ViewOrgConsumption"),
    ],
)
async def test_sandbox_withheld_permission_is_a_problem_detail_403(
    org: tuple[DevinSimulator, httpx.AsyncClient], path: str, flag: str, permission: str
) -> None:
    sim, http = org
    setattr(sim, flag, False)
    response = await http.get(ORG + path, params={"time_after": 0, "time_before": 10})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 403 and body["title"] == "Forbidden" and permission in body["detail"]
    other = await http.get(f"/v3/organizations/org-other{path}", params={"time_after": 0, "time_before": 10})
    assert other.status_code == 403 and "ViewOrgSessions" in other.json()["detail"]
