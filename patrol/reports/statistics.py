"""Patrol statistics for a period and a jurisdiction, computed from the store in one place:
the API's /stats and every report read these figures."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from patrol.hazards.lifecycle import HazardState, is_overdue
from patrol.store import SchoolScope, Store
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
    facts = store.statistics.period(since, until, school_ids=school_ids)
    by_type: Counter[str] = Counter()
    by_school: Counter[str] = Counter()
    by_day: Counter[date] = Counter()
    rule: dict[str, Counter[str]] = {}
    camera: dict[str, Counter[str]] = {}
    decision_s: list[float] = []
    for event in facts.events:
        by_type[event.type.value] += 1
        by_school[event.school_id] += 1
        by_day[event.first_seen.astimezone(zone).date()] += 1
        for tally in (
            rule.setdefault(event.type.value, Counter()),
            camera.setdefault(event.camera_id, Counter()),
        ):
            tally[event.status.value] += 1
        if event.decided_at is not None and event.status is not EventStatus.NEW:
            decision_s.append((event.decided_at - event.first_seen).total_seconds())
    states: Counter[str] = Counter()
    overdue = 0
    clearance_s: list[float] = []
    for hazard in facts.hazards:
        states[hazard.state] += 1
        overdue += is_overdue(HazardState(hazard.state), hazard.deadline, now)
        if hazard.cleared_at is not None:
            clearance_s.append((hazard.cleared_at - hazard.event_first_seen).total_seconds())
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
                place.camera_id,
                place.school_id,
                sum(facts.looks.get(place.camera_id, Counter()).values()),
                facts.looks.get(place.camera_id, Counter())[LookOutcome.OK],
                expected,
            )
            for place in facts.cameras
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
