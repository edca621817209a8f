"""The event store: one open event per ongoing condition, evidence files with their hashes."""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, Select, and_, create_engine, event, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from patrol.store.records import (
    AuditEntry,
    AuditRecord,
    CameraHealthRecord,
    CameraMemory,
    CameraRecord,
    DecisionRecord,
    EventRecord,
    EventVersion,
    EvidenceRecord,
    Finding,
    LookRecord,
    OnDemandRecord,
    OnDemandRequest,
    ReferenceRecord,
    SchoolRecord,
)
from patrol.store.retention import PruneReport, RetentionPolicy, prune
from patrol.store.tables import (
    AuditRow,
    CameraMemoryRow,
    CameraReferenceRow,
    CameraRow,
    CameraStatusRow,
    DecisionRow,
    EventRow,
    EvidenceRow,
    HazardRow,
    LookRow,
    OnDemandRow,
    SchoolRow,
)
from patrol.types import (
    CAMERA_HEALTH_TYPES,
    AuditAction,
    CameraRole,
    DecisionReason,
    EventStatus,
    EventType,
    LookOutcome,
)

# The schools a reader may see; None: every school (the county bureau).
SchoolScope = Collection[str] | None

# An event ongoing all day would otherwise gather hundreds of near-identical frames.
MAX_EVIDENCE_PER_EVENT = 10

# Told of every change other systems may want to hear about: (kind, payload), after the commit.
ChangeListener = Callable[[str, dict[str, Any]], None]


class EventNotFound(LookupError):
    pass


class CameraNotFound(LookupError):
    pass


class OnDemandNotFound(LookupError):
    pass


class AlreadyDecided(Exception):
    def __init__(self, event: EventRecord) -> None:
        super().__init__(f"event {event.id} is already {event.status}")
        self.event = event


class NotDecided(Exception):
    """A revision of an event nobody has decided yet."""

    def __init__(self, event: EventRecord) -> None:
        super().__init__(f"event {event.id} has no decision to revise")
        self.event = event


class RevisionConflict(Exception):
    """Someone revised the same decision a moment earlier."""


def _keep_status(session: Session, look: LookRow) -> None:
    """The camera's latest look (and latest good one) into camera_status, in the look's transaction."""
    upsert: Any = (postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(
        CameraStatusRow
    )
    ok_at = look.finished_at if look.outcome == LookOutcome.OK.value else None
    upsert = upsert.values(
        camera_id=look.camera_id,
        last_look_id=look.id,
        last_look_at=look.finished_at,
        last_outcome=look.outcome,
        last_ok_at=ok_at,
    )
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=[CameraStatusRow.camera_id],
            set_={
                "last_look_id": upsert.excluded.last_look_id,
                "last_look_at": upsert.excluded.last_look_at,
                "last_outcome": upsert.excluded.last_outcome,
                "last_ok_at": func.coalesce(upsert.excluded.last_ok_at, CameraStatusRow.last_ok_at),
            },
        )
    )


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
        # A shared database (PostgreSQL) holds the pictures too, so every machine can serve them.
        self.pictures_in_database = self._engine.dialect.name == "postgresql"
        self._listeners: list[ChangeListener] = []

    # Change notices ------------------------------------------------------------------------
    # Announced here, after each commit, so the patrol's looks and the API's decisions reach
    # other systems through one place; a listener must return at once and never raise.

    def add_listener(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    def announce(self, kind: str, payload: dict[str, Any]) -> None:
        for listener in self._listeners:
            try:
                listener(kind, payload)
            except Exception:  # a broken listener must not break a look or a request
                logging.getLogger(__name__).exception("change listener failed")

    def create_schema(self) -> None:
        """A fresh database's tables without running the migrations (tests, scratch databases).

        Processes that serve a county call patrol.store.schema.prepare_schema instead.
        """
        from patrol.store.schema import Migrations

        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        Migrations(self._engine).create_all_at_head()

    def close(self) -> None:
        self._engine.dispose()

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def orm_sessions(self) -> sessionmaker[Session]:
        """For sibling packages whose tables share this database (patrol.accounts)."""
        return self._sessions

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

    def list_schools(self, *, school_ids: SchoolScope = None) -> list[SchoolRecord]:
        query = select(SchoolRow).order_by(SchoolRow.id)
        if school_ids is not None:
            query = query.where(SchoolRow.id.in_(school_ids))
        with self._sessions() as session:
            return [SchoolRecord(row.id, row.name) for row in session.scalars(query)]

    def list_cameras(
        self, *, school_id: str | None = None, school_ids: SchoolScope = None
    ) -> list[CameraRecord]:
        query = select(CameraRow).order_by(CameraRow.school_id, CameraRow.id)
        if school_id is not None:
            query = query.where(CameraRow.school_id == school_id)
        if school_ids is not None:
            query = query.where(CameraRow.school_id.in_(school_ids))
        with self._sessions() as session:
            return [camera_record(row) for row in session.scalars(query)]

    def get_camera(self, camera_id: str, *, school_ids: SchoolScope = None) -> CameraRecord:
        """The camera, if it exists and is at one of `school_ids`; CameraNotFound otherwise."""
        with self._sessions() as session:
            row = session.get(CameraRow, camera_id)
            if row is None or (school_ids is not None and row.school_id not in school_ids):
                raise CameraNotFound(camera_id)
            return camera_record(row)

    def camera_health(self, *, school_ids: SchoolScope = None) -> list[CameraHealthRecord]:
        """Each camera with its ongoing camera problems and its latest look."""
        cameras = (
            select(CameraRow, CameraStatusRow)
            .outerjoin(CameraStatusRow, CameraStatusRow.camera_id == CameraRow.id)
            .order_by(CameraRow.school_id, CameraRow.id)
        )
        ongoing = select(EventRow.camera_id, EventRow.type).where(
            EventRow.ended_at.is_(None),
            EventRow.type.in_([problem.value for problem in CAMERA_HEALTH_TYPES]),
        )
        if school_ids is not None:
            cameras = cameras.where(CameraRow.school_id.in_(school_ids))
            ongoing = ongoing.where(EventRow.school_id.in_(school_ids))
        with self._sessions() as session:
            problems: dict[str, list[EventType]] = {}
            for camera_id, kind in session.execute(ongoing):
                problems.setdefault(camera_id, []).append(EventType(kind))
            return [
                CameraHealthRecord(
                    camera_record(camera),
                    tuple(sorted(problems.get(camera.id, []))),
                    status.last_look_at if status else None,
                    LookOutcome(status.last_outcome) if status else None,
                    status.last_ok_at if status else None,
                )
                for camera, status in session.execute(cameras)
            ]

    # Looks and findings --------------------------------------------------------------------

    def record_look(
        self, look: LookRecord, *, visit_id: str | None = None, memory: CameraMemory | None = None
    ) -> int:
        """The look, and with it (one transaction) the camera's memory and the planner order it answered."""
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
                visit_id=visit_id,
            )
            session.add(row)
            session.flush()
            _keep_status(session, row)
            if memory is not None:
                session.merge(
                    CameraMemoryRow(
                        camera_id=look.camera_id,
                        memory=memory.memory,
                        saved_at=look.finished_at,
                        follow_up_at=memory.follow_up_at,
                    )
                )
            return row.id

    def look_answered(self, visit_id: str) -> bool:
        """Whether a look already answered this planner order (a redelivered order is not run again)."""
        with self._sessions() as session:
            return session.scalar(select(LookRow.id).where(LookRow.visit_id == visit_id)) is not None

    def camera_memory(self, camera_id: str) -> bytes | None:
        with self._sessions() as session:
            row = session.get(CameraMemoryRow, camera_id)
            return None if row is None else row.memory

    def follow_ups_wanted(self) -> dict[str, datetime]:
        """The follow-up looks cameras' rules asked for, by camera: a new planner makes them."""
        query = select(CameraMemoryRow.camera_id, CameraMemoryRow.follow_up_at).where(
            CameraMemoryRow.follow_up_at.is_not(None)
        )
        with self._sessions() as session:
            return {camera_id: at for camera_id, at in session.execute(query) if at is not None}

    def last_looked(self) -> dict[str, datetime]:
        """Each camera's latest look, so a planner that starts keeps every camera's gap clock."""
        query = select(CameraStatusRow.camera_id, CameraStatusRow.last_look_at)
        with self._sessions() as session:
            return {camera_id: at for camera_id, at in session.execute(query)}

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
                created = True
            else:
                created = False
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
            record = _record(session, row)
        if created:
            self.announce("event", event_payload(record, "new"))
        return record

    def end_condition(self, camera_id: str, event_type: EventType, seen_at: datetime) -> EventRecord | None:
        """A look no longer shows the condition: the ongoing event, if any, ends."""
        with self._sessions.begin() as session:
            row = self._ongoing(session, camera_id, event_type)
            if row is None:
                return None
            row.ended_at = max(seen_at, row.last_seen)
            session.flush()
            record = _record(session, row)
        self.announce("event", event_payload(record, "ended"))
        return record

    def _write_evidence(self, event_id: int, finding: Finding) -> EvidenceRow:
        assert finding.evidence_jpeg is not None
        day = finding.seen_at.strftime("%Y-%m-%d")
        relative = Path(finding.camera_id) / day / f"{event_id}-{uuid.uuid4().hex[:12]}.jpg"
        return EvidenceRow(
            event_id=event_id,
            created_at=finding.seen_at,
            relative_path=relative.as_posix(),
            sha256=hashlib.sha256(finding.evidence_jpeg).hexdigest(),
            content=self._keep_picture(relative, finding.evidence_jpeg),
        )

    def _keep_picture(self, relative: Path, jpeg: bytes) -> bytes | None:
        """The picture for its row's `content` (shared database), or written to the evidence folder.

        A file is written and synced before its row commits, so a crash never leaves a row
        without its file; in the database the two commit together."""
        if self.pictures_in_database:
            return jpeg
        _write_durably(self.evidence_dir / relative, jpeg)
        return None

    @staticmethod
    def _ongoing(session: Session, camera_id: str, event_type: EventType) -> EventRow | None:
        query = select(EventRow).where(
            EventRow.camera_id == camera_id,
            EventRow.type == event_type.value,
            EventRow.ended_at.is_(None),
        )
        return session.scalars(query.with_for_update()).first()

    # Reference views ------------------------------------------------------------------------

    def get_reference(self, camera_id: str) -> ReferenceRecord | None:
        with self._sessions() as session:
            row = session.get(CameraReferenceRow, camera_id)
            if row is None:
                return None
            if row.content is not None:
                jpeg = row.content
            else:
                try:
                    jpeg = (self.evidence_dir / row.relative_path).read_bytes()
                except OSError:
                    return None  # a lost file means no reference: the next good look takes one
            return ReferenceRecord(camera_id, jpeg, row.taken_at, row.sharpness, row.dark_share)

    def set_reference(self, reference: ReferenceRecord) -> None:
        relative = Path("references") / f"{reference.camera_id}-{uuid.uuid4().hex[:12]}.jpg"
        content = self._keep_picture(relative, reference.jpeg)
        with self._sessions.begin() as session:
            session.merge(
                CameraReferenceRow(
                    camera_id=reference.camera_id,
                    taken_at=reference.taken_at,
                    relative_path=relative.as_posix(),
                    sha256=hashlib.sha256(reference.jpeg).hexdigest(),
                    sharpness=reference.sharpness,
                    dark_share=reference.dark_share,
                    content=content,
                )
            )

    def reset_reference(self, camera_id: str) -> bool:
        """Forget the reference; the camera's next good look takes a new one."""
        with self._sessions.begin() as session:
            row = session.get(CameraReferenceRow, camera_id)
            if row is None:
                return False
            session.delete(row)
            return True

    # Retention -----------------------------------------------------------------------------

    def prune(
        self,
        policy: RetentionPolicy,
        now: datetime,
        *,
        dry_run: bool = False,
        pause: Callable[[], None] = lambda: None,
    ) -> PruneReport:
        """Delete aged looks and dismissed events' evidence in batches (patrol.store.retention)."""
        return prune(self._sessions, self.evidence_dir, policy, now, dry_run=dry_run, pause=pause)

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
        school_ids: SchoolScope = None,
    ) -> tuple[list[EventRecord], int]:
        """Newest first; `since`/`until` bound the time the condition was last seen."""
        query = _scoped(select(EventRow), school_ids)
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
            return _records(session, rows), total

    def get_event(self, event_id: int, *, school_ids: SchoolScope = None) -> EventRecord:
        """The event, if it exists and is at one of `school_ids`; EventNotFound otherwise."""
        with self._sessions() as session:
            row = session.get(EventRow, event_id)
            if row is None or (school_ids is not None and row.school_id not in school_ids):
                raise EventNotFound(event_id)
            return _record(session, row)

    def event_versions(self, *, school_ids: SchoolScope = None, limit: int = 200) -> list[EventVersion]:
        """The newest events' changing parts, in one cheap query: what a live view polls."""
        query = _scoped(
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
        query = _scoped(
            select(EventRow.type, func.count(EventRow.id)).where(EventRow.status == EventStatus.NEW.value),
            school_ids,
        ).group_by(EventRow.type)
        counts = dict.fromkeys(EventType, 0)
        with self._sessions() as session:
            for kind, count in session.execute(query):
                counts[EventType(kind)] = int(count)
        return counts

    def evidence_file(self, evidence: EvidenceRecord) -> Path:
        """Where a picture kept in the evidence folder lies (SQLite)."""
        return self.evidence_dir / evidence.relative_path

    def evidence_picture(self, evidence: EvidenceRecord) -> bytes:
        """The evidence picture as stored; FileNotFoundError when it is gone. Callers check the hash."""
        with self._sessions() as session:
            content = session.scalar(select(EvidenceRow.content).where(EvidenceRow.id == evidence.id))
        if content is not None:
            return content
        try:
            return self.evidence_file(evidence).read_bytes()
        except IsADirectoryError:
            raise FileNotFoundError(evidence.relative_path) from None

    def decide(
        self,
        event_id: int,
        status: EventStatus,
        note: str,
        decided_at: datetime,
        *,
        reason: DecisionReason | None = None,
        decided_by: str = "",
        role: str = "",
        school_ids: SchoolScope = None,
    ) -> EventRecord:
        """The first decision on a new event; AlreadyDecided if someone decided it before."""
        if status is EventStatus.NEW:
            raise ValueError("a decision confirms or dismisses")
        with self._sessions.begin() as session:
            self._in_scope(session, event_id, school_ids)
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
                raise AlreadyDecided(_record(session, row))
            decision = DecisionRow(
                event_id=event_id,
                decided_by=decided_by,
                role=role,
                status=status.value,
                reason=reason.value if reason else None,
                note=note,
                decided_at=decided_at,
            )
            session.add(decision)
            session.flush()
            record = _record(session, row)
        self.announce("event", event_payload(record, "decided"))
        return record

    def revise(
        self,
        event_id: int,
        status: EventStatus,
        note: str,
        decided_at: datetime,
        *,
        reason: DecisionReason,
        decided_by: str,
        role: str,
        school_ids: SchoolScope = None,
    ) -> EventRecord:
        """A later decision replacing the one in force; the earlier ones stay in the history."""
        if status is EventStatus.NEW:
            raise ValueError("a revision confirms or dismisses")
        try:
            with self._sessions.begin() as session:
                row = self._in_scope(session, event_id, school_ids)
                previous = self._latest_decision(session, event_id)
                if row.status == EventStatus.NEW.value:
                    raise NotDecided(_record(session, row))
                session.add(
                    DecisionRow(
                        event_id=event_id,
                        decided_by=decided_by,
                        role=role,
                        status=status.value,
                        reason=reason.value,
                        note=note,
                        decided_at=decided_at,
                        revision_of=previous.id if previous else None,
                    )
                )
                row.status = status.value
                row.decision_note = note
                row.decided_at = decided_at
                session.flush()
                record = _record(session, row)
        except IntegrityError:
            raise RevisionConflict(f"event {event_id} was revised by someone else a moment ago") from None
        self.announce("event", event_payload(record, "revised"))
        return record

    def decisions(self, event_id: int, *, school_ids: SchoolScope = None) -> list[DecisionRecord]:
        """The event's decision history, oldest first."""
        with self._sessions() as session:
            self._in_scope(session, event_id, school_ids)
            rows = session.scalars(
                select(DecisionRow).where(DecisionRow.event_id == event_id).order_by(DecisionRow.id)
            )
            return [_decision(row) for row in rows]

    @staticmethod
    def _in_scope(session: Session, event_id: int, school_ids: SchoolScope) -> EventRow:
        row = session.get(EventRow, event_id)
        if row is None or (school_ids is not None and row.school_id not in school_ids):
            raise EventNotFound(event_id)
        return row

    @staticmethod
    def _latest_decision(session: Session, event_id: int) -> DecisionRow | None:
        return session.scalars(
            select(DecisionRow)
            .where(DecisionRow.event_id == event_id)
            .order_by(DecisionRow.id.desc())
            .limit(1)
        ).first()

    # Audit log -----------------------------------------------------------------------------

    def append_audit(self, entry: AuditEntry) -> int:
        with self._sessions.begin() as session:
            row = audit_row(entry)
            session.add(row)
            session.flush()
            return row.id

    def list_audit(
        self,
        *,
        school_ids: SchoolScope = None,
        jurisdiction_id: str | None = None,
        username: str | None = None,
        action: AuditAction | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        entry_id: int | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> tuple[list[AuditRecord], int]:
        """Newest first. A scoped reader sees entries about their schools, and their own people's
        entries about no school (logins)."""
        query = select(AuditRow)
        if school_ids is not None:
            query = query.where(
                or_(
                    AuditRow.school_id.in_(school_ids),
                    and_(AuditRow.school_id.is_(None), AuditRow.jurisdiction_id == jurisdiction_id),
                )
            )
        if entry_id is not None:
            query = query.where(AuditRow.id == entry_id)
        if username is not None:
            query = query.where(AuditRow.username == username)
        if action is not None:
            query = query.where(AuditRow.action == action.value)
        if since is not None:
            query = query.where(AuditRow.at >= since)
        if until is not None:
            query = query.where(AuditRow.at < until)
        with self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            page = query.order_by(AuditRow.id.desc()).offset(offset).limit(limit)
            return [_audit(row) for row in session.scalars(page)], int(total)


def event_payload(record: EventRecord, change: str) -> dict[str, Any]:
    """What other systems hear of an event: ids, place, type, state, times; never a stream address."""
    return {
        "event_id": record.id,
        "school_id": record.school_id,
        "camera_id": record.camera_id,
        "type": record.type.value,
        "change": change,
        "status": record.status.value,
        "first_seen": record.first_seen.isoformat(),
        "last_seen": record.last_seen.isoformat(),
        "ended_at": record.ended_at.isoformat() if record.ended_at else None,
        "decided_at": record.decided_at.isoformat() if record.decided_at else None,
    }


def audit_row(entry: AuditEntry) -> AuditRow:
    return AuditRow(
        at=entry.at,
        username=entry.username,
        role=entry.role,
        jurisdiction_id=entry.jurisdiction_id,
        action=entry.action.value,
        target=entry.target,
        school_id=entry.school_id,
        client=entry.client,
        detail=entry.detail,
    )


# Ids per IN list: under the 999 variables an old SQLite allows in one statement.
_IDS_PER_QUERY = 900


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[start : start + _IDS_PER_QUERY] for start in range(0, len(ids), _IDS_PER_QUERY)]


def _records(session: Session, rows: Sequence[EventRow]) -> list[EventRecord]:
    """The events with their evidence and the decision in force: two queries for a page of
    them (two more per further 900 events), never two per event."""
    ids = [row.id for row in rows]
    evidence: dict[int, list[EvidenceRecord]] = {event_id: [] for event_id in ids}
    latest: dict[int, DecisionRecord] = {}
    for chunk in _chunks(ids):
        # The columns only: a row's picture (`content`) is read when it is served.
        for evidence_id, event_id, created_at, relative_path, sha256 in session.execute(
            select(
                EvidenceRow.id,
                EvidenceRow.event_id,
                EvidenceRow.created_at,
                EvidenceRow.relative_path,
                EvidenceRow.sha256,
            )
            .where(EvidenceRow.event_id.in_(chunk))
            .order_by(EvidenceRow.id)
        ):
            evidence[event_id].append(
                EvidenceRecord(evidence_id, event_id, created_at, relative_path, sha256)
            )
        newest = (
            select(func.max(DecisionRow.id))
            .where(DecisionRow.event_id.in_(chunk))
            .group_by(DecisionRow.event_id)
        )
        for d in session.scalars(select(DecisionRow).where(DecisionRow.id.in_(newest))):
            latest[d.event_id] = _decision(d)
    return [
        EventRecord(
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
            evidence=tuple(evidence[row.id]),
            decision=latest.get(row.id),
        )
        for row in rows
    ]


def _record(session: Session, row: EventRow) -> EventRecord:
    return _records(session, [row])[0]


def _write_durably(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(target)


def camera_record(row: CameraRow) -> CameraRecord:
    return CameraRecord(row.id, row.school_id, row.name, CameraRole(row.role), row.stream_redacted)


_Query = TypeVar("_Query", bound=Select)


def _scoped(query: _Query, school_ids: SchoolScope) -> _Query:
    return query if school_ids is None else query.where(EventRow.school_id.in_(school_ids))


def _decision(row: DecisionRow) -> DecisionRecord:
    return DecisionRecord(
        id=row.id,
        event_id=row.event_id,
        decided_by=row.decided_by,
        role=row.role,
        status=EventStatus(row.status),
        reason=DecisionReason(row.reason) if row.reason else None,
        note=row.note,
        decided_at=row.decided_at,
        revision_of=row.revision_of,
    )


def _audit(row: AuditRow) -> AuditRecord:
    return AuditRecord(
        at=row.at,
        username=row.username,
        role=row.role,
        action=AuditAction(row.action),
        target=row.target,
        school_id=row.school_id,
        jurisdiction_id=row.jurisdiction_id,
        client=row.client,
        detail=dict(row.detail or {}),
        id=row.id,
    )


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
