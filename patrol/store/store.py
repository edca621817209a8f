"""The event store: one open event per ongoing condition, evidence files with their hashes."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from patrol.store.records import (
    CameraRecord,
    EventRecord,
    EvidenceRecord,
    Finding,
    LookRecord,
    OnDemandRecord,
    OnDemandRequest,
    SchoolRecord,
)
from patrol.store.tables import Base, CameraRow, EventRow, EvidenceRow, LookRow, OnDemandRow, SchoolRow
from patrol.types import CameraRole, EventStatus, EventType

# An event ongoing all day would otherwise gather hundreds of near-identical frames.
MAX_EVIDENCE_PER_EVENT = 10


class EventNotFound(LookupError):
    pass


class OnDemandNotFound(LookupError):
    pass


class AlreadyDecided(Exception):
    def __init__(self, event: EventRecord) -> None:
        super().__init__(f"event {event.id} is already {event.status}")
        self.event = event


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'patrol.sqlite3'}"


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _durable_sqlite(connection: Any, _record: Any) -> None:
        # WAL lets the dashboard read while the patrol writes; FULL sync keeps every commit.
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


class Store:
    def __init__(self, url: str, evidence_dir: Path) -> None:
        self._engine = _engine(url)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self.evidence_dir = evidence_dir

    def create_schema(self) -> None:
        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        Base.metadata.create_all(self._engine)

    def close(self) -> None:
        self._engine.dispose()

    # Sites ---------------------------------------------------------------------------------

    def sync_sites(self, schools: Sequence[SchoolRecord], cameras: Sequence[CameraRecord]) -> None:
        """Make the school and camera tables match the config (rows of removed cameras stay for history)."""
        with self._sessions.begin() as session:
            for school in schools:
                session.merge(SchoolRow(id=school.id, name=school.name))
            session.flush()
            for camera in cameras:
                session.merge(
                    CameraRow(
                        id=camera.id,
                        school_id=camera.school_id,
                        name=camera.name,
                        role=camera.role.value,
                        stream_redacted=camera.stream_redacted,
                    )
                )

    def list_schools(self) -> list[SchoolRecord]:
        with self._sessions() as session:
            rows = session.scalars(select(SchoolRow).order_by(SchoolRow.id))
            return [SchoolRecord(row.id, row.name) for row in rows]

    def list_cameras(self, *, school_id: str | None = None) -> list[CameraRecord]:
        query = select(CameraRow).order_by(CameraRow.school_id, CameraRow.id)
        if school_id is not None:
            query = query.where(CameraRow.school_id == school_id)
        with self._sessions() as session:
            return [_camera(row) for row in session.scalars(query)]

    # Looks and findings --------------------------------------------------------------------

    def record_look(self, look: LookRecord) -> int:
        with self._sessions.begin() as session:
            row = LookRow(
                camera_id=look.camera_id,
                kind=look.kind.value,
                started_at=look.started_at,
                finished_at=look.finished_at,
                outcome=look.outcome.value,
                frames=look.frames,
                max_persons=look.max_persons,
                detail=look.detail,
            )
            session.add(row)
            session.flush()
            return row.id

    def count_looks(self, *, camera_id: str | None = None) -> int:
        query = select(func.count(LookRow.id))
        if camera_id is not None:
            query = query.where(LookRow.camera_id == camera_id)
        with self._sessions() as session:
            return int(session.scalar(query) or 0)

    def record_finding(self, finding: Finding) -> EventRecord:
        """Open an event for the condition, or extend the one still ongoing."""
        with self._sessions.begin() as session:
            row = self._ongoing(session, finding.camera_id, finding.type)
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
            else:
                row.last_seen = max(row.last_seen, finding.seen_at)
                row.looks = EventRow.looks + 1  # counted by the database, not from a stale read
                row.details = {**row.details, "latest": finding.details}
            if finding.evidence_jpeg is not None:
                stored = session.scalar(
                    select(func.count(EvidenceRow.id)).where(EvidenceRow.event_id == row.id)
                )
                if (stored or 0) < MAX_EVIDENCE_PER_EVENT:
                    session.add(self._write_evidence(row.id, finding))
            session.flush()
            session.refresh(row)
            return self._record(session, row)

    def end_condition(self, camera_id: str, event_type: EventType, seen_at: datetime) -> EventRecord | None:
        """A look no longer shows the condition: the ongoing event, if any, ends."""
        with self._sessions.begin() as session:
            row = self._ongoing(session, camera_id, event_type)
            if row is None:
                return None
            row.ended_at = max(seen_at, row.last_seen)
            session.flush()
            return self._record(session, row)

    def _write_evidence(self, event_id: int, finding: Finding) -> EvidenceRow:
        assert finding.evidence_jpeg is not None
        day = finding.seen_at.strftime("%Y-%m-%d")
        relative = Path(finding.camera_id) / day / f"{event_id}-{uuid.uuid4().hex[:12]}.jpg"
        target = self.evidence_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        # Written and synced before the row commits, so a crash never leaves a row without its file.
        with open(partial, "wb") as handle:
            handle.write(finding.evidence_jpeg)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(target)
        return EvidenceRow(
            event_id=event_id,
            created_at=finding.seen_at,
            relative_path=relative.as_posix(),
            sha256=hashlib.sha256(finding.evidence_jpeg).hexdigest(),
        )

    @staticmethod
    def _ongoing(session: Session, camera_id: str, event_type: EventType) -> EventRow | None:
        query = select(EventRow).where(
            EventRow.camera_id == camera_id,
            EventRow.type == event_type.value,
            EventRow.ended_at.is_(None),
        )
        return session.scalars(query.with_for_update()).first()

    def schools_with_open_hazards(self) -> set[str]:
        """Schools with a condition still ongoing that no officer dismissed: they get re-inspection looks."""
        query = (
            select(EventRow.school_id)
            .where(EventRow.ended_at.is_(None), EventRow.status != EventStatus.DISMISSED.value)
            .distinct()
        )
        with self._sessions() as session:
            return set(session.scalars(query))

    # On-demand patrols ---------------------------------------------------------------------

    def record_on_demand(self, request: OnDemandRequest) -> OnDemandRecord:
        with self._sessions.begin() as session:
            row = OnDemandRow(
                school_id=request.school_id,
                requested_by=request.requested_by,
                requested_at=request.requested_at,
                deadline_at=request.deadline_at,
                cameras=request.cameras,
            )
            session.add(row)
            session.flush()
            session.refresh(row)
            return _on_demand(row)

    def complete_on_demand(self, request_id: int, completed_at: datetime) -> OnDemandRecord:
        with self._sessions.begin() as session:
            row = session.get(OnDemandRow, request_id)
            if row is None:
                raise OnDemandNotFound(request_id)
            row.completed_at = completed_at
            session.flush()
            session.refresh(row)
            return _on_demand(row)

    def get_on_demand(self, request_id: int) -> OnDemandRecord:
        with self._sessions() as session:
            row = session.get(OnDemandRow, request_id)
            if row is None:
                raise OnDemandNotFound(request_id)
            return _on_demand(row)

    def list_on_demand(self, *, school_id: str | None = None, limit: int = 50) -> list[OnDemandRecord]:
        """Newest first."""
        query = select(OnDemandRow).order_by(OnDemandRow.requested_at.desc(), OnDemandRow.id.desc())
        if school_id is not None:
            query = query.where(OnDemandRow.school_id == school_id)
        with self._sessions() as session:
            return [_on_demand(row) for row in session.scalars(query.limit(limit))]

    # Reading and deciding ------------------------------------------------------------------

    def list_events(
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
    ) -> tuple[list[EventRecord], int]:
        """Newest first; `since`/`until` bound the time the condition was last seen."""
        query = select(EventRow)
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
        with self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            page = query.order_by(EventRow.first_seen.desc(), EventRow.id.desc()).offset(offset).limit(limit)
            return [self._record(session, row) for row in session.scalars(page)], int(total)

    def get_event(self, event_id: int) -> EventRecord:
        with self._sessions() as session:
            row = session.get(EventRow, event_id)
            if row is None:
                raise EventNotFound(event_id)
            return self._record(session, row)

    def evidence_file(self, evidence: EvidenceRecord) -> Path:
        return self.evidence_dir / evidence.relative_path

    def decide(self, event_id: int, status: EventStatus, note: str, decided_at: datetime) -> EventRecord:
        if status is EventStatus.NEW:
            raise ValueError("a decision confirms or dismisses")
        with self._sessions.begin() as session:
            # One conditional UPDATE: of two officers deciding at once, exactly one wins,
            # on SQLite too, which ignores row locks.
            decided = session.execute(
                update(EventRow)
                .where(EventRow.id == event_id, EventRow.status == EventStatus.NEW.value)
                .values(status=status.value, decision_note=note, decided_at=decided_at)
            )
            row = session.get(EventRow, event_id, populate_existing=True)
            if row is None:
                raise EventNotFound(event_id)
            if decided.rowcount != 1:  # type: ignore[attr-defined]
                raise AlreadyDecided(self._record(session, row))
            return self._record(session, row)

    @staticmethod
    def _record(session: Session, row: EventRow) -> EventRecord:
        evidence = session.scalars(
            select(EvidenceRow).where(EvidenceRow.event_id == row.id).order_by(EvidenceRow.id)
        )
        return EventRecord(
            id=row.id,
            camera_id=row.camera_id,
            school_id=row.school_id,
            type=EventType(row.type),
            status=EventStatus(row.status),
            first_seen=row.first_seen,
            last_seen=row.last_seen,
            ended_at=row.ended_at,
            looks=row.looks,
            summary=row.summary,
            details=dict(row.details),
            model_name=row.model_name,
            model_sha256=row.model_sha256,
            decided_at=row.decided_at,
            decision_note=row.decision_note,
            evidence=tuple(
                EvidenceRecord(e.id, e.event_id, e.created_at, e.relative_path, e.sha256) for e in evidence
            ),
        )


def _camera(row: CameraRow) -> CameraRecord:
    return CameraRecord(row.id, row.school_id, row.name, CameraRole(row.role), row.stream_redacted)


def _on_demand(row: OnDemandRow) -> OnDemandRecord:
    return OnDemandRecord(
        row.id,
        row.school_id,
        row.requested_by,
        row.requested_at,
        row.deadline_at,
        row.cameras,
        row.completed_at,
    )
