"""What the API takes in and hands out; apart from the ORM rows and the store's records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.text import StorableText
from patrol.accounts import Jurisdiction, Permission, UserRecord
from patrol.accounts.records import ROLE_PERMISSIONS
from patrol.records import (
    AuditRecord,
    CameraHealthRecord,
    CameraRecord,
    DecisionRecord,
    EventRecord,
    OnDemandRecord,
)
from patrol.types import (
    AuditAction,
    CameraRole,
    DecisionReason,
    EventStatus,
    EventType,
    LookOutcome,
    Role,
)
from streams.redact import Secrets

# (event id, 1-based evidence number) -> URL path of that evidence file
EvidenceUrl = Callable[[int, int], str]
# event id -> URL path of its first evidence file
FirstEvidenceUrl = Callable[[int], str]


class PublicModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class ErrorPublic(PublicModel):
    detail: str


# Answers a route documents beyond its own (status code -> OpenAPI response).
Responses = dict[int | str, dict[str, Any]]


class EvidencePublic(PublicModel):
    sha256: str = Field(description="SHA-256 of the file, checked again each time it is served")
    created_at: datetime
    url: str


class DecisionPublic(PublicModel):
    id: int
    decided_by: str
    role: str
    status: EventStatus
    reason: DecisionReason | None
    note: str
    decided_at: datetime
    revision_of: int | None = Field(description="The decision this one revised, if any")

    @classmethod
    def from_record(cls, decision: DecisionRecord) -> DecisionPublic:
        return cls(
            id=decision.id,
            decided_by=decision.decided_by,
            role=decision.role,
            status=decision.status,
            reason=decision.reason,
            note=decision.note,
            decided_at=decision.decided_at,
            revision_of=decision.revision_of,
        )


class DecisionsPublic(PublicModel):
    data: list[DecisionPublic]
    count: int


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
    summary: str = Field(description="What the rule saw, in the rule's words (English)")
    summaries: dict[str, str] = Field(
        default_factory=dict, description="The same in each language of the interface (zh-CN, en)"
    )
    details: dict[str, Any] = Field(description="The rule, its thresholds and what it measured")
    model_name: str
    model_sha256: str
    decided_at: datetime | None
    decision_note: str
    decision_reason: DecisionReason | None = Field(description="Reason code of the decision in force")
    decided_by: str | None = Field(description="User name of whoever made the decision in force")
    evidence: list[EvidencePublic]
    evidence_url: str | None = Field(description="The first evidence picture, for thumbnails")

    @classmethod
    def from_record(
        cls,
        event: EventRecord,
        evidence_url: EvidenceUrl,
        first_evidence_url: FirstEvidenceUrl,
        summaries: dict[str, str] | None = None,
        *,
        secrets: Secrets,
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
            summary=secrets.mask(event.summary),
            summaries={lang: secrets.mask(text) for lang, text in (summaries or {}).items()},
            details=secrets.mask_in(event.details),
            model_name=event.model_name,
            model_sha256=event.model_sha256,
            decided_at=event.decided_at,
            decision_note=event.decision_note,
            decision_reason=event.decision.reason if event.decision else None,
            decided_by=event.decision.decided_by if event.decision else None,
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
    def from_record(cls, camera: CameraRecord, school_name: str, *, secrets: Secrets) -> CameraPublic:
        return cls(
            id=camera.id,
            name=camera.name,
            school_id=camera.school_id,
            school_name=school_name,
            role=camera.role,
            stream_redacted=secrets.mask(camera.stream_redacted),
        )


class OnDemandPublic(PublicModel):
    """An on-demand patrol of a school: who asked, when, the deadline, and when it was done."""

    id: int
    school_id: str
    requested_by: str
    requested_at: datetime
    deadline_at: datetime
    cameras: int
    completed_at: datetime | None

    @classmethod
    def from_record(cls, record: OnDemandRecord) -> OnDemandPublic:
        return cls(
            id=record.id,
            school_id=record.school_id,
            requested_by=record.requested_by,
            requested_at=record.requested_at,
            deadline_at=record.deadline_at,
            cameras=record.cameras,
            completed_at=record.completed_at,
        )


class ReferenceResetPublic(PublicModel):
    camera_id: str
    had_reference: bool = Field(description="False when no reference view had been taken yet")


class LabelledViewPublic(PublicModel):
    camera_id: str
    label: str = Field(description="The label a rule compares looks with (a gate's closed or open)")
    taken_at: datetime
    sha256: str = Field(description="SHA-256 of the kept JPEG")


class CamerasPublic(PublicModel):
    data: list[CameraPublic]
    count: int


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: DecisionReason | None = Field(
        None, description="Reason code; a dismissal needs one (a note alone counts as 'other')"
    )
    note: StorableText = Field("", max_length=2000, description="The officer's remark")


class RevisionRequest(DecisionRequest):
    """A supervisor's revision of the decision in force."""

    status: Literal[EventStatus.CONFIRMED, EventStatus.DISMISSED]
    reason: DecisionReason = Field(description="Reason code of the revised decision")


class UserPublic(PublicModel):
    username: str
    display_name: str
    role: Role
    jurisdiction_id: str
    jurisdiction_name: str
    permissions: list[Permission]

    @classmethod
    def from_record(cls, user: UserRecord, jurisdiction: Jurisdiction | None) -> UserPublic:
        return cls(
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            jurisdiction_id=user.jurisdiction_id,
            jurisdiction_name=jurisdiction.name if jurisdiction else "",
            permissions=sorted(ROLE_PERMISSIONS[user.role]),
        )


class MePublic(PublicModel):
    user: UserPublic
    school_ids: list[str] | None = Field(description="Schools this user sees; null: every school")
    csrf_token: str | None = Field(
        description="For a browser session: send it as X-CSRF-Token with every POST; null with a bearer token"
    )


class CameraHealthPublic(PublicModel):
    id: str
    name: str
    role: CameraRole
    state: Literal["ok", "unreachable", "unknown"]
    problems: list[EventType] = Field(description="Camera conditions ongoing now")
    last_look_at: datetime | None
    last_outcome: LookOutcome | None

    @classmethod
    def from_health(cls, health: CameraHealthRecord) -> CameraHealthPublic:
        state: Literal["ok", "unreachable", "unknown"] = (
            "unreachable" if health.problems else "ok" if health.last_look_at else "unknown"
        )
        return cls(
            id=health.camera.id,
            name=health.camera.name,
            role=health.camera.role,
            state=state,
            problems=list(health.problems),
            last_look_at=health.last_look_at,
            last_outcome=health.last_outcome,
        )


class SchoolHealthPublic(PublicModel):
    id: str
    name: str
    cameras: list[CameraHealthPublic]
    unreachable: int = Field(description="Cameras with an ongoing camera problem")


class OverviewPublic(PublicModel):
    open_by_type: dict[EventType, int] = Field(description="Events waiting for a decision, by type")
    open_total: int
    schools: list[SchoolHealthPublic]
    unreachable_cameras: int


class AuditEntryPublic(PublicModel):
    id: int
    at: datetime
    username: str
    role: str
    jurisdiction_id: str | None
    action: AuditAction
    target: str
    school_id: str | None
    client: str
    detail: dict[str, Any]

    @classmethod
    def from_record(cls, entry: AuditRecord, *, secrets: Secrets) -> AuditEntryPublic:
        return cls(
            id=entry.id,
            at=entry.at,
            username=entry.username,
            role=entry.role,
            jurisdiction_id=entry.jurisdiction_id,
            action=entry.action,
            target=entry.target,
            school_id=entry.school_id,
            client=entry.client,
            detail=secrets.mask_in(entry.detail),
        )


class AuditPublic(PublicModel):
    data: list[AuditEntryPublic]
    count: int = Field(description="Entries matching the filters, on all pages")


class HealthPublic(PublicModel):
    status: str = Field(description="ok while the process answers (liveness)")
    database: str | None = Field(None, description="Logged-in users only: ok, or why not")
    patrol: dict[str, Any] | None = Field(None, description="Logged-in users only: the patrol's figures")


class ReadinessPublic(PublicModel):
    status: Literal["ready", "not ready"]
    reasons: list[str] = Field(description="Why not ready; empty when ready")
