"""Pydantic models of the org-level Devin endpoints: metrics and daily consumption (reference §16.1–16.2).

Every count defaults to 0 and every mapping to empty, so an answer that leaves a figure out still parses;
the names are the ones the reference copies from the spec.
"""

from __future__ import annotations

from pydantic import Field

from bot.devin.models import DevinModel

PERMISSION_METRICS = "ViewOrgMetrics"
"""What `…/metrics/*` needs (the English page calls it ViewAccountMetrics at org level: probe, don't assume)."""
PERMISSION_CONSUMPTION = "ViewOrgConsumption"
"""What `…/consumption/daily` needs (older English pages: ManageBilling)."""


class SessionMetrics(DevinModel):
    """`GET …/metrics/sessions` for a time window."""

    avg_acus_per_session: float | None = None
    sessions_created_count: int = 0
    sessions_created_with_playbook_count: int = 0
    sessions_created_with_search_count: int = 0
    sessions_with_merged_prs_count: int = 0
    sessions_created_by_origin: dict[str, int] = Field(default_factory=dict)
    """Counts per origin (api, automation, desktop, jira, linear, slack, teams, webapp; open set)."""
    sessions_created_by_size: dict[str, int] = Field(default_factory=dict)
    sessions_with_merged_prs_by_size: dict[str, int] = Field(default_factory=dict)


class PrMetrics(DevinModel):
    """`GET …/metrics/prs` for a time window."""

    prs_created_count: int = 0
    prs_opened_count: int = 0
    prs_merged_count: int = 0
    prs_closed_count: int = 0


class ConsumptionDay(DevinModel):
    """One billing day; `date` is its start (08:00 UTC) in Unix seconds."""

    date: int
    acus: float = 0.0
    acus_by_product: dict[str, float] = Field(default_factory=dict)
    """devin, cascade, terminal, review; a missing product counts as 0."""


class DailyConsumption(DevinModel):
    """`GET …/consumption/daily`."""

    total_acus: float = 0.0
    consumption_by_date: list[ConsumptionDay] = Field(default_factory=list)
