"""Flagged events: list, read, evidence files, and the officer's decision."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from pydantic import AfterValidator

from api.deps import NowDep, StoreDep
from api.schemas import DecisionRequest, ErrorPublic, EventPublic, EventsPublic
from patrol.store import EventRecord, Store
from patrol.types import EventStatus, EventType

router = APIRouter(prefix="/events", tags=["events"])

# Event ids are 32-bit integers in PostgreSQL; anything larger cannot name an event.
MAX_ID = 2**31 - 1
# School and camera ids as the config allows them (patrol.config.schema.Identifier).
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime needs a timezone, e.g. 2025-03-03T08:00:00+08:00 or 2025-03-03T00:00:00Z")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("datetime is out of range once converted to UTC") from None


AwareUtc = Annotated[datetime, AfterValidator(_aware_utc)]
EventId = Annotated[int, Path(ge=1, le=MAX_ID, description="Event id")]
SiteId = Annotated[str | None, Query(pattern=ID_PATTERN)]

Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"model": ErrorPublic, "description": "No such event"}}
JPEG: Responses = {200: {"content": {"image/jpeg": {}}, "description": "The evidence picture"}}


def evidence_url(request: Request, event_id: int, n: int) -> str:
    return request.url_for("get_evidence_n", event_id=event_id, n=n).path


def first_evidence_url(request: Request, event_id: int) -> str:
    return request.url_for("get_evidence", event_id=event_id).path


def _public(request: Request, event: EventRecord) -> EventPublic:
    return EventPublic.from_record(
        event,
        lambda event_id, n: evidence_url(request, event_id, n),
        lambda event_id: first_evidence_url(request, event_id),
    )


@router.get("", response_model=EventsPublic, summary="List events, newest first")
def list_events(
    request: Request,
    store: StoreDep,
    school: SiteId = None,
    camera: SiteId = None,
    event_type: Annotated[EventType | None, Query(alias="type")] = None,
    event_status: Annotated[EventStatus | None, Query(alias="status")] = None,
    since: Annotated[
        AwareUtc | None, Query(description="Only events last seen at or after this time (with timezone)")
    ] = None,
    until: Annotated[
        AwareUtc | None, Query(description="Only events first seen before this time (with timezone)")
    ] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
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
    )
    return EventsPublic(data=[_public(request, event) for event in events], count=count)


@router.get("/{event_id}", response_model=EventPublic, responses=NOT_FOUND)
def get_event(request: Request, store: StoreDep, event_id: EventId) -> EventPublic:
    return _public(request, store.get_event(event_id))


def _evidence_response(store: Store, event_id: int, n: int) -> Response:
    event = store.get_event(event_id)
    if n > len(event.evidence):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"event {event_id} has no evidence file {n}")
    evidence = event.evidence[n - 1]
    path = store.evidence_file(evidence)
    try:
        content = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
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
    return Response(content, media_type="image/jpeg", headers={"ETag": f'"{evidence.sha256}"'})


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
def get_evidence(store: StoreDep, event_id: EventId) -> Response:
    return _evidence_response(store, event_id, 1)


@router.get(
    "/{event_id}/evidence/{n}.jpg",
    response_model=None,
    response_class=Response,
    responses=EVIDENCE_RESPONSES,
    summary="The event's n-th evidence picture, counted from 1",
)
def get_evidence_n(store: StoreDep, event_id: EventId, n: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
    return _evidence_response(store, event_id, n)


DECISION_RESPONSES: Responses = {
    **NOT_FOUND,
    409: {"model": ErrorPublic, "description": "The event was already confirmed or dismissed"},
}


@router.post("/{event_id}/confirm", response_model=EventPublic, responses=DECISION_RESPONSES)
def confirm_event(
    request: Request, store: StoreDep, now: NowDep, event_id: EventId, decision: DecisionRequest
) -> EventPublic:
    return _public(request, store.decide(event_id, EventStatus.CONFIRMED, decision.note, now))


@router.post("/{event_id}/dismiss", response_model=EventPublic, responses=DECISION_RESPONSES)
def dismiss_event(
    request: Request, store: StoreDep, now: NowDep, event_id: EventId, decision: DecisionRequest
) -> EventPublic:
    """Dismiss a false alarm; the note must say why."""
    if not decision.note.strip():
        raise HTTPException(422, "a dismissal needs a reason in note")
    return _public(request, store.decide(event_id, EventStatus.DISMISSED, decision.note, now))
