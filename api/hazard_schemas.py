"""What the hazard, report and statistics routes take in and hand out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.text import StorableText
from patrol.hazards import EscalationLevel, HazardRecord, HazardState, HazardTransition
from patrol.reports.statistics import DecisionRates, Statistics


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime needs a timezone, e.g. 2025-03-10T18:00:00+08:00")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
Note = Annotated[StorableText, Field(max_length=2000)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HazardCreateRequest(_Request):
    event_id: int = Field(ge=1, le=2**31 - 1, description="A confirmed event")
    level: EscalationLevel = EscalationLevel.NOTICE
    deadline: AwareDatetime
    owner: StorableText = Field(min_length=1, max_length=200, description="Who at the school answers for it")
    note: Note = ""


class HazardAdvanceRequest(_Request):
    state: HazardState
    note: Note = ""


class HazardEscalateRequest(_Request):
    deadline: AwareDatetime
    note: Note = ""


class HazardVerifyRequest(_Request):
    note: StorableText = Field(min_length=1, max_length=2000, description="What the officer checked")


class HazardTransitionPublic(BaseModel):
    at: datetime
    by: str
    action: str
    from_state: HazardState | None
    to_state: HazardState
    level: EscalationLevel
    deadline: datetime
    note: str

    @classmethod
    def from_record(cls, t: HazardTransition) -> HazardTransitionPublic:
        return cls(
            at=t.at,
            by=t.by,
            action=t.action.value,
            from_state=t.from_state,
            to_state=t.to_state,
            level=t.level,
            deadline=t.deadline,
            note=t.note,
        )


class HazardPublic(BaseModel):
    id: int
    reference_number: str
    event_id: int
    school_id: str
    camera_id: str
    type: str
    level: EscalationLevel
    state: HazardState
    owner: str
    deadline: datetime
    overdue: bool
    created_at: datetime
    created_by: str
    evidence_at: datetime | None
    evidence_look_id: int | None
    evidence_note: str
    cleared_at: datetime | None
    history: list[HazardTransitionPublic]

    @classmethod
    def from_record(cls, h: HazardRecord, now: datetime) -> HazardPublic:
        return cls(
            id=h.id,
            reference_number=h.reference_number,
            event_id=h.event_id,
            school_id=h.school_id,
            camera_id=h.camera_id,
            type=h.type.value,
            level=h.level,
            state=h.state,
            owner=h.owner,
            deadline=h.deadline,
            overdue=h.overdue(now),
            created_at=h.created_at,
            created_by=h.created_by,
            evidence_at=h.evidence_at,
            evidence_look_id=h.evidence_look_id,
            evidence_note=h.evidence_note,
            cleared_at=h.cleared_at,
            history=[HazardTransitionPublic.from_record(t) for t in h.history],
        )


class HazardsPublic(BaseModel):
    data: list[HazardPublic]
    count: int
    overdue: int


class RatesPublic(BaseModel):
    found: int
    confirmed: int
    dismissed: int
    confirmation_rate: float | None
    dismissal_rate: float | None

    @classmethod
    def from_rates(cls, r: DecisionRates) -> RatesPublic:
        return cls(
            found=r.found,
            confirmed=r.confirmed,
            dismissed=r.dismissed,
            confirmation_rate=r.confirmation_rate,
            dismissal_rate=r.dismissal_rate,
        )


class CoveragePublic(BaseModel):
    camera_id: str
    school_id: str
    looks: int
    looks_ok: int
    expected: float
    achieved: float


class StatsPublic(BaseModel):
    since: datetime
    until: datetime
    found: int
    by_type: dict[str, int]
    by_school: dict[str, int]
    by_day: dict[date, int]
    by_rule: dict[str, RatesPublic]
    by_camera: dict[str, RatesPublic]
    mean_decision_s: float | None
    mean_clearance_s: float | None
    hazards_by_state: dict[str, int]
    hazards_overdue: int
    coverage: list[CoveragePublic]
    coverage_achieved: float
    previous_found: int = Field(description="Found in the period of equal length just before")

    @classmethod
    def from_stats(cls, s: Statistics, previous: Statistics) -> StatsPublic:
        return cls(
            since=s.since,
            until=s.until,
            found=s.found,
            by_type=s.by_type,
            by_school=s.by_school,
            by_day=s.by_day,
            by_rule={k: RatesPublic.from_rates(v) for k, v in s.by_rule.items()},
            by_camera={k: RatesPublic.from_rates(v) for k, v in s.by_camera.items()},
            mean_decision_s=s.mean_decision_s,
            mean_clearance_s=s.mean_clearance_s,
            hazards_by_state=s.hazards_by_state,
            hazards_overdue=s.hazards_overdue,
            coverage=[
                CoveragePublic(
                    camera_id=c.camera_id,
                    school_id=c.school_id,
                    looks=c.looks,
                    looks_ok=c.looks_ok,
                    expected=c.expected,
                    achieved=c.achieved,
                )
                for c in s.coverage
            ],
            coverage_achieved=s.coverage_achieved,
            previous_found=previous.found,
        )
