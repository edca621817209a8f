"""The supervisors' period report (CSV, XLSX, PDF) and the statistics behind it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from api.audit import audit
from api.auth import ExporterDep, ViewerDep
from api.catalogue import label
from api.deps import HazardsDep, NowDep, StoreDep, get_secrets, get_settings
from api.errors import unprocessable
from api.hazard_schemas import StatsPublic
from api.params import AwareUtc
from api.routes.hazards import issuer
from patrol.reports.assembly import count_findings, period_statistics, report_data
from patrol.reports.documents import report_csv, report_pdf, report_xlsx
from patrol.types import AuditAction

router = APIRouter(tags=["reports"])

From = Annotated[AwareUtc, Query(alias="from", description="Start of the period, with timezone")]
To = Annotated[AwareUtc, Query(alias="to", description="End of the period (exclusive), with timezone")]
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
    current, previous = period_statistics(
        store, since, until, now=now, school_ids=viewer.school_ids, timezone=get_settings(request).timezone
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
    hazards: HazardsDep,
    viewer: ExporterDep,
    now: NowDep,
    since: From,
    until: To,
    format: Literal["csv", "xlsx", "pdf"] = "pdf",
) -> Response:
    _period(since, until)
    settings = get_settings(request)
    findings = count_findings(store, since, until, school_ids=viewer.school_ids)
    if findings > settings.report_max_findings:
        raise unprocessable(
            ("query", "from"),
            f"about {findings} findings, more than the {settings.report_max_findings} a report may hold; "
            "ask for a shorter period",
        )
    data = report_data(
        store,
        hazards,
        since=since,
        until=until,
        now=now,
        timezone=settings.timezone,
        school_ids=viewer.school_ids,
        issuer=issuer(viewer, request),
        secrets=get_secrets(request),
        label=_label,
        thumbnails=format != "csv",
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


def _label(group: str, value: str) -> str:
    return label("zh-CN", group, value)
