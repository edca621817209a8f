"""The supervisors' period report (CSV, XLSX, PDF) and the statistics behind it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from api.audit import audit
from api.auth import ExporterDep, Viewer, ViewerDep
from api.catalogue import label
from api.deps import NowDep, StoreDep, get_secrets, get_settings
from api.errors import unprocessable
from api.hazard_schemas import StatsPublic
from api.params import AwareUtc
from api.routes.hazards import issuer
from patrol.hazards import HazardRegister
from patrol.reports.documents import FindingRow, ReportData, report_csv, report_pdf, report_xlsx
from patrol.reports.statistics import compute, previous_period
from patrol.store import Store
from patrol.types import AuditAction
from streams.redact import Secrets

router = APIRouter(tags=["reports"])

From = Annotated[AwareUtc, Query(alias="from", description="Start of the period, with timezone")]
To = Annotated[AwareUtc, Query(alias="to", description="End of the period (exclusive), with timezone")]
# The most findings a report is built from: the bound of api.report_max_findings.
MAX_FINDINGS = 1_000_000
_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _period(since: datetime, until: datetime) -> None:
    if until <= since:
        raise unprocessable(("query", "to"), "`to` must be after `from`")
    if (until - since).days > 3660:
        raise unprocessable(("query", "to"), "the period is longer than ten years")


@router.get("/stats", response_model=StatsPublic, summary="Patrol statistics for a period")
def stats(
    request: Request, store: StoreDep, viewer: ViewerDep, now: NowDep, since: From, until: To
) -> StatsPublic:
    _period(since, until)
    zone = get_settings(request).timezone
    current = compute(store, since, until, now=now, school_ids=viewer.school_ids, timezone=zone)
    previous = compute(
        store, *previous_period(since, until), now=now, school_ids=viewer.school_ids, timezone=zone
    )
    return StatsPublic.from_stats(current, previous)


@router.get(
    "/reports",
    response_class=Response,
    responses={200: {"content": {m: {} for m in _MEDIA.values()}, "description": "The report file"}},
    summary="The period report for the user's jurisdiction",
)
def report(
    request: Request,
    store: StoreDep,
    viewer: ExporterDep,
    now: NowDep,
    since: From,
    until: To,
    format: Literal["csv", "xlsx", "pdf"] = "pdf",
) -> Response:
    _period(since, until)
    settings = get_settings(request)
    # Counted before anything is built: a report too large to make is refused at the cost of one query.
    _, findings = store.list_events(since=since, until=until, limit=0, school_ids=viewer.school_ids)
    if findings > settings.report_max_findings:
        raise unprocessable(
            ("query", "from"),
            f"about {findings} findings, more than the {settings.report_max_findings} a report may hold; "
            "ask for a shorter period",
        )
    data = report_data(
        store, viewer, since, until, now, settings.timezone, issuer(viewer, request), get_secrets(request)
    )
    render = {"csv": report_csv, "xlsx": report_xlsx, "pdf": report_pdf}[format]
    content = render(data, _label)
    audit(
        request,
        viewer,
        AuditAction.EXPORT,
        target="report",
        detail={
            "format": format,
            "from": since.isoformat(),
            "to": until.isoformat(),
            "findings": len(data.findings),
        },
    )
    filename = f"patrol-report-{since:%Y%m%d}-{until:%Y%m%d}.{format}"
    return Response(
        content,
        media_type=_MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def report_data(
    store: Store,
    viewer: Viewer,
    since: datetime,
    until: datetime,
    now: datetime,
    timezone: str,
    issued_by: str,
    secrets: Secrets,
) -> ReportData:
    scope = viewer.school_ids
    current = compute(store, since, until, now=now, school_ids=scope, timezone=timezone)
    previous = compute(store, *previous_period(since, until), now=now, school_ids=scope, timezone=timezone)
    events, _ = store.list_events(since=since, until=until, limit=MAX_FINDINGS, school_ids=scope)
    hazards = {h.event_id: h for h in HazardRegister(store).list(now=now, school_ids=scope)}
    schools = {s.id: s.name for s in store.list_schools(school_ids=scope)}
    cameras = {c.id: c.name for c in store.list_cameras(school_ids=scope)}
    rows = []
    for event in sorted(
        (e for e in events if since <= e.first_seen < until), key=lambda e: (e.first_seen, e.id)
    ):
        hazard = hazards.get(event.id)
        thumbnail = None
        if event.evidence:
            try:
                thumbnail = store.evidence_picture(event.evidence[0])
            except OSError:
                thumbnail = None
        rows.append(
            FindingRow(
                event_id=event.id,
                first_seen=event.first_seen,
                school=schools.get(event.school_id, event.school_id),
                camera=cameras.get(event.camera_id, event.camera_id),
                type=_label("type", event.type.value),
                summary=secrets.mask(event.summary),
                decision=_label("status", event.status.value),
                hazard_state=_label("hazard_state", hazard.state.value) if hazard else "",
                reference_number=hazard.reference_number if hazard else "",
                clearance_hours=(hazard.cleared_at - event.first_seen).total_seconds() / 3600
                if hazard and hazard.cleared_at
                else None,
                thumbnail=thumbnail,
            )
        )
    return ReportData(issued_by, timezone, current, previous, rows, schools)


def _label(group: str, value: str) -> str:
    return label("zh-CN", group, value)
