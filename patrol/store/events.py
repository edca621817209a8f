"""Events: one per ongoing condition, opened and extended by findings, read by the dashboard."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from patrol.records import EventRecord, EventVersion, Finding
from patrol.store.database import Database, SchoolScope
from patrol.store.event_records import event_in_scope, event_payload, event_record, event_records, scoped
from patrol.store.evidence import EvidenceRepository
from patrol.store.tables import CameraRow, EventRow, HazardRow
from patrol.types import EventStatus, EventType


class EventRepository:
    def __init__(self, database: Database, evidence: EvidenceRepository) -> None:
        self._database = database
        self._sessions = database.sessions
        self._evidence = evidence

    # Findings ------------------------------------------------------------------------------

    def record_finding(self, finding: Finding) -> EventRecord:
        """Open an event for the condition, or extend the one still ongoing."""
        with self._sessions.begin() as session:
            row = _ongoing(session, finding.camera_id, finding.type)
            if row is None:
                camera = session.get(CameraRow, finding.camera_id)
                if camera is None:
                    raise LookupError(f"unknown camera {finding.camera_id!r}")
                row = EventRow(
                    camera_id=finding.camera_id,
                    school_id=camera.school_id,
                    type=finding.type.value,
                    status=EventStatus.NEW.value,
                    first_seen=finding.seen_at,
                    last_seen=finding.seen_at,
                    looks=1,
                    summary=finding.summary,
                    details=finding.details,
                    model_name=finding.model_name,
                    model_sha256=finding.model_sha256,
                )
                session.add(row)
                session.flush()
                created = True
            else:
                created = False
                row.last_seen = max(row.last_seen, finding.seen_at)
                row.looks = EventRow.looks + 1  # counted by the database, not from a stale read
                row.details = {**row.details, "latest": finding.details}
            self._evidence.add(session, row.id, finding)
            session.flush()
            session.refresh(row)
            record = event_record(session, row)
        if created:
            self._database.announce("event", event_payload(record, "new"))
        return record

    def end_condition(self, camera_id: str, event_type: EventType, seen_at: datetime) -> EventRecord | None:
        """A look no longer shows the condition: the ongoing event, if any, ends."""
        with self._sessions.begin() as session:
            row = _ongoing(session, camera_id, event_type)
            if row is None:
                return None
            row.ended_at = max(seen_at, row.last_seen)
            session.flush()
            record = event_record(session, row)
        self._database.announce("event", event_payload(record, "ended"))
        return record

    # Reading -------------------------------------------------------------------------------

    def page(
        self,
        *,
        school_id: str | None = None,
        camera_id: str | None = None,
        event_type: EventType | None = None,
        status: EventStatus | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        offset: int = 0,
        limit: int = 50,
        school_ids: SchoolScope = None,
    ) -> tuple[list[EventRecord], int]:
        """Newest first; `since`/`until` bound the time the condition was last seen."""
        query = scoped(select(EventRow), school_ids)
        if school_id is not None:
            query = query.where(EventRow.school_id == school_id)
        if camera_id is not None:
            query = query.where(EventRow.camera_id == camera_id)
        if event_type is not None:
            query = query.where(EventRow.type == event_type.value)
        if status is not None:
            query = query.where(EventRow.status == status.value)
        if since is not None:
            query = query.where(EventRow.last_seen >= since)
        if until is not None:
            query = query.where(EventRow.first_seen < until)
        page = query.order_by(EventRow.first_seen.desc(), EventRow.id.desc()).offset(offset).limit(limit)
        with self._sessions() as session:
            rows = list(session.scalars(page)) if limit else []
            if limit and (0 < len(rows) < limit or (not rows and offset == 0)):
                total = offset + len(rows)  # the last page: counted without a query
            else:
                counted = query.with_only_columns(func.count(EventRow.id)).order_by(None)
                total = int(session.scalar(counted) or 0)
            return event_records(session, rows), total

    def get(self, event_id: int, *, school_ids: SchoolScope = None) -> EventRecord:
        """The event, if it exists and is at one of `school_ids`; EventNotFound otherwise."""
        with self._sessions() as session:
            return event_record(session, event_in_scope(session, event_id, school_ids))

    def versions(self, *, school_ids: SchoolScope = None, limit: int = 200) -> list[EventVersion]:
        """The newest events' changing parts, in one cheap query: what a live view polls."""
        query = scoped(
            select(
                EventRow.id,
                EventRow.status,
                EventRow.looks,
                EventRow.last_seen,
                EventRow.ended_at,
                EventRow.decided_at,
            ),
            school_ids,
        )
        query = query.order_by(EventRow.first_seen.desc(), EventRow.id.desc()).limit(limit)
        with self._sessions() as session:
            return [
                EventVersion(
                    row.id, EventStatus(row.status), row.looks, row.last_seen, row.ended_at, row.decided_at
                )
                for row in session.execute(query)
            ]

    def open_counts(self, *, school_ids: SchoolScope = None) -> dict[EventType, int]:
        """Events waiting for a decision, by type (every type present, zero where none)."""
        query = scoped(
            select(EventRow.type, func.count(EventRow.id)).where(EventRow.status == EventStatus.NEW.value),
            school_ids,
        ).group_by(EventRow.type)
        counts = dict.fromkeys(EventType, 0)
        with self._sessions() as session:
            for kind, count in session.execute(query):
                counts[EventType(kind)] = int(count)
        return counts

    def schools_with_open_hazards(self) -> set[str]:
        """Schools with a condition still ongoing that no officer dismissed, or with a registered
        hazard not yet cleared: they get re-inspection looks."""
        ongoing = (
            select(EventRow.school_id)
            .where(EventRow.ended_at.is_(None), EventRow.status != EventStatus.DISMISSED.value)
            .distinct()
        )
        registered = select(HazardRow.school_id).where(HazardRow.state != "cleared").distinct()
        with self._sessions() as session:
            return set(session.scalars(ongoing)) | set(session.scalars(registered))


def _ongoing(session: Session, camera_id: str, event_type: EventType) -> EventRow | None:
    query = select(EventRow).where(
        EventRow.camera_id == camera_id,
        EventRow.type == event_type.value,
        EventRow.ended_at.is_(None),
    )
    return session.scalars(query.with_for_update()).first()
