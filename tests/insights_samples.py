"""Inputs for the team-insights tests: sessions as Devin returns them, and the figures aggregated from them."""

from __future__ import annotations

from typing import Any

from bot.devin.metrics import ConsumptionDay, DailyConsumption, PrMetrics, SessionMetrics
from bot.devin.models import SessionInsights
from bot.insights.budget import BudgetStatus
from bot.insights.figures import Figures, Gap, OrgData, aggregate
from bot.insights.period import DAY, Window
from tests.blocks_samples import HOSTILE_TEXT, HOSTILE_TITLE, NOW

REASONS = ("out_of_credits", "error")
WINDOW = Window(NOW - 7 * DAY, NOW)


def hexid(n: int) -> str:
    return f"devin-{n:032x}"


def session(n: int, *, ago: float, acus: float = 1.0, **fields: Any) -> SessionInsights:
    """Session number `n`, created `ago` days before NOW."""
    created = int(NOW - ago * DAY)
    body: dict[str, Any] = {
        "session_id": hexid(n),
        "url": f"https://app.devin.ai/sessions/{n:032x}",
        "status": "exit",
        "created_at": created,
        "updated_at": created + 600,
        "acus_consumed": acus,
        "title": f"Session {n}",
        "user_id": "user-7a41c2e9d3b5",
        "origin": "slack",
        **fields,
    }
    return SessionInsights.model_validate(body)


def analysis(*labels: str, items: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    return {
        "issues": [{"issue": "x", "impact": "High", "label": label} for label in labels],
        "action_items": [{"action_item": text, "type": kind} for kind, text in items],
    }


def merged(repo: str = "acme/web", n: int = 1) -> list[dict[str, Any]]:
    return [{"pr_url": f"https://github.com/{repo}/pull/{n}", "pr_state": "merged"}]


def sessions() -> list[SessionInsights]:
    return [
        session(1, ago=0.5, acus=12.5, pull_requests=merged(), analysis=analysis("Testing", "CI")),
        session(
            2, ago=1.5, acus=3.0, origin="jira", analysis=analysis("Testing", items=(("knowledge", "Add a note"),))
        ),
        session(3, ago=2.5, acus=7.25, status="suspended", status_detail="out_of_credits", title="Billing stopped"),
        session(4, ago=3.5, acus=0.5, status="running", status_detail="waiting_for_user", origin="webapp"),
        session(
            5, ago=6.5, acus=1.0, pull_requests=[{"pr_url": "https://github.com/acme/api/pull/9", "pr_state": "open"}]
        ),
        session(6, ago=9.0, acus=20.0),  # the previous period
        session(7, ago=12.0, acus=4.0, pull_requests=merged()),
    ]


def hostile_sessions() -> list[SessionInsights]:
    rows = sessions()
    rows.append(
        session(
            8,
            ago=0.2,
            acus=99.0,
            title=HOSTILE_TITLE,
            user_id=HOSTILE_TEXT,
            status="suspended",
            status_detail="error",
            analysis=analysis(HOSTILE_TITLE, items=((HOSTILE_TEXT, HOSTILE_TITLE),)),
        )
    )
    return rows


def figures(rows: list[SessionInsights] | None = None, **data: Any) -> Figures:
    """Figures from the session list alone (both org parts missing), unless `data` gives them."""
    org = OrgData(rows if rows is not None else sessions(), **data)
    return aggregate(org, WINDOW, alert_reasons=REASONS)


def degraded() -> Figures:
    gaps = (Gap("metrics", "ViewOrgMetrics"), Gap("consumption", "ViewOrgConsumption"))
    return figures(gaps=gaps)


def with_org_parts() -> Figures:
    metrics = (
        SessionMetrics(
            sessions_created_count=40,
            sessions_with_merged_prs_count=10,
            sessions_created_by_origin={"api": 25, "slack": 15},
        ),
        SessionMetrics(sessions_created_count=32),
    )
    days = [ConsumptionDay(date=WINDOW.billing().start + i * DAY, acus=10.0 + i) for i in range(8)]
    consumption = DailyConsumption(total_acus=sum(d.acus for d in days), consumption_by_date=days)
    return figures(metrics=metrics, prs=PrMetrics(prs_created_count=14, prs_merged_count=9), consumption=consumption)


def budget(**changes: Any) -> BudgetStatus:
    values: dict[str, Any] = {
        "month": "2026-01",
        "used": 412.5,
        "budget": 500.0,
        "threshold": 80,
        "rate_per_day": 31.4,
        "runs_out_at": NOW + 3 * DAY,
        "month_end": NOW + 28 * DAY,
        "checked_at": NOW,
        "estimated": False,
    }
    return BudgetStatus(**(values | changes))
