"""The pages: the dispatch-room wall screen, one event for the officer's decision, the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from api.auth import AuditPageDep, PageViewerDep, Viewer, ViewerDep
from api.catalogue import LANGUAGES, catalogue, enum_labels, label
from api.deps import NowDep, SecretsDep, SettingsDep, StoreDep
from api.pages import not_found_page, page_language, render
from api.params import EventId, EventStatusFilter, EventTypeFilter, SiteId
from api.routes.audit import read_audit
from api.routes.events import evidence_url, first_evidence_url
from api.routes.live import overview
from api.settings import ApiSettings
from api.summaries import summary
from patrol.accounts import Permission
from patrol.records import EventRecord
from patrol.rules.registry import RULES, rule_spec
from patrol.store import EventNotFound, Store
from patrol.types import AuditAction, DecisionReason, EventStatus, EventType
from streams.redact import Secrets

router = APIRouter(tags=["dashboard"], include_in_schema=False)

EVENTS_SHOWN = 50
HOUR_OPTIONS = (1, 8, 24, 168)
# Detail keys shown as the thresholds and measurements, in this order: the rules' own, as each
# declares them, among the keys camera-health events and the look add.
DETAIL_KEYS = (
    "rule",
    *dict.fromkeys(key for spec in RULES for key in spec.detail_labels),
    "outcome",
    "reason",
    "waited_s",
    "model",
)


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _names(store: Store, viewer: Viewer) -> tuple[dict[str, str], dict[str, str]]:
    """Names of the schools and cameras the viewer's jurisdiction sees, and no others."""
    schools = {school.id: school.name for school in store.list_schools(school_ids=viewer.school_ids)}
    cameras = {camera.id: camera.name for camera in store.list_cameras(school_ids=viewer.school_ids)}
    return schools, cameras


def _row(
    request: Request,
    event: EventRecord,
    lang: str,
    zone: ZoneInfo,
    schools: dict[str, str],
    cameras: dict[str, str],
    secrets: Secrets,
) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type.value,
        "status": event.status.value,
        "status_label": label(lang, "status", event.status),
        "type_label": label(lang, "type", event.type),
        "camera": cameras.get(event.camera_id, event.camera_id),
        "school": schools.get(event.school_id, event.school_id),
        "first_seen": _local(event.first_seen, zone),
        "last_seen": _local(event.last_seen, zone),
        "ongoing": event.ongoing,
        "looks": event.looks,
        "summary": secrets.mask(summary(event, lang, zone)),
        "thumbnail": first_evidence_url(request, event.id) if event.evidence else None,
        "url": request.url_for("event_page", event_id=event.id).path,
    }


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters, as its form and its script send them."""

    school: str | None
    event_type: EventType | None
    event_status: EventStatus | None
    hours: int | None


def dashboard_filters(
    school: SiteId = None,
    event_type: EventTypeFilter = None,
    event_status: EventStatusFilter = None,
    hours: Annotated[int | None, Query(ge=1, le=24 * 366)] = None,
) -> Filters:
    return Filters(school, event_type, event_status, hours)


FiltersDep = Annotated[Filters, Depends(dashboard_filters)]


def _listed_rows(
    request: Request,
    settings: ApiSettings,
    store: Store,
    viewer: Viewer,
    secrets: Secrets,
    now: datetime,
    filters: Filters,
    names: tuple[dict[str, str], dict[str, str]],
) -> tuple[list[dict[str, Any]], int]:
    """The events table's rows for the filters, newest first, and how many events match;
    `names`: the viewer's schools and cameras (`_names`)."""
    events, count = store.list_events(
        school_id=filters.school,
        event_type=filters.event_type,
        status=filters.event_status,
        since=now - timedelta(hours=filters.hours) if filters.hours else None,
        limit=EVENTS_SHOWN,
        school_ids=viewer.school_ids,
    )
    lang = page_language(request)
    schools, cameras = names
    rows = [_row(request, event, lang, settings.zone, schools, cameras, secrets) for event in events]
    return rows, count


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    viewer: PageViewerDep,
    secrets: SecretsDep,
    now: NowDep,
    filters: FiltersDep,
) -> HTMLResponse:
    lang = page_language(request)
    t = catalogue(lang)
    schools, cameras = _names(store, viewer)
    rows, count = _listed_rows(request, settings, store, viewer, secrets, now, filters, (schools, cameras))
    config = {
        "rowsUrl": request.url_for("event_rows").path,
        "streamUrl": request.url_for("event_stream").path,
        "overviewUrl": request.url_for("get_overview").path,
        "refreshMs": round(settings.dashboard_refresh_s * 1000),
        "labels": catalogue(lang),
        "schools": schools,
        "cameras": cameras,
    }
    return render(
        request,
        "dashboard.html",
        {
            "rows": rows,
            "count": count,
            "overview": overview(store, viewer),
            "filters": {
                "school": filters.school or "",
                "type": filters.event_type.value if filters.event_type else "",
                "status": filters.event_status.value if filters.event_status else "",
                "hours": str(filters.hours or ""),
            },
            "hour_options": [(n, t["dash.last_hours"].format(n=n)) for n in HOUR_OPTIONS],
            "school_options": config["schools"],
            "type_options": enum_labels(lang, "type"),
            "status_options": enum_labels(lang, "status"),
            "config": config,
            "js": request.url_for("static", path="dashboard.js").path,
        },
        viewer=viewer,
    )


# The events table's rows are rendered here only (event_rows.html): in the page above, and for
# its script, which fetches them as the filters change and as the live feed names an event.
@router.get("/dashboard/rows", response_class=HTMLResponse)
def event_rows(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    viewer: ViewerDep,
    secrets: SecretsDep,
    now: NowDep,
    filters: FiltersDep,
) -> HTMLResponse:
    """The rows for the filters; X-Total-Count says how many events match."""
    rows, count = _listed_rows(request, settings, store, viewer, secrets, now, filters, _names(store, viewer))
    return render(
        request, "event_rows.html", {"rows": rows}, viewer=viewer, headers={"X-Total-Count": str(count)}
    )


@router.get("/dashboard/rows/{event_id}", response_class=HTMLResponse)
def event_row(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    viewer: ViewerDep,
    secrets: SecretsDep,
    event_id: EventId,
) -> HTMLResponse:
    """One event's row (404 outside the viewer's jurisdiction)."""
    event = store.get_event(event_id, school_ids=viewer.school_ids)
    schools, cameras = _names(store, viewer)
    row = _row(request, event, page_language(request), settings.zone, schools, cameras, secrets)
    return render(request, "event_rows.html", {"rows": [row]}, viewer=viewer)


def _details(event: EventRecord, lang: str, t: dict[str, str], secrets: Secrets) -> list[tuple[str, str]]:
    details = secrets.mask_in(event.details)
    rows = []
    for key in DETAIL_KEYS:
        if key in details and not isinstance(details[key], dict | list):
            value = details[key]
            if key == "outcome":
                value = label(lang, "outcome", value)
            rows.append((t.get(f"detail.{key}", key), str(value)))
    spec = rule_spec(event.type)
    if spec is not None:
        try:
            typed = spec.read_details(details)
        except ValueError:  # pydantic's ValidationError: details the rule cannot read; shown as above only
            return rows
        rows.extend((t.get(f"detail.{key}", key), text) for key, text in spec.detail_rows(typed))
    return rows


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_page(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    viewer: PageViewerDep,
    secrets: SecretsDep,
    event_id: EventId,
) -> HTMLResponse:
    lang = page_language(request)
    t = catalogue(lang)
    zone = settings.zone
    try:
        event = store.get_event(event_id, school_ids=viewer.school_ids)
    except EventNotFound:
        return not_found_page(request, viewer)
    schools, cameras = _names(store, viewer)
    other = next(code for code in LANGUAGES if code != lang)
    decisions = store.decisions(event_id, school_ids=viewer.school_ids)
    config = {
        "eventId": event.id,
        "status": event.status.value,
        "confirmUrl": request.url_for("confirm_event", event_id=event.id).path,
        "dismissUrl": request.url_for("dismiss_event", event_id=event.id).path,
        "reviseUrl": request.url_for("revise_decision", event_id=event.id).path,
        "snapshotUrl": request.url_for("camera_snapshot", camera_id=event.camera_id).path,
        "dashboardUrl": "/",
        "csrfToken": viewer.principal.csrf_token,
        "timezone": settings.timezone,
        "lang": lang,
        "labels": catalogue(lang),
    }
    return render(
        request,
        "event.html",
        {
            "event": event,
            "row": _row(request, event, lang, zone, schools, cameras, secrets),
            "summary_other": secrets.mask(summary(event, other, zone)),
            "evidence": [
                {
                    "url": evidence_url(request, event.id, n),
                    "sha256": item.sha256,
                    "at": _local(item.created_at, zone),
                }
                for n, item in enumerate(event.evidence, start=1)
            ],
            "details": _details(event, lang, t, secrets),
            "ended_at": _local(event.ended_at, zone),
            "decisions": [
                {
                    "id": d.id,
                    "by": d.decided_by,
                    "role": label(lang, "role", d.role) if d.role else "",
                    "status": label(lang, "status", d.status),
                    "reason": label(lang, "reason", d.reason) if d.reason else "",
                    "note": d.note,
                    "at": _local(d.decided_at, zone),
                    "revision_of": d.revision_of,
                }
                for d in decisions
            ],
            "reasons": enum_labels(lang, "reason"),
            "may_decide": viewer.may(Permission.DECIDE) and event.status is EventStatus.NEW,
            "may_revise": viewer.may(Permission.REVISE) and event.status is not EventStatus.NEW,
            "may_snapshot": viewer.may(Permission.SNAPSHOT),
            "config": config,
            "js": request.url_for("static", path="event.js").path,
            "default_reason": DecisionReason.OTHER.value,
        },
        viewer=viewer,
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    viewer: AuditPageDep,
    secrets: SecretsDep,
    user: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9._@-]{1,64}$")] = None,
    action: AuditAction | None = None,
    since: Annotated[str | None, Query(max_length=40)] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    lang = page_language(request)
    zone = settings.zone

    def moment(text: str | None) -> datetime | None:
        # The page's inputs are local date-times of the configured zone.
        if not text:
            return None
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)

    page = read_audit(
        store,
        viewer,
        user=user,
        action=action,
        since=moment(since),
        until=moment(until),
        limit=200,
        secrets=secrets,
    )
    return render(
        request,
        "audit.html",
        {
            "entries": [
                {
                    "at": _local(entry.at, zone),
                    "user": entry.username,
                    "role": label(lang, "role", entry.role) if entry.role else "",
                    "action": label(lang, "action", entry.action),
                    "action_code": entry.action.value,
                    "target": entry.target,
                    "client": entry.client,
                    "detail": ", ".join(f"{k}={v}" for k, v in entry.detail.items() if v not in (None, "")),
                }
                for entry in page.data
            ],
            "count": page.count,
            "filters": {
                "user": user or "",
                "action": action.value if action else "",
                "since": since or "",
                "until": until or "",
            },
            "action_options": enum_labels(lang, "action"),
        },
        viewer=viewer,
    )
