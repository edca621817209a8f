"""A camera's view (zones, lines, rules with their thresholds): read by anyone who sees the
camera, changed and rolled back by administrators, each change a version and an audit entry.

Only imported cameras are changed here; a camera of the config file answers 409 (the file is
applied again at each start and would undo the change). The running patrol takes a saved view at
its next refresh of the imported cameras (`registry.refresh_s`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, cast

from fastapi import APIRouter, Body, Header, HTTPException, Path, Request, Response, status
from fastapi.exceptions import RequestValidationError

from api.auth import CameraManagerDep, SnapshotterDep, Viewer, ViewerDep, actor_of
from api.deps import NowDep, StoreDep
from api.routes.cameras import NOT_FOUND, CameraId
from api.schemas import ErrorPublic
from api.view_schemas import CameraViewPublic, ViewVersionPublic, ViewVersionsPublic
from patrol.accounts import Permission
from patrol.records import CameraRecord
from patrol.registry.views import CameraView, CameraViews, ViewNotEditable, ViewRefused
from patrol.store.camera_views import NotImported, ViewChangedMeanwhile

router = APIRouter(prefix="/cameras", tags=["camera views"])

# As api.routes.events types its answers.
Responses = dict[int | str, dict[str, Any]]
UNAVAILABLE: Responses = {503: {"model": ErrorPublic, "description": "This server does not edit cameras"}}
ADMIN_ONLY: Responses = {403: {"model": ErrorPublic, "description": "Administrators only (or no CSRF token)"}}
NOT_EDITABLE: Responses = {
    409: {
        "model": ErrorPublic,
        "description": "The config file defines the camera, or the view changed since the If-Match version",
    }
}


def camera_views_of(request: Request) -> CameraViews | None:
    """None where this server does not import cameras, hence does not edit them either."""
    return cast(CameraViews | None, request.app.state.camera_views)


def get_camera_views(request: Request) -> CameraViews:
    views = camera_views_of(request)
    if views is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "this server does not edit cameras")
    return views


@router.get(
    "/{camera_id}/view",
    response_model=CameraViewPublic,
    responses={**NOT_FOUND, **UNAVAILABLE},
    summary="The camera's zones, lines and rules with their thresholds (the config's camera shape)",
)
def get_view(
    request: Request, response: Response, store: StoreDep, viewer: ViewerDep, camera_id: CameraId
) -> CameraViewPublic:
    views = get_camera_views(request)
    camera = store.get_camera(camera_id, school_ids=viewer.school_ids)
    view = _view(views, camera)
    response.headers["ETag"] = f'"{view.version}"'
    return _public(view, viewer)


@router.get(
    "/{camera_id}/reference.jpg",
    response_model=None,
    response_class=Response,
    responses={
        **NOT_FOUND,
        200: {
            "content": {"image/jpeg": {}},
            "description": "The picture the camera's health is judged against",
        },
        403: {"model": ErrorPublic, "description": "The role may not see camera pictures"},
    },
    summary="The camera's reference view: the picture its zones are drawn on (404 until it has one)",
)
def camera_reference(store: StoreDep, viewer: SnapshotterDep, camera_id: CameraId) -> Response:
    camera = store.get_camera(camera_id, school_ids=viewer.school_ids)
    reference = store.get_reference(camera.id)
    if reference is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"camera {camera.id} has no reference view yet")
    return Response(reference.jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.put(
    "/{camera_id}/view",
    response_model=CameraViewPublic,
    responses={
        **NOT_FOUND,
        **ADMIN_ONLY,
        **NOT_EDITABLE,
        **UNAVAILABLE,
        400: {"model": ErrorPublic, "description": "An If-Match that is not a version"},
        422: {"description": "Refused: each problem's `loc` is ['body', ...its key path in the view]"},
    },
    summary="Change the camera's zones, lines and rules (administrators; versioned and audited)",
)
def put_view(
    request: Request,
    response: Response,
    store: StoreDep,
    viewer: CameraManagerDep,
    now: NowDep,
    camera_id: CameraId,
    view: Annotated[dict[str, Any], Body(description="zones, lines, rules (and max_gap_s) as in the config")],
    if_match: Annotated[
        str | None, Header(description="The version the change was made on; refused if another came since")
    ] = None,
) -> CameraViewPublic:
    views = get_camera_views(request)
    camera = store.get_camera(camera_id, school_ids=viewer.school_ids)
    expected = _version(if_match)
    with _refusals():
        views.save(
            camera.id, camera.school_id, view, actor_of(request, viewer), now, expected_version=expected
        )
    return _answer(views, camera, viewer, response)


@router.get(
    "/{camera_id}/view/versions",
    response_model=ViewVersionsPublic,
    responses={**NOT_FOUND, **ADMIN_ONLY, **UNAVAILABLE},
    summary="Every saved change of the camera's view, newest first: who, when, before and after",
)
def list_view_versions(
    request: Request, store: StoreDep, viewer: CameraManagerDep, camera_id: CameraId
) -> ViewVersionsPublic:
    views = get_camera_views(request)
    camera = store.get_camera(camera_id, school_ids=viewer.school_ids)
    versions = [ViewVersionPublic.from_record(record) for record in views.versions(camera.id)]
    return ViewVersionsPublic(data=versions, count=len(versions))


@router.post(
    "/{camera_id}/view/versions/{version}/restore",
    response_model=CameraViewPublic,
    responses={**NOT_FOUND, **ADMIN_ONLY, **NOT_EDITABLE, **UNAVAILABLE},
    summary="Roll back: the view as that version saved it becomes a new version (audited)",
)
def restore_view_version(
    request: Request,
    response: Response,
    store: StoreDep,
    viewer: CameraManagerDep,
    now: NowDep,
    camera_id: CameraId,
    version: Annotated[int, Path(ge=1, le=1_000_000_000)],
) -> CameraViewPublic:
    views = get_camera_views(request)
    camera = store.get_camera(camera_id, school_ids=viewer.school_ids)
    with _refusals():
        views.restore(camera.id, camera.school_id, version, actor_of(request, viewer), now)
    return _answer(views, camera, viewer, response)


def _view(views: CameraViews, camera: CameraRecord) -> CameraView:
    try:
        return views.of(camera.id)
    except NotImported:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"camera {camera.id} has no view: neither the config file nor the imported cameras define it",
        ) from None


def _answer(views: CameraViews, camera: CameraRecord, viewer: Viewer, response: Response) -> CameraViewPublic:
    view = _view(views, camera)
    response.headers["ETag"] = f'"{view.version}"'
    return _public(view, viewer)


def _public(view: CameraView, viewer: Viewer) -> CameraViewPublic:
    may_edit = viewer.may(Permission.MANAGE_CAMERAS)
    if view.source == "config":
        reason = "the config file defines this camera: change its zones and rules in the file"
    else:
        reason = "" if may_edit else "administrators change zones and rules"
    return CameraViewPublic.of(view, may_edit=may_edit, reason=reason)


def _version(if_match: str | None) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 10:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, 'If-Match takes the view\'s version as the ETag gave it: "3"'
        )
    return int(text)


@contextmanager
def _refusals() -> Iterator[None]:
    """The editor's refusals as answers: 422 located in the body, 409, 404."""
    try:
        yield
    except ViewRefused as refused:
        raise RequestValidationError(
            [
                {"type": "value_error", "loc": ("body", *problem.loc), "msg": problem.message, "input": None}
                for problem in refused.problems
            ]
        ) from None
    except ViewNotEditable as refused:
        raise HTTPException(status.HTTP_409_CONFLICT, str(refused)) from None
    except ViewChangedMeanwhile as changed:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"the view of camera {changed.args[0]} changed since it was read: read it again, then save",
        ) from None
    except NotImported as missing:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"camera {missing.args[0]} is not among the imported cameras"
        ) from None
    except LookupError as missing:  # no such version
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(missing.args[0])) from None
