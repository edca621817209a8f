"""Cameras as the patrol knows them (never with their credentials), and a fresh snapshot of one."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status

from api.audit import audit
from api.auth import CameraManagerDep, SnapshotterDep, Viewer, ViewerDep
from api.deps import LimitsDep, NowDep, SecretsDep, SnapshotsDep, SnapshotTaker, StoreDep
from api.limits import ApiLimits, TooMany
from api.params import ID_PATTERN, SiteId
from api.schemas import (
    CameraPublic,
    CamerasPublic,
    ErrorPublic,
    LabelledViewPublic,
    ReferenceResetPublic,
    Responses,
)
from patrol.records import CameraRecord
from patrol.rules.gate_open import GateState
from patrol.rules.registry import RULES
from patrol.store.labelled_views import LabelledView
from patrol.stream_slots import NoFreeSlot
from patrol.types import AuditAction
from streams.errors import StreamError, StreamTimeout
from streams.redact import Secrets

router = APIRouter(prefix="/cameras", tags=["cameras"])
log = logging.getLogger(__name__)

# A look takes a few seconds; a busy camera or school is worth asking again after this.
SLOT_RETRY_S = 5.0
CameraId = Annotated[str, Path(pattern=ID_PATTERN, description="Camera id")]
NOT_FOUND: Responses = {
    401: {"model": ErrorPublic, "description": "No session or API token"},
    404: {"model": ErrorPublic, "description": "No such camera in the user's jurisdiction"},
}


@router.get("", response_model=CamerasPublic, summary="List cameras by school")
def list_cameras(
    store: StoreDep, viewer: ViewerDep, secrets: SecretsDep, school: SiteId = None
) -> CamerasPublic:
    names = {school.id: school.name for school in store.list_schools()}
    cameras = store.list_cameras(school_id=school, school_ids=viewer.school_ids)
    return CamerasPublic(
        data=[
            CameraPublic.from_record(camera, names.get(camera.school_id, ""), secrets=secrets)
            for camera in cameras
        ],
        count=len(cameras),
    )


@router.get("/{camera_id}", response_model=CameraPublic, responses=NOT_FOUND)
def get_camera(store: StoreDep, viewer: ViewerDep, secrets: SecretsDep, camera_id: CameraId) -> CameraPublic:
    camera = store.get_camera(camera_id, school_ids=viewer.school_ids)
    names = {school.id: school.name for school in store.list_schools()}
    return CameraPublic.from_record(camera, names.get(camera.school_id, ""), secrets=secrets)


@router.get(
    "/{camera_id}/snapshot.jpg",
    response_model=None,
    response_class=Response,
    responses={
        **NOT_FOUND,
        200: {"content": {"image/jpeg": {}}, "description": "A picture taken just now"},
        403: {"model": ErrorPublic, "description": "The role may not take snapshots"},
        429: {"model": ErrorPublic, "description": "Over the user's rate, or the camera or school is busy"},
        502: {"model": ErrorPublic, "description": "The camera refused or sent nothing usable"},
        503: {"model": ErrorPublic, "description": "This server cannot reach cameras"},
        504: {"model": ErrorPublic, "description": "The camera did not answer within its timeout"},
    },
    summary="Look now: a fresh picture of the camera (audited)",
)
def camera_snapshot(
    request: Request,
    store: StoreDep,
    snapshots: SnapshotsDep,
    limits: LimitsDep,
    viewer: SnapshotterDep,
    now: NowDep,
    secrets: SecretsDep,
    camera_id: CameraId,
) -> Response:
    camera = store.get_camera(camera_id, school_ids=viewer.school_ids)
    picture = _fresh_picture(request, camera, snapshots, limits, viewer, now, secrets, AuditAction.SNAPSHOT)
    return Response(picture, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


def _fresh_picture(
    request: Request,
    camera: CameraRecord,
    snapshots: SnapshotTaker | None,
    limits: ApiLimits,
    viewer: Viewer,
    now: datetime,
    secrets: Secrets,
    action: AuditAction,
    detail: dict[str, str] | None = None,
) -> bytes:
    """A picture taken now, within the user's rate and the stream slots; audited as `action`."""
    if snapshots is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "this server is not set up to reach cameras")
    limits.snapshots.take(viewer.user.username, now)
    outcome = "ok"
    try:
        with limits.stream_slots.holding(camera.id, camera.school_id):
            return snapshots.snapshot(camera.id)
    except NoFreeSlot:
        outcome = "busy"
        raise TooMany(
            f"camera {camera.id} is being looked at, or its school has "
            f"{limits.stream_slots.per_school} streams open",
            SLOT_RETRY_S,
        ) from None
    except StreamTimeout as exc:
        outcome = "timeout"
        raise HTTPException(
            status.HTTP_504_GATEWAY_TIMEOUT,
            f"camera {camera.id} did not answer in time: {secrets.mask(str(exc))}",
        ) from None
    except (StreamError, LookupError) as exc:
        outcome = "failed"
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY,
            f"camera {camera.id} gave no picture: {type(exc).__name__}: {secrets.mask(str(exc))}",
        ) from None
    finally:
        audit(
            request,
            viewer,
            action,
            target=f"camera:{camera.id}",
            school_id=camera.school_id,
            detail={**(detail or {}), "outcome": outcome},
        )


# The labels some rule declares a need for (a gate's "closed" and "open").
VIEW_LABELS = tuple(dict.fromkeys(label for spec in RULES for label in spec.needs.reference_views))


LABELLED_VIEW_ANSWERS: Responses = {
    **NOT_FOUND,
    403: {"model": ErrorPublic, "description": "Administrators only"},
    400: {"model": ErrorPublic, "description": "No rule declares a reference view of this label"},
    429: {"model": ErrorPublic, "description": "Over the user's rate, or the camera or school is busy"},
    502: {"model": ErrorPublic, "description": "The camera refused or sent nothing usable"},
    503: {"model": ErrorPublic, "description": "This server cannot reach cameras"},
    504: {"model": ErrorPublic, "description": "The camera did not answer within its timeout"},
}


@router.post(
    "/{camera_id}/reference-views/{label}",
    response_model=LabelledViewPublic,
    responses=LABELLED_VIEW_ANSWERS,
    summary="Take a labelled reference view from a snapshot now, for the rules that compare with it "
    "(a gate closed and open; audited)",
)
def take_labelled_view(
    request: Request,
    store: StoreDep,
    snapshots: SnapshotsDep,
    limits: LimitsDep,
    viewer: CameraManagerDep,
    now: NowDep,
    secrets: SecretsDep,
    camera_id: CameraId,
    label: Annotated[str, Path(description="The label a rule declares: " + ", ".join(VIEW_LABELS))],
) -> LabelledViewPublic:
    camera = store.get_camera(camera_id, school_ids=viewer.school_ids)
    if label not in VIEW_LABELS:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            f"no rule declares a reference view {label!r}; known: {', '.join(VIEW_LABELS)}",
        )
    picture = _fresh_picture(
        request,
        camera,
        snapshots,
        limits,
        viewer,
        now,
        secrets,
        AuditAction.LABELLED_VIEW_TAKEN,
        {"label": label},
    )
    view = LabelledView(camera.id, label, picture, now, viewer.user.username)
    store.views.save(view)
    return LabelledViewPublic(camera_id=camera.id, label=label, taken_at=now, sha256=view.sha256)


@router.post(
    "/{camera_id}/gate-reference",
    response_model=LabelledViewPublic,
    responses=LABELLED_VIEW_ANSWERS,
    summary="The gate_open rule's view of the gate closed or open, taken from a snapshot now: "
    "the reference view of that label (audited)",
)
def take_gate_reference(
    request: Request,
    store: StoreDep,
    snapshots: SnapshotsDep,
    limits: LimitsDep,
    viewer: CameraManagerDep,
    now: NowDep,
    secrets: SecretsDep,
    camera_id: CameraId,
    state: Annotated[GateState, Query(description="The gate as it stands in the picture")],
) -> LabelledViewPublic:
    return take_labelled_view(request, store, snapshots, limits, viewer, now, secrets, camera_id, state.value)


@router.post(
    "/{camera_id}/reference/reset",
    response_model=ReferenceResetPublic,
    responses={**NOT_FOUND, 403: {"model": ErrorPublic, "description": "Administrators only"}},
    summary="Forget the camera's reference view; its next good look takes a new one (audited)",
)
def reset_reference(
    request: Request, store: StoreDep, viewer: CameraManagerDep, camera_id: CameraId
) -> ReferenceResetPublic:
    camera = store.get_camera(camera_id, school_ids=viewer.school_ids)
    had = store.reset_reference(camera.id)
    audit(
        request, viewer, AuditAction.REFERENCE_RESET, target=f"camera:{camera.id}", school_id=camera.school_id
    )
    return ReferenceResetPublic(camera_id=camera.id, had_reference=had)
