"""Patrol statistics for a period and a jurisdiction, computed from the store in one place:
the API's /stats and every report read these figures."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from patrol.hazards.lifecycle import HazardState, is_overdue
from patrol.store import SchoolScope, Store
from patrol.store.tables import CameraRow, EventRow, HazardRow, LookRow
from patrol.types import EventStatus, LookOutcome


@dataclass(frozen=True)
class DecisionRates:
    found: int
    confirmed: int
    dismissed: int

    @property
    def decided(self) -> int:
        return self.confirmed + self.dismissed

    @property
    def confirmation_rate(self) -> float | None:
        return self.confirmed / self.decided if self.decided else None

    @property
    def dismissal_rate(self) -> float | None:
        """The false-alarm rate officers actually see."""
        return self.dismissed / self.decided if self.decided else None


@dataclass(frozen=True)
class Coverage:
    camera_id: str
    school_id: str
    looks: int
    looks_ok: int
    expected: float

    @property
    def achieved(self) -> float:
        return min(self.looks_ok / self.expected, 1.0) if self.expected else 1.0


@dataclass(frozen=True)
class Statistics:
    since: datetime
    until: datetime
    found: int
    by_type: dict[str, int]
    by_school: dict[str, int]
    by_day: dict[date, int]
    by_rule: dict[str, DecisionRates]
    by_camera: dict[str, DecisionRates]
    mean_decision_s: float | None
    mean_clearance_s: float | None
    hazards_by_state: dict[str, int]
    hazards_overdue: int
    coverage: list[Coverage] = field(default_factory=list)

    @property
    def coverage_achieved(self) -> float:
        return sum(c.achieved for c in self.coverage) / len(self.coverage) if self.coverage else 1.0


def compute(
    store: Store,
    since: datetime,
    until: datetime,
    *,
    now: datetime,
    school_ids: SchoolScope = None,
    timezone: str = "Asia/Shanghai",
    expected_gap_s: float = 1800.0,
) -> Statistics:
    """Events first seen in [since, until); days are local days in `timezone`.

    Coverage counts each camera's looks in the period against one look per `expected_gap_s`.
    """
    zone = ZoneInfo(timezone)
    events = select(
        EventRow.id,
        EventRow.camera_id,
        EventRow.school_id,
        EventRow.type,
        EventRow.status,
        EventRow.first_seen,
        EventRow.decided_at,
    ).where(EventRow.first_seen >= since, EventRow.first_seen < until)
    hazards = (
        select(HazardRow.state, HazardRow.deadline, HazardRow.cleared_at, EventRow.first_seen)
        .join(EventRow, EventRow.id == HazardRow.event_id)
        .where(EventRow.first_seen >= since, EventRow.first_seen < until)
    )
    looks = (
        # count(*), not count(id): answered from the index on (started_at, camera_id, outcome) alone.
        select(LookRow.camera_id, LookRow.outcome, func.count())
        .where(LookRow.started_at >= since, LookRow.started_at < until)
        .group_by(LookRow.camera_id, LookRow.outcome)
    )
    cameras = select(CameraRow.id, CameraRow.school_id).order_by(CameraRow.id)
    if school_ids is not None:
        events = events.where(EventRow.school_id.in_(school_ids))
        hazards = hazards.where(HazardRow.school_id.in_(school_ids))
        looks = looks.join(CameraRow, CameraRow.id == LookRow.camera_id).where(
            CameraRow.school_id.in_(school_ids)
        )
        cameras = cameras.where(CameraRow.school_id.in_(school_ids))
    by_type: Counter[str] = Counter()
    by_school: Counter[str] = Counter()
    by_day: Counter[date] = Counter()
    rule: dict[str, Counter[str]] = {}
    camera: dict[str, Counter[str]] = {}
    decision_s: list[float] = []
    with store.orm_sessions() as session:
        for row in session.execute(events):
            by_type[row.type] += 1
            by_school[row.school_id] += 1
            by_day[row.first_seen.astimezone(zone).date()] += 1
            for tally in (rule.setdefault(row.type, Counter()), camera.setdefault(row.camera_id, Counter())):
                tally[row.status] += 1
            if row.decided_at is not None and row.status != EventStatus.NEW.value:
                decision_s.append((row.decided_at - row.first_seen).total_seconds())
        states: Counter[str] = Counter()
        overdue = 0
        clearance_s: list[float] = []
        for state, deadline, cleared_at, first_seen in session.execute(hazards):
            states[state] += 1
            overdue += is_overdue(HazardState(state), deadline, now)
            if cleared_at is not None:
                clearance_s.append((cleared_at - first_seen).total_seconds())
        look_counts: dict[str, Counter[str]] = {}
        for camera_id, outcome, count in session.execute(looks):
            look_counts.setdefault(camera_id, Counter())[outcome] += int(count)
        camera_rows = list(session.execute(cameras))
    expected = max((until - since) / timedelta(seconds=expected_gap_s), 0.0)
    return Statistics(
        since=since,
        until=until,
        found=sum(by_type.values()),
        by_type=dict(sorted(by_type.items())),
        by_school=dict(sorted(by_school.items())),
        by_day=dict(sorted(by_day.items())),
        by_rule={k: _rates(v) for k, v in sorted(rule.items())},
        by_camera={k: _rates(v) for k, v in sorted(camera.items())},
        mean_decision_s=_mean(decision_s),
        mean_clearance_s=_mean(clearance_s),
        hazards_by_state={state.value: states[state.value] for state in HazardState},
        hazards_overdue=overdue,
        coverage=[
            Coverage(
                row.id,
                row.school_id,
                sum(look_counts.get(row.id, Counter()).values()),
                look_counts.get(row.id, Counter())[LookOutcome.OK.value],
                expected,
            )
            for row in camera_rows
        ],
    )


def previous_period(since: datetime, until: datetime) -> tuple[datetime, datetime]:
    """The period of equal length just before [since, until)."""
    return since - (until - since), since


def _rates(tally: Counter[str]) -> DecisionRates:
    return DecisionRates(
        sum(tally.values()), tally[EventStatus.CONFIRMED.value], tally[EventStatus.DISMISSED.value]
    )


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
