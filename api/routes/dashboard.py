"""The dispatch-room wall screen: flagged events, newest first, refreshing by itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import SettingsDep, StoreDep, TemplatesDep
from api.labels import EVENT_STATUSES, EVENT_TYPES
from api.redaction import mask_passwords
from api.routes.events import first_evidence_url

router = APIRouter(tags=["dashboard"])

EVENTS_SHOWN = 50


@router.get("/", response_model=None, response_class=HTMLResponse, include_in_schema=False)
def dashboard(
    request: Request, settings: SettingsDep, store: StoreDep, templates: TemplatesDep
) -> HTMLResponse:
    zone = settings.zone
    schools = {school.id: school.name for school in store.list_schools()}
    cameras = {camera.id: camera for camera in store.list_cameras()}
    events, count = store.list_events(limit=EVENTS_SHOWN)

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")

    rows: list[dict[str, Any]] = []
    for event in events:
        camera = cameras.get(event.camera_id)
        rows.append(
            {
                "id": event.id,
                "status": event.status.value,
                "status_label": EVENT_STATUSES[event.status],
                "type_label": EVENT_TYPES[event.type],
                "camera": camera.name if camera else event.camera_id,
                "school": schools.get(event.school_id, event.school_id),
                "first_seen": local(event.first_seen),
                "last_seen": local(event.last_seen),
                "ongoing": event.ongoing,
                "looks": event.looks,
                "summary": mask_passwords(event.summary),
                "thumbnail": first_evidence_url(request, event.id) if event.evidence else None,
            }
        )
    config = {
        "eventsUrl": request.url_for("list_events").path,
        "camerasUrl": request.url_for("list_cameras").path,
        "limit": EVENTS_SHOWN,
        "refreshMs": round(settings.dashboard_refresh_s * 1000),
        "timezone": settings.timezone,
        "types": {key.value: label for key, label in EVENT_TYPES.items()},
        "statuses": {key.value: label for key, label in EVENT_STATUSES.items()},
    }
    return templates.TemplateResponse(
        request,
        "dashboard.html",
        {
            "title": settings.title,
            "timezone": settings.timezone,
            "rows": rows,
            "count": count,
            "config": config,
            "css": request.url_for("static", path="dashboard.css").path,
            "js": request.url_for("static", path="dashboard.js").path,
        },
    )
