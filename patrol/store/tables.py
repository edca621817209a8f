"""SQLAlchemy tables. Rows stay inside the store; callers get frozen records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class SchoolRow(Base):
    __tablename__ = "schools"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class CameraRow(Base):
    __tablename__ = "cameras"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    # The stream address with credentials removed; the real one lives only in the config.
    stream_redacted: Mapped[str] = mapped_column(String(500))


class ImportedCameraRow(Base):
    """How a camera imported from a registry sheet is reached and judged; `cameras` holds its
    name, school and role like any camera's. Never a password: only the name of the environment
    variable that holds it."""

    __tablename__ = "imported_cameras"

    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"), primary_key=True)
    # RTSP address as the sheet wrote it (${VAR} placeholders kept) or as ONVIF gave it.
    stream: Mapped[str] = mapped_column(String(500))
    username: Mapped[str | None] = mapped_column(String(64), nullable=True)
    credentials: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # Where the stream address came from, when from ONVIF: kept so an import can be refreshed.
    onvif_address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    onvif_profile: Mapped[str | None] = mapped_column(String(64), nullable=True)
    template: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Zones, lines and rules (a camera view of the config), copied from the template at import.
    view: Mapped[dict[str, Any]] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    imported_by: Mapped[str] = mapped_column(String(64))


class LookRow(Base):
    __tablename__ = "looks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    frames: Mapped[int] = mapped_column(Integer, default=0)
    max_persons: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str] = mapped_column(Text, default="")
    # The planner's order this look answered: a redelivered order finds it done and is not run twice.
    visit_id: Mapped[str | None] = mapped_column(String(36), nullable=True, unique=True, index=True)

    __table_args__ = (
        # The statistics count each camera's looks by outcome over a period from this index alone;
        # retention finds the old looks by its first column.
        Index("ix_looks_started_at_camera_id_outcome", "started_at", "camera_id", "outcome"),
    )


class CameraMemoryRow(Base):
    """What a camera's rules and health check remember between looks (patrol.camera_memory),
    saved with each look, so any worker judges the camera's next look."""

    __tablename__ = "camera_memory"

    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"), primary_key=True)
    memory: Mapped[bytes] = mapped_column(LargeBinary)
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # A follow-up look the rules asked for, so a planner that starts afresh still makes it.
    follow_up_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class CameraStatusRow(Base):
    """Each camera's latest look, kept with every look, so camera health never scans `looks`."""

    __tablename__ = "camera_status"

    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"), primary_key=True)
    # No foreign key: retention may delete old looks, and this row outlives them.
    last_look_id: Mapped[int] = mapped_column(Integer)
    last_look_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_outcome: Mapped[str] = mapped_column(String(16))
    last_ok_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


# The events list's filters, each with an index ending in first_seen (migration 0003).
EVENT_FILTERS = ("school_id", "camera_id", "type", "status")


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"))
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"))
    type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set when a later look no longer shows the condition; an event without it is ongoing.
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    looks: Mapped[int] = mapped_column(Integer, default=1)
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    model_name: Mapped[str] = mapped_column(String(100), default="")
    model_sha256: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        # The events list filters by one of these and shows the newest first: each index gives
        # the filtered page in order, without sorting the whole match.
        *(Index(f"ix_events_{column}_first_seen", column, "first_seen") for column in EVENT_FILTERS),
        # At most one ongoing event per camera and condition, even if two writers race.
        Index(
            "one_ongoing_event",
            "camera_id",
            "type",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )


class EvidenceRow(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    relative_path: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    # The picture itself where the database is shared by several machines (PostgreSQL); with
    # SQLite it lies in the evidence folder at relative_path.
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class CameraReferenceRow(Base):
    """The picture a camera's view is compared with, to notice it was moved."""

    __tablename__ = "camera_references"

    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"), primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    relative_path: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    sharpness: Mapped[float] = mapped_column(Float)
    dark_share: Mapped[float] = mapped_column(Float)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # as evidence.content


class LabelledViewRow(Base):
    """A view of a camera an administrator labelled (a gate "closed", "open") for a rule to compare
    looks with; kept in the database, small, so every worker reads the same one."""

    __tablename__ = "labelled_views"

    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"), primary_key=True)
    label: Mapped[str] = mapped_column(String(32), primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    taken_by: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class CameraViewVersionRow(Base):
    """Every saved change of an imported camera's view (zones, lines, rules): who, when, the view
    before and after. Rows are never changed; a rollback is a new version."""

    __tablename__ = "camera_view_versions"

    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime)
    saved_by: Mapped[str] = mapped_column(String(64))
    # The version whose view this one restored; null for an edit.
    restored_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)


class DecisionRow(Base):
    """Every decision on an event, the first and each supervisor's revision; rows are never changed."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    decided_by: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Unique: of two supervisors revising the same decision at once, one wins and the other is told.
    revision_of: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), nullable=True, unique=True)


class AuditRow(Base):
    """Who did what, when, from where. Append-only: triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(32), default="")
    # The acting user's jurisdiction: a station's supervisors see their own people's logins.
    jurisdiction_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    # The school the action touched, if any: scopes who may read the entry.
    school_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    client: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# Triggers that keep the audit log append-only, by dialect; `patrol db check` looks for them.
APPEND_ONLY_TRIGGERS = {
    "sqlite": frozenset({"audit_log_no_update", "audit_log_no_delete"}),
    "postgresql": frozenset({"audit_log_append_only"}),
}
_APPEND_ONLY_SQLITE = [
    DDL(
        f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    ).execute_if(dialect="sqlite")
    for verb in ("UPDATE", "DELETE")
]
_APPEND_ONLY_POSTGRESQL = [
    DDL(
        "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$body$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $body$"
    ).execute_if(dialect="postgresql"),
    DDL(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    ).execute_if(dialect="postgresql"),
]
# create_all's fast path (tests); the migrations create the same triggers themselves.
for _ddl in (*_APPEND_ONLY_SQLITE, *_APPEND_ONLY_POSTGRESQL):
    event.listen(AuditRow.__table__, "after_create", _ddl)


class OnDemandRow(Base):
    """An officer's request to look at every camera of a school now: kept as the audit trail."""

    __tablename__ = "on_demand_patrols"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    deadline_at: Mapped[datetime] = mapped_column(UtcDateTime)
    cameras: Mapped[int] = mapped_column(Integer)
    # When the last of the school's cameras was looked at; null while the patrol is under way.
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class HazardRow(Base):
    """A confirmed finding registered for rectification (patrol.hazards owns the rules)."""

    __tablename__ = "hazards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), unique=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"), index=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"), index=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), index=True)
    owner: Mapped[str] = mapped_column(String(200))
    deadline: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    # Proof the problem is gone: a later patrol look of the camera, or an officer's verification.
    evidence_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    evidence_look_id: Mapped[int | None] = mapped_column(ForeignKey("looks.id"), nullable=True)
    evidence_note: Mapped[str] = mapped_column(Text, default="")
    cleared_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class HazardTransitionRow(Base):
    """Every change of a hazard: who, when, what, and why. Rows are never changed."""

    __tablename__ = "hazard_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    by: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(32))
    deadline: Mapped[datetime] = mapped_column(UtcDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
