"""Flagged events: list, read, evidence files, and the officer's decision."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status

from api.audit import audit
from api.auth import DeciderDep, ReviserDep, Viewer, ViewerDep
from api.catalogue import LANGUAGES
from api.deps import NowDep, StoreDep, get_secrets, get_settings
from api.errors import unprocessable
from api.params import (
    MAX_ID,
    AwareUtc,
    EventId,
    EventStatusFilter,
    EventTypeFilter,
    Offset,
    SiteId,
)
from api.schemas import (
    DecisionPublic,
    DecisionRequest,
    DecisionsPublic,
    ErrorPublic,
    EventPublic,
    EventsPublic,
    Responses,
    RevisionRequest,
)
from api.summaries import summary
from patrol.records import EventRecord
from patrol.store import Store
from patrol.types import AuditAction, DecisionReason, EventStatus

router = APIRouter(prefix="/events", tags=["events"])

NOT_FOUND: Responses = {
    401: {"model": ErrorPublic, "description": "No session or API token"},
    404: {"model": ErrorPublic, "description": "No such event in the user's jurisdiction"},
}
JPEG: Responses = {200: {"content": {"image/jpeg": {}}, "description": "The evidence picture"}}


def evidence_url(request: Request, event_id: int, n: int) -> str:
    return request.url_for("get_evidence_n", event_id=event_id, n=n).path


def first_evidence_url(request: Request, event_id: int) -> str:
    return request.url_for("get_evidence", event_id=event_id).path


def event_public(request: Request, event: EventRecord) -> EventPublic:
    zone = get_settings(request).zone
    return EventPublic.from_record(
        event,
        lambda event_id, n: evidence_url(request, event_id, n),
        lambda event_id: first_evidence_url(request, event_id),
        {lang: summary(event, lang, zone) for lang in LANGUAGES},
        secrets=get_secrets(request),
    )


@router.get("", response_model=EventsPublic, summary="List events, newest first")
def list_events(
    request: Request,
    store: StoreDep,
    viewer: ViewerDep,
    school: SiteId = None,
    camera: SiteId = None,
    event_type: EventTypeFilter = None,
    event_status: EventStatusFilter = None,
    since: Annotated[
        AwareUtc | None, Query(description="Only events last seen at or after this time (with timezone)")
    ] = None,
    until: Annotated[
        AwareUtc | None, Query(description="Only events first seen before this time (with timezone)")
    ] = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> EventsPublic:
    """Events overlapping [since, until), filtered, newest first by first seen.

    A `since` or `until` without a timezone is refused with 422 rather than guessed.
    """
    events, count = store.list_events(
        school_id=school,
        camera_id=camera,
        event_type=event_type,
        status=event_status,
        since=since,
        until=until,
        offset=offset,
        limit=limit,
        school_ids=viewer.school_ids,
    )
    return EventsPublic(data=[event_public(request, event) for event in events], count=count)


@router.get("/{event_id}", response_model=EventPublic, responses=NOT_FOUND)
def get_event(request: Request, store: StoreDep, viewer: ViewerDep, event_id: EventId) -> EventPublic:
    return event_public(request, store.get_event(event_id, school_ids=viewer.school_ids))


@router.get(
    "/{event_id}/decisions",
    response_model=DecisionsPublic,
    responses=NOT_FOUND,
    summary="The event's decision history, oldest first",
)
def list_decisions(store: StoreDep, viewer: ViewerDep, event_id: EventId) -> DecisionsPublic:
    decisions = store.decisions(event_id, school_ids=viewer.school_ids)
    return DecisionsPublic(data=[DecisionPublic.from_record(d) for d in decisions], count=len(decisions))


def _evidence_response(request: Request, store: Store, viewer: Viewer, event_id: int, n: int) -> Response:
    event = store.get_event(event_id, school_ids=viewer.school_ids)
    if n > len(event.evidence):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"event {event_id} has no evidence file {n}")
    evidence = event.evidence[n - 1]
    try:
        content = store.evidence_picture(evidence)
    except FileNotFoundError:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"evidence file {n} of event {event_id} is missing"
        ) from None
    # Hash what is served, not what is on disk a moment later.
    if hashlib.sha256(content).hexdigest() != evidence.sha256:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"evidence file {n} of event {event_id} fails its integrity check: "
            "its SHA-256 differs from the one recorded",
        )
    audit(
        request,
        viewer,
        AuditAction.EVIDENCE_VIEW,
        target=f"event:{event_id}/evidence:{n}",
        school_id=event.school_id,
        detail={"sha256": evidence.sha256},
    )
    # Private: the browser may keep it for a while, shared caches never.
    headers = {"ETag": f'"{evidence.sha256}"', "Cache-Control": "private, max-age=600"}
    return Response(content, media_type="image/jpeg", headers=headers)


EVIDENCE_RESPONSES: Responses = {
    **JPEG,
    404: {"model": ErrorPublic, "description": "No such event or evidence file"},
    409: {"model": ErrorPublic, "description": "The file's SHA-256 differs from the recorded one"},
}


@router.get(
    "/{event_id}/evidence.jpg",
    response_model=None,
    response_class=Response,
    responses=EVIDENCE_RESPONSES,
    summary="The event's first evidence picture",
)
def get_evidence(request: Request, store: StoreDep, viewer: ViewerDep, event_id: EventId) -> Response:
    return _evidence_response(request, store, viewer, event_id, 1)


@router.get(
    "/{event_id}/evidence/{n}.jpg",
    response_model=None,
    response_class=Response,
    responses=EVIDENCE_RESPONSES,
    summary="The event's n-th evidence picture, counted from 1",
)
def get_evidence_n(
    request: Request,
    store: StoreDep,
    viewer: ViewerDep,
    event_id: EventId,
    n: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> Response:
    return _evidence_response(request, store, viewer, event_id, n)


DECISION_RESPONSES: Responses = {
    **NOT_FOUND,
    403: {"model": ErrorPublic, "description": "The role may not decide, or the CSRF token is missing"},
    409: {"model": ErrorPublic, "description": "The event was already confirmed or dismissed"},
}


def _decide(
    request: Request,
    store: Store,
    viewer: Viewer,
    now: datetime,
    event_id: int,
    status: EventStatus,
    reason: DecisionReason | None,
    note: str,
) -> EventPublic:
    event = store.decide(
        event_id,
        status,
        note,
        now,
        reason=reason,
        decided_by=viewer.user.username,
        role=viewer.user.role.value,
        school_ids=viewer.school_ids,
    )
    audit(
        request,
        viewer,
        AuditAction.DECISION,
        target=f"event:{event_id}",
        school_id=event.school_id,
        detail={"status": status.value, "reason": reason.value if reason else None, "note": note},
    )
    return event_public(request, event)


@router.post("/{event_id}/confirm", response_model=EventPublic, responses=DECISION_RESPONSES)
def confirm_event(
    request: Request,
    store: StoreDep,
    viewer: DeciderDep,
    now: NowDep,
    event_id: EventId,
    decision: DecisionRequest,
) -> EventPublic:
    """Confirm the event happened; a reason code is optional."""
    return _decide(
        request, store, viewer, now, event_id, EventStatus.CONFIRMED, decision.reason, decision.note
    )


@router.post("/{event_id}/dismiss", response_model=EventPublic, responses=DECISION_RESPONSES)
def dismiss_event(
    request: Request,
    store: StoreDep,
    viewer: DeciderDep,
    now: NowDep,
    event_id: EventId,
    decision: DecisionRequest,
) -> EventPublic:
    """Dismiss a false alarm: with a reason code, or (older clients) a note saying why."""
    reason = decision.reason
    if reason is None:
        if not decision.note.strip():
            raise unprocessable(
                ("body", "reason"), "a dismissal needs a reason code in reason, or a reason in note"
            )
        reason = DecisionReason.OTHER
    return _decide(request, store, viewer, now, event_id, EventStatus.DISMISSED, reason, decision.note)


REVISION_RESPONSES: Responses = {
    **DECISION_RESPONSES,
    403: {"model": ErrorPublic, "description": "Only supervisors and administrators revise decisions"},
    409: {"model": ErrorPublic, "description": "Not decided yet, or revised by someone else a moment ago"},
}


@router.post("/{event_id}/revise", response_model=EventPublic, responses=REVISION_RESPONSES)
def revise_decision(
    request: Request,
    store: StoreDep,
    viewer: ReviserDep,
    now: NowDep,
    event_id: EventId,
    revision: RevisionRequest,
) -> EventPublic:
    """Replace the decision in force; the earlier ones stay in the event's decision history."""
    event = store.revise(
        event_id,
        revision.status,
        revision.note,
        now,
        reason=revision.reason,
        decided_by=viewer.user.username,
        role=viewer.user.role.value,
        school_ids=viewer.school_ids,
    )
    audit(
        request,
        viewer,
        AuditAction.DECISION_REVISED,
        target=f"event:{event_id}",
        school_id=event.school_id,
        detail={"status": revision.status.value, "reason": revision.reason.value, "note": revision.note},
    )
    return event_public(request, event)
