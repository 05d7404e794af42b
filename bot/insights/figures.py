"""The team's figures for a period, aggregated from what Devin returned. Pure: no I/O, no clock.

The app does not invent insights: issue labels and action items are Devin's own analyses, counted.
Where the org endpoints answered, their figures win; where they did not (a permission withheld, an
outage), the session list fills in and the figure is marked as an estimate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from bot.devin.metrics import DailyConsumption, PrMetrics, SessionMetrics
from bot.devin.models import SessionStatus, StatusDetail
from bot.insights.facts import SessionFacts
from bot.insights.period import DAY, Window, billing_day
from bot.people.records import Person

TOP_SESSIONS = 5
LABELS_MAX = 5
ATTENTION_MAX = 10
MERGED = "merged"


@dataclass(frozen=True)
class Gap:
    """A part Devin did not give: `part` is `metrics` or `consumption`; `permission` when a 403 named one."""

    part: str
    permission: str | None = None


@dataclass(frozen=True)
class SessionLine:
    """One session as the card lists it (biggest by ACUs, or needing attention)."""

    session_id: str
    title: str | None
    acus: float
    user_id: str | None
    service_user_id: str | None
    status: str
    status_detail: str | None
    automation_id: str | None = None
    origin: str | None = None
    creator: Person | None = None
    """Who started it, once looked up (`Figures.with_creators`); None: shown by Devin id."""


@dataclass(frozen=True)
class ActionGroup:
    """Devin's action items of one type: how many, and one example."""

    type: str
    count: int
    example: str


@dataclass(frozen=True)
class DayAcus:
    """ACUs of one billing day (`date` is its 08:00 UTC start)."""

    date: int
    acus: float


@dataclass(frozen=True)
class Figures:
    """Everything the summary card, a digest and App Home show for one window."""

    window: Window
    sessions: int
    sessions_previous: int
    by_status: dict[str, int]
    by_origin: dict[str, int]
    merged_sessions: int
    acus: float
    acus_previous: float
    acus_window: Window
    """The billing days the ACU figures cover (consumption is per billing day, from 08:00 UTC)."""
    acus_per_day: list[DayAcus]
    prs_opened: int
    prs_merged: int
    top: list[SessionLine]
    attention: list[SessionLine]
    attention_total: int
    analysed: int
    labels: list[tuple[str, int]]
    action_groups: list[ActionGroup]
    counts_estimated: bool = False
    """Counts come from the session list rather than the metrics endpoints."""
    acus_estimated: bool = False
    """ACUs are summed from sessions rather than read from consumption."""
    gaps: tuple[Gap, ...] = field(default_factory=tuple)

    @property
    def merged_share(self) -> float | None:
        return self.merged_sessions / self.sessions if self.sessions else None

    @property
    def listed(self) -> list[SessionLine]:
        """The sessions the card lists by line (biggest, needing attention): the only ones whose creator it names."""
        return [*self.top, *self.attention]

    def with_creators(self, creators: Mapping[str, Person]) -> Figures:
        """The same figures with each listed session's creator (`creators` by session id; others unchanged)."""

        def named(lines: list[SessionLine]) -> list[SessionLine]:
            return [replace(s, creator=creators[s.session_id]) if s.session_id in creators else s for s in lines]

        return replace(self, top=named(self.top), attention=named(self.attention))


@dataclass(frozen=True)
class OrgData:
    """What one fetch returned; None where a part failed (its `Gap` says why)."""

    sessions: Sequence[SessionFacts]
    """Sessions updated since the start of the previous window (a superset of those created in both windows)."""
    metrics: tuple[SessionMetrics, SessionMetrics] | None = None
    """(this window, the previous one)."""
    prs: PrMetrics | None = None
    consumption: DailyConsumption | None = None
    gaps: tuple[Gap, ...] = ()


def aggregate(data: OrgData, window: Window, *, alert_reasons: Iterable[str]) -> Figures:
    """The figures for `window` from one fetch."""
    created = [s for s in data.sessions if window.holds(s.created_at)]
    before = [s for s in data.sessions if window.previous().holds(s.created_at)]
    counts = _counts(created, before, data.metrics)
    acus, acus_previous, per_day = _acus(created, before, window, data.consumption)
    opened, merged_prs = _prs(created, data.prs)
    analysed = [s for s in created if s.analysis is not None]
    attention = _attention(data.sessions, frozenset(alert_reasons))
    return Figures(
        window=window,
        sessions=counts[0],
        sessions_previous=counts[1],
        by_status=dict(Counter(str(s.status) for s in created).most_common()),
        by_origin=counts[2],
        merged_sessions=counts[3],
        acus=acus,
        acus_previous=acus_previous,
        acus_window=window.billing() if data.consumption is not None else window,
        acus_per_day=per_day,
        prs_opened=opened,
        prs_merged=merged_prs,
        top=[_line(s) for s in sorted(created, key=lambda s: (-s.acus_consumed, s.session_id))[:TOP_SESSIONS]],
        attention=[_line(s) for s in attention[:ATTENTION_MAX]],
        attention_total=len(attention),
        analysed=len(analysed),
        labels=_labels(analysed),
        action_groups=_action_groups(analysed),
        counts_estimated=data.metrics is None,
        acus_estimated=data.consumption is None,
        gaps=data.gaps,
    )


def _merged(session: SessionFacts) -> bool:
    return any(pr.pr_state == MERGED for pr in session.pull_requests)


def _counts(
    created: Sequence[SessionFacts],
    before: Sequence[SessionFacts],
    metrics: tuple[SessionMetrics, SessionMetrics] | None,
) -> tuple[int, int, dict[str, int], int]:
    """(sessions, previous sessions, by origin, sessions with a merged PR)."""
    if metrics is not None:
        now, previous = metrics
        origins = {k: v for k, v in sorted(now.sessions_created_by_origin.items(), key=lambda kv: -kv[1]) if v}
        return now.sessions_created_count, previous.sessions_created_count, origins, now.sessions_with_merged_prs_count
    origins = dict(Counter(str(s.origin or "other") for s in created).most_common())
    return len(created), len(before), origins, sum(1 for s in created if _merged(s))


def _acus(
    created: Sequence[SessionFacts],
    before: Sequence[SessionFacts],
    window: Window,
    consumption: DailyConsumption | None,
) -> tuple[float, float, list[DayAcus]]:
    """(ACUs in the window, in the previous one, per billing day of the window)."""
    first = billing_day(window.start)
    if consumption is not None:
        days = {d.date: d.acus for d in consumption.consumption_by_date}
        length = window.seconds
        current = sum(a for d, a in days.items() if first <= d < window.end)
        previous = sum(a for d, a in days.items() if first - length <= d < first)
    else:
        days = {}
        for session in created:
            day = billing_day(session.created_at)
            days[day] = days.get(day, 0.0) + session.acus_consumed
        current = sum(s.acus_consumed for s in created)
        previous = sum(s.acus_consumed for s in before)
    per_day = [DayAcus(d, round(days.get(d, 0.0), 2)) for d in range(first, window.end, DAY)]
    return round(current, 2), round(previous, 2), per_day


def _prs(created: Sequence[SessionFacts], prs: PrMetrics | None) -> tuple[int, int]:
    if prs is not None:
        return prs.prs_created_count, prs.prs_merged_count
    states = [pr.pr_state for s in created for pr in s.pull_requests]
    return len(states), states.count(MERGED)


def _attention(sessions: Sequence[SessionFacts], reasons: frozenset[str]) -> list[SessionFacts]:
    """Suspended for an alert reason, or waiting for their user: most recently updated first."""
    flagged = [
        s
        for s in sessions
        if (s.status == SessionStatus.SUSPENDED and s.status_detail in reasons)
        or s.status_detail == StatusDetail.WAITING_FOR_USER
    ]
    return sorted(flagged, key=lambda s: (-s.updated_at, s.session_id))


def _labels(analysed: Sequence[SessionFacts]) -> list[tuple[str, int]]:
    """The most common issue labels, counted once per session that raised them."""
    counts: Counter[str] = Counter()
    for session in analysed:
        assert session.analysis is not None
        counts.update({" ".join(i.label.split()) for i in session.analysis.issues if i.label.strip()})
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:LABELS_MAX]


def _action_groups(analysed: Sequence[SessionFacts]) -> list[ActionGroup]:
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for session in analysed:
        assert session.analysis is not None
        for item in session.analysis.action_items:
            if not item.action_item.strip():
                continue
            kind = str(item.type or "other")
            counts[kind] += 1
            examples.setdefault(kind, item.action_item)
    return [ActionGroup(k, n, examples[k]) for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _line(session: SessionFacts) -> SessionLine:
    return SessionLine(
        session_id=session.session_id,
        title=session.title,
        acus=session.acus_consumed,
        user_id=session.user_id,
        service_user_id=session.service_user_id,
        status=str(session.status),
        status_detail=str(session.status_detail) if session.status_detail is not None else None,
        automation_id=session.automation_id,
        origin=str(session.origin) if session.origin is not None else None,
    )
