"""The patrol's records: what a look, a finding, an event and its decisions, a camera and a school
are, as frozen values. The store keeps them; the patrol, the rules' findings, the API and the
reports pass them around without knowing how they are kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from patrol.types import (
    AuditAction,
    CameraRole,
    DecisionReason,
    EventStatus,
    EventType,
    LookKind,
    LookOutcome,
)


@dataclass(frozen=True)
class SchoolRecord:
    id: str
    name: str


@dataclass(frozen=True)
class CameraRecord:
    id: str
    school_id: str
    name: str
    role: CameraRole
    stream_redacted: str


@dataclass(frozen=True)
class ImportedCameraRecord:
    """A camera from a registry sheet, as stored: never a password, only the name of the
    environment variable (`credentials`) that holds it."""

    camera: CameraRecord
    stream: str  # RTSP address, ${VAR} placeholders kept
    username: str | None
    credentials: str | None
    onvif_address: str | None
    onvif_profile: str | None
    template: str | None
    view: dict[str, Any]  # zones, lines and rules: a CameraViewConfig as JSON
    imported_at: datetime
    imported_by: str


@dataclass(frozen=True)
class LookRecord:
    camera_id: str
    kind: LookKind
    started_at: datetime
    finished_at: datetime
    outcome: LookOutcome
    frames: int = 0
    max_persons: int = 0
    detail: str = ""


@dataclass(frozen=True)
class Finding:
    """What a rule saw on one look, ready to be recorded."""

    camera_id: str
    type: EventType
    seen_at: datetime
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    evidence_jpeg: bytes | None = None
    model_name: str = ""
    model_sha256: str = ""


@dataclass(frozen=True)
class EvidenceRecord:
    id: int
    event_id: int
    created_at: datetime
    relative_path: str
    sha256: str


@dataclass(frozen=True)
class DecisionRecord:
    id: int
    event_id: int
    decided_by: str
    role: str
    status: EventStatus
    reason: DecisionReason | None
    note: str
    decided_at: datetime
    revision_of: int | None


@dataclass(frozen=True)
class EventRecord:
    id: int
    camera_id: str
    school_id: str
    type: EventType
    status: EventStatus
    first_seen: datetime
    last_seen: datetime
    ended_at: datetime | None
    looks: int
    summary: str
    details: dict[str, Any]
    model_name: str
    model_sha256: str
    decided_at: datetime | None
    decision_note: str
    evidence: tuple[EvidenceRecord, ...] = ()
    decision: DecisionRecord | None = None
    """The decision in force: the latest of the event's decision history."""

    @property
    def ongoing(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class ReferenceRecord:
    """A camera's reference view: the first good picture, until an administrator resets it."""

    camera_id: str
    jpeg: bytes
    taken_at: datetime
    sharpness: float
    dark_share: float


@dataclass(frozen=True)
class EventVersion:
    """What changes when an event changes: enough to tell a live view what to fetch again."""

    id: int
    status: EventStatus
    looks: int
    last_seen: datetime
    ended_at: datetime | None
    decided_at: datetime | None


@dataclass(frozen=True)
class CameraHealthRecord:
    camera: CameraRecord
    problems: tuple[EventType, ...]
    """Camera-health conditions ongoing now (camera_unreachable, ...)."""
    last_look_at: datetime | None
    last_outcome: LookOutcome | None
    last_ok_at: datetime | None = None
    """When a look last found the camera well (its latest good look)."""


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log, as the API writes it."""

    at: datetime
    username: str
    role: str
    action: AuditAction
    target: str = ""
    school_id: str | None = None
    jurisdiction_id: str | None = None
    client: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditRecord(AuditEntry):
    id: int = 0


@dataclass(frozen=True)
class OnDemandRequest:
    """An officer asks for every camera of a school to be looked at by `deadline_at`."""

    school_id: str
    requested_by: str
    requested_at: datetime
    deadline_at: datetime
    cameras: int


@dataclass(frozen=True)
class OnDemandRecord:
    id: int
    school_id: str
    requested_by: str
    requested_at: datetime
    deadline_at: datetime
    cameras: int
    completed_at: datetime | None = None

    @property
    def on_time(self) -> bool | None:
        """None while under way."""
        return None if self.completed_at is None else self.completed_at <= self.deadline_at


@dataclass(frozen=True)
class CameraMemory:
    """A camera's saved rule and health memory (patrol.camera_memory) and the follow-up it asked for."""

    memory: bytes
    follow_up_at: datetime | None = None
