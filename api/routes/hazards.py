"""Hazards: registered from confirmed events, advanced and escalated by supervisors, verified by
officers, cleared by a later patrol look; and the rectification notice per hazard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from api.audit import audit
from api.auth import DeciderDep, ExporterDep, HazardManagerDep, Viewer, ViewerDep
from api.catalogue import label
from api.deps import NowDep, StoreDep, get_secrets, get_settings
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
from patrol.hazards import EscalationLevel, HazardRecord, HazardRegister, HazardState
from patrol.reports.documents import NoticeFacts, notice_pdf
from patrol.store import Store
from patrol.types import AuditAction
from streams.redact import Secrets

router = APIRouter(prefix="/hazards", tags=["hazards"])

HazardId = Annotated[int, Path(ge=1, le=MAX_ID, description="Hazard id")]
PDF: Responses = {200: {"content": {"application/pdf": {}}, "description": "The notice"}}


def issuer(viewer: Viewer, request: Request) -> str:
    return viewer.jurisdiction.name if viewer.jurisdiction else get_settings(request).title


@router.get("", response_model=HazardsPublic, summary="List hazards, oldest first")
def list_hazards(
    store: StoreDep,
    viewer: ViewerDep,
    now: NowDep,
    school: SiteId = None,
    state: HazardState | None = None,
    level: EscalationLevel | None = None,
    overdue: bool | None = None,
) -> HazardsPublic:
    hazards = HazardRegister(store).list(
        now=now, school_id=school, state=state, level=level, overdue=overdue, school_ids=viewer.school_ids
    )
    return HazardsPublic(
        data=[HazardPublic.from_record(h, now) for h in hazards],
        count=len(hazards),
        overdue=sum(h.overdue(now) for h in hazards),
    )


@router.post("", response_model=HazardPublic, status_code=status.HTTP_201_CREATED, responses=NOT_FOUND)
def create_hazard(
    request: Request, body: HazardCreateRequest, store: StoreDep, viewer: HazardManagerDep, now: NowDep
) -> HazardPublic:
    """Register a confirmed event as a hazard, notified to the school (409 unless confirmed)."""
    hazard = HazardRegister(store).create(
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
def get_hazard(store: StoreDep, viewer: ViewerDep, now: NowDep, hazard_id: HazardId) -> HazardPublic:
    return HazardPublic.from_record(HazardRegister(store).get(hazard_id, school_ids=viewer.school_ids), now)


@router.post("/{hazard_id}/advance", response_model=HazardPublic, responses=NOT_FOUND)
def advance_hazard(
    request: Request,
    body: HazardAdvanceRequest,
    store: StoreDep,
    viewer: HazardManagerDep,
    now: NowDep,
    hazard_id: HazardId,
) -> HazardPublic:
    """One step on: notified → rectifying → rectified → cleared (clearing needs evidence); 409 otherwise."""
    hazard = HazardRegister(store).advance(
        hazard_id, body.state, by=viewer.user.username, now=now, note=body.note, school_ids=viewer.school_ids
    )
    _audit_step(request, viewer, AuditAction.HAZARD_ADVANCED, hazard)
    return HazardPublic.from_record(hazard, now)


@router.post("/{hazard_id}/escalate", response_model=HazardPublic, responses=NOT_FOUND)
def escalate_hazard(
    request: Request,
    body: HazardEscalateRequest,
    store: StoreDep,
    viewer: HazardManagerDep,
    now: NowDep,
    hazard_id: HazardId,
) -> HazardPublic:
    hazard = HazardRegister(store).escalate(
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
    store: StoreDep,
    viewer: DeciderDep,
    now: NowDep,
    hazard_id: HazardId,
) -> HazardPublic:
    """An officer checked the rectified problem is gone: recorded, and the hazard clears."""
    hazard = HazardRegister(store).verify(
        hazard_id, by=viewer.user.username, now=now, note=body.note, school_ids=viewer.school_ids
    )
    _audit_step(request, viewer, AuditAction.HAZARD_VERIFIED, hazard)
    return HazardPublic.from_record(hazard, now)


@router.get("/{hazard_id}/notice.pdf", response_class=Response, responses={**NOT_FOUND, **PDF})
def hazard_notice(request: Request, store: StoreDep, viewer: ExporterDep, hazard_id: HazardId) -> Response:
    hazard = HazardRegister(store).get(hazard_id, school_ids=viewer.school_ids)
    pdf = notice_pdf(
        notice_facts(store, hazard.id, issuer(viewer, request), viewer, get_secrets(request)),
        _label,
        get_settings(request).timezone,
    )
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


def notice_facts(
    store: Store, hazard_id: int, issued_by: str, viewer: Viewer, secrets: Secrets
) -> NoticeFacts:
    hazard = HazardRegister(store).get(hazard_id, school_ids=viewer.school_ids)
    event = store.get_event(hazard.event_id)
    schools = {s.id: s.name for s in store.list_schools()}
    camera = store.get_camera(hazard.camera_id)
    pictures = []
    for evidence in event.evidence[:3]:
        try:
            pictures.append(store.evidence_picture(evidence))
        except OSError:
            continue  # a lost file leaves the notice without that picture, not unissued
    return NoticeFacts(
        hazard=hazard,
        school_name=schools.get(hazard.school_id, hazard.school_id),
        camera_name=camera.name,
        issuer=issued_by,
        summary=secrets.mask(event.summary),
        first_seen=event.first_seen,
        evidence_jpegs=pictures,
    )


def _label(group: str, value: str) -> str:
    return label("zh-CN", group, value)
