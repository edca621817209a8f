"""The facts a period's statistics are counted from, read in one session: the events first seen in
it, their hazards, each camera's looks by outcome, and the cameras. The counting is
patrol.reports.statistics' business."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from patrol.store.database import Database, SchoolScope
from patrol.store.tables import CameraRow, EventRow, HazardRow, LookRow
from patrol.types import EventStatus, EventType, LookOutcome


@dataclass(frozen=True)
class EventFact:
    camera_id: str
    school_id: str
    type: EventType
    status: EventStatus
    first_seen: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class HazardFact:
    state: str
    deadline: datetime
    cleared_at: datetime | None
    event_first_seen: datetime


@dataclass(frozen=True)
class CameraPlace:
    camera_id: str
    school_id: str


@dataclass(frozen=True)
class PeriodFacts:
    events: list[EventFact]
    hazards: list[HazardFact]
    # Per camera: its looks in the period, by outcome.
    looks: dict[str, Counter[LookOutcome]] = field(default_factory=dict)
    cameras: list[CameraPlace] = field(default_factory=list)


class StatisticsRepository:
    def __init__(self, database: Database) -> None:
        self._sessions = database.sessions

    def period(self, since: datetime, until: datetime, *, school_ids: SchoolScope = None) -> PeriodFacts:
        """Events first seen in [since, until) with their hazards, looks started in it, every camera."""
        events = select(
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
        with self._sessions() as session:
            event_facts = [
                EventFact(
                    row.camera_id,
                    row.school_id,
                    EventType(row.type),
                    EventStatus(row.status),
                    row.first_seen,
                    row.decided_at,
                )
                for row in session.execute(events)
            ]
            hazard_facts = [
                HazardFact(state, deadline, cleared_at, first_seen)
                for state, deadline, cleared_at, first_seen in session.execute(hazards)
            ]
            look_counts: dict[str, Counter[LookOutcome]] = {}
            for camera_id, outcome, count in session.execute(looks):
                look_counts.setdefault(camera_id, Counter())[LookOutcome(outcome)] += int(count)
            places = [CameraPlace(camera_id, school_id) for camera_id, school_id in session.execute(cameras)]
        return PeriodFacts(event_facts, hazard_facts, look_counts, places)
