"""Hazards: registered from confirmed events, advanced and escalated by supervisors, verified by
officers, cleared by a later patrol look; and the rectification notice per hazard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from api.audit import audit
from api.auth import DeciderDep, ExporterDep, HazardManagerDep, Viewer, ViewerDep
from api.catalogue import label
from api.deps import HazardsDep, NowDep, StoreDep, get_secrets, get_settings
from api.hazard_schemas import (
    HazardAdvanceRequest,
    HazardCreateRequest,
    HazardEscalateRequest,
    HazardPublic,
    HazardsPublic,
    HazardVerifyRequest,
)
from api.params import MAX_ID, SiteId
from api.routes.events import NOT_FOUND
from api.schemas import Responses
from patrol.hazards import EscalationLevel, HazardRecord, HazardState
from patrol.reports.assembly import notice_facts
from patrol.reports.documents import notice_pdf
from patrol.types import AuditAction

router = APIRouter(prefix="/hazards", tags=["hazards"])

HazardId = Annotated[int, Path(ge=1, le=MAX_ID, description="Hazard id")]
PDF: Responses = {200: {"content": {"application/pdf": {}}, "description": "The notice"}}


def issuer(viewer: Viewer, request: Request) -> str:
    return viewer.jurisdiction.name if viewer.jurisdiction else get_settings(request).title


@router.get("", response_model=HazardsPublic, summary="List hazards, oldest first")
def list_hazards(
    hazards: HazardsDep,
    viewer: ViewerDep,
    now: NowDep,
    school: SiteId = None,
    state: HazardState | None = None,
    level: EscalationLevel | None = None,
    overdue: bool | None = None,
) -> HazardsPublic:
    found = hazards.list(
        now=now, school_id=school, state=state, level=level, overdue=overdue, school_ids=viewer.school_ids
    )
    return HazardsPublic(
        data=[HazardPublic.from_record(h, now) for h in found],
        count=len(found),
        overdue=sum(h.overdue(now) for h in found),
    )


@router.post("", response_model=HazardPublic, status_code=status.HTTP_201_CREATED, responses=NOT_FOUND)
def create_hazard(
    request: Request, body: HazardCreateRequest, hazards: HazardsDep, viewer: HazardManagerDep, now: NowDep
) -> HazardPublic:
    """Register a confirmed event as a hazard, notified to the school (409 unless confirmed)."""
    hazard = hazards.create(
        body.event_id,
        level=body.level,
        deadline=body.deadline,
        owner=body.owner,
        by=viewer.user.username,
        now=now,
        note=body.note,
        school_ids=viewer.school_ids,
    )
    _audit_step(request, viewer, AuditAction.HAZARD_CREATED, hazard)
    return HazardPublic.from_record(hazard, now)


def _audit_step(request: Request, viewer: Viewer, action: AuditAction, hazard: HazardRecord) -> None:
    audit(
        request,
        viewer,
        action,
        target=f"hazard:{hazard.id}",
        school_id=hazard.school_id,
        detail={
            "event_id": hazard.event_id,
            "reference_number": hazard.reference_number,
            "state": hazard.state.value,
            "level": hazard.level.value,
            "deadline": hazard.deadline.isoformat(),
        },
    )


@router.get("/{hazard_id}", response_model=HazardPublic, responses=NOT_FOUND)
def get_hazard(hazards: HazardsDep, viewer: ViewerDep, now: NowDep, hazard_id: HazardId) -> HazardPublic:
    return HazardPublic.from_record(hazards.get(hazard_id, school_ids=viewer.school_ids), now)


@router.post("/{hazard_id}/advance", response_model=HazardPublic, responses=NOT_FOUND)
def advance_hazard(
    request: Request,
    body: HazardAdvanceRequest,
    hazards: HazardsDep,
    viewer: HazardManagerDep,
    now: NowDep,
    hazard_id: HazardId,
) -> HazardPublic:
    """One step on: notified → rectifying → rectified → cleared (clearing needs evidence); 409 otherwise."""
    hazard = hazards.advance(
        hazard_id, body.state, by=viewer.user.username, now=now, note=body.note, school_ids=viewer.school_ids
    )
    _audit_step(request, viewer, AuditAction.HAZARD_ADVANCED, hazard)
    return HazardPublic.from_record(hazard, now)


@router.post("/{hazard_id}/escalate", response_model=HazardPublic, responses=NOT_FOUND)
def escalate_hazard(
    request: Request,
    body: HazardEscalateRequest,
    hazards: HazardsDep,
    viewer: HazardManagerDep,
    now: NowDep,
    hazard_id: HazardId,
) -> HazardPublic:
    hazard = hazards.escalate(
        hazard_id,
        deadline=body.deadline,
        by=viewer.user.username,
        now=now,
        note=body.note,
        school_ids=viewer.school_ids,
    )
    _audit_step(request, viewer, AuditAction.HAZARD_ESCALATED, hazard)
    return HazardPublic.from_record(hazard, now)


@router.post("/{hazard_id}/verify", response_model=HazardPublic, responses=NOT_FOUND)
def verify_hazard(
    request: Request,
    body: HazardVerifyRequest,
    hazards: HazardsDep,
    viewer: DeciderDep,
    now: NowDep,
    hazard_id: HazardId,
) -> HazardPublic:
    """An officer checked the rectified problem is gone: recorded, and the hazard clears."""
    hazard = hazards.verify(
        hazard_id, by=viewer.user.username, now=now, note=body.note, school_ids=viewer.school_ids
    )
    _audit_step(request, viewer, AuditAction.HAZARD_VERIFIED, hazard)
    return HazardPublic.from_record(hazard, now)


@router.get("/{hazard_id}/notice.pdf", response_class=Response, responses={**NOT_FOUND, **PDF})
def hazard_notice(
    request: Request, store: StoreDep, hazards: HazardsDep, viewer: ExporterDep, hazard_id: HazardId
) -> Response:
    facts = notice_facts(
        store,
        hazards,
        hazard_id,
        school_ids=viewer.school_ids,
        issuer=issuer(viewer, request),
        secrets=get_secrets(request),
    )
    hazard = facts.hazard
    pdf = notice_pdf(facts, _label, get_settings(request).timezone)
    audit(
        request,
        viewer,
        AuditAction.EXPORT,
        target=f"hazard:{hazard.id}",
        school_id=hazard.school_id,
        detail={"document": "notice", "reference_number": hazard.reference_number},
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="notice-{hazard.id}.pdf"'},
    )


def _label(group: str, value: str) -> str:
    return label("zh-CN", group, value)
