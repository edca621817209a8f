"""Cameras as the patrol knows them: never with their credentials."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import StoreDep
from api.routes.events import SiteId
from api.schemas import CameraPublic, CamerasPublic

router = APIRouter(prefix="/cameras", tags=["cameras"])


@router.get("", response_model=CamerasPublic, summary="List cameras by school")
def list_cameras(store: StoreDep, school: SiteId = None) -> CamerasPublic:
    names = {school.id: school.name for school in store.list_schools()}
    cameras = store.list_cameras(school_id=school)
    return CamerasPublic(
        data=[CameraPublic.from_record(camera, names.get(camera.school_id, "")) for camera in cameras],
        count=len(cameras),
    )
