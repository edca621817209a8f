"""The camera page: its picture with its zones and lines drawn over it; for administrators, the
zone editor (drag points, add and remove zones and lines, rules with their thresholds, versions).
The page's script reads and saves the view through /api/v1/cameras/{id}/view."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.auth import PageViewerDep
from api.catalogue import catalogue, label
from api.deps import StoreDep
from api.pages import not_found_page, page_language, render
from api.routes.camera_views import camera_views_of
from api.routes.cameras import CameraId
from api.view_schemas import CameraViewPublic
from patrol.accounts import Permission
from patrol.rules.registry import RULES
from patrol.store import CameraNotFound
from patrol.store.camera_views import NotImported

router = APIRouter(tags=["dashboard"], include_in_schema=False)


def rule_forms(lang: str) -> list[dict[str, Any]]:
    """Each rule's fields as its config model declares them (type, bounds, default, which names a
    zone or a line): the editor builds its inputs from these, and the API checks the same model."""
    forms = []
    for spec in RULES:
        schema = spec.config.model_json_schema()
        forms.append(
            {
                "name": spec.name,
                "label": label(lang, "type", spec.event_type),
                "required": schema.get("required", []),
                "fields": schema["properties"],
            }
        )
    return forms


@router.get("/cameras/{camera_id}", response_class=HTMLResponse)
def camera_page(
    request: Request, store: StoreDep, viewer: PageViewerDep, camera_id: CameraId
) -> HTMLResponse:
    lang = page_language(request)
    try:
        camera = store.get_camera(camera_id, school_ids=viewer.school_ids)
    except CameraNotFound:
        return not_found_page(request, viewer)
    schools = {school.id: school.name for school in store.list_schools(school_ids=viewer.school_ids)}
    views = camera_views_of(request)
    if views is None:
        return render(
            request, "message.html", {"message_key": "camera.unavailable"}, viewer=viewer, status_code=503
        )
    try:
        view = views.of(camera.id)
    except NotImported:
        return not_found_page(request, viewer)
    may_edit = viewer.may(Permission.MANAGE_CAMERAS)
    t = catalogue(lang)
    if view.source == "config":
        reason = t["camera.from_config"]
    else:
        reason = "" if may_edit else t["camera.admins_only"]
    public = CameraViewPublic.of(view, may_edit=may_edit, reason=reason)
    may_see_pictures = viewer.may(Permission.SNAPSHOT)
    has_reference = may_see_pictures and store.get_reference(camera.id) is not None
    config = {
        "cameraId": camera.id,
        "viewUrl": request.url_for("get_view", camera_id=camera.id).path,
        "versionsUrl": request.url_for("list_view_versions", camera_id=camera.id).path,
        "referenceUrl": request.url_for("camera_reference", camera_id=camera.id).path
        if has_reference
        else None,
        "snapshotUrl": request.url_for("camera_snapshot", camera_id=camera.id).path
        if may_see_pictures
        else None,
        "csrfToken": viewer.principal.csrf_token,
        "editable": public.editable,
        "version": public.version,
        "view": public.view,
        "rules": rule_forms(lang),
        "windows": list(views.windows),
        "lang": lang,
        "labels": t,
    }
    return render(
        request,
        "camera.html",
        {
            "camera": camera,
            "school_name": schools.get(camera.school_id, camera.school_id),
            "role_label": label(lang, "camera_role", camera.role),
            "view": public,
            "config": config,
            "js": request.url_for("static", path="zone_editor.js").path,
        },
        viewer=viewer,
    )
