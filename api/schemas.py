"""What the API takes in and hands out; apart from the ORM rows and the store's records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.redaction import mask_passwords, mask_passwords_in
from patrol.store import CameraRecord, EventRecord
from patrol.types import CameraRole, EventStatus, EventType

# (event id, 1-based evidence number) -> URL path of that evidence file
EvidenceUrl = Callable[[int, int], str]
# event id -> URL path of its first evidence file
FirstEvidenceUrl = Callable[[int], str]


class PublicModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class ErrorPublic(PublicModel):
    detail: str


class EvidencePublic(PublicModel):
    sha256: str = Field(description="SHA-256 of the file, checked again each time it is served")
    created_at: datetime
    url: str


class EventPublic(PublicModel):
    id: int
    type: EventType
    status: EventStatus
    camera_id: str
    school_id: str
    first_seen: datetime
    last_seen: datetime
    ended_at: datetime | None = Field(description="When a later look no longer showed the condition")
    ongoing: bool
    looks: int = Field(description="Looks that showed the condition")
    summary: str
    details: dict[str, Any] = Field(description="The rule, its thresholds and what it measured")
    model_name: str
    model_sha256: str
    decided_at: datetime | None
    decision_note: str
    evidence: list[EvidencePublic]
    evidence_url: str | None = Field(description="The first evidence picture, for thumbnails")

    @classmethod
    def from_record(
        cls, event: EventRecord, evidence_url: EvidenceUrl, first_evidence_url: FirstEvidenceUrl
    ) -> EventPublic:
        return cls(
            id=event.id,
            type=event.type,
            status=event.status,
            camera_id=event.camera_id,
            school_id=event.school_id,
            first_seen=event.first_seen,
            last_seen=event.last_seen,
            ended_at=event.ended_at,
            ongoing=event.ongoing,
            looks=event.looks,
            summary=mask_passwords(event.summary),
            details=mask_passwords_in(event.details),
            model_name=event.model_name,
            model_sha256=event.model_sha256,
            decided_at=event.decided_at,
            decision_note=event.decision_note,
            evidence=[
                EvidencePublic(sha256=item.sha256, created_at=item.created_at, url=evidence_url(event.id, n))
                for n, item in enumerate(event.evidence, start=1)
            ],
            evidence_url=first_evidence_url(event.id) if event.evidence else None,
        )


class EventsPublic(PublicModel):
    data: list[EventPublic]
    count: int = Field(description="Events matching the filters, on all pages")


class CameraPublic(PublicModel):
    id: str
    name: str
    school_id: str
    school_name: str
    role: CameraRole
    stream_redacted: str = Field(description="Stream address without its credentials")

    @classmethod
    def from_record(cls, camera: CameraRecord, school_name: str) -> CameraPublic:
        return cls(
            id=camera.id,
            name=camera.name,
            school_id=camera.school_id,
            school_name=school_name,
            role=camera.role,
            stream_redacted=mask_passwords(camera.stream_redacted),
        )


class CamerasPublic(PublicModel):
    data: list[CameraPublic]
    count: int


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    note: str = Field("", max_length=2000, description="The officer's reason or remark")

    @field_validator("note")
    @classmethod
    def _storable(cls, note: str) -> str:
        # Neither PostgreSQL text nor UTF-8 can hold these; refuse them here rather than fail in the store.
        if "\x00" in note:
            raise ValueError("note must not contain NUL characters")
        try:
            note.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("note must be valid Unicode text (no lone surrogates)") from None
        return note


class HealthPublic(PublicModel):
    status: str = Field(description="ok when the database answers")
    database: str
    patrol: dict[str, Any]
