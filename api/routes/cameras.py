"""Cameras as the patrol knows them (never with their credentials), and a fresh snapshot of one."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, Response, status

from api.audit import audit
from api.auth import CameraManagerDep, SnapshotterDep, ViewerDep
from api.deps import LimitsDep, NowDep, SecretsDep, SnapshotsDep, StoreDep
from api.limits import TooMany
from api.routes.events import ID_PATTERN, Responses, SiteId
from api.schemas import CameraPublic, CamerasPublic, ErrorPublic, ReferenceResetPublic
from patrol.stream_slots import NoFreeSlot
from patrol.types import AuditAction
from streams.errors import StreamError, StreamTimeout

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
    if snapshots is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "this server is not set up to reach cameras")
    limits.snapshots.take(viewer.user.username, now)
    outcome = "ok"
    try:
        with limits.stream_slots.holding(camera.id, camera.school_id):
            picture = snapshots.snapshot(camera.id)
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
            AuditAction.SNAPSHOT,
            target=f"camera:{camera.id}",
            school_id=camera.school_id,
            detail={"outcome": outcome},
        )
    return Response(picture, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


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
