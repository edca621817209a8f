"""Frozen values the store hands out and takes in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from patrol.types import CameraRole, EventStatus, EventType, LookKind, LookOutcome


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

    @property
    def ongoing(self) -> bool:
        return self.ended_at is None


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
