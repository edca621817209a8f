"""Importing cameras from a registry sheet (administrators): all rows or none, or the good ones."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.auth import CameraManagerDep, actor_of
from api.import_schemas import CameraImportPublic
from api.schemas import ErrorPublic
from patrol.registry.importer import CameraImporter
from patrol.registry.rows import RowIssue
from patrol.registry.sheet import SheetError
from streams.onvif import StreamChoice

router = APIRouter(prefix="/cameras", tags=["cameras"])

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_RAW_TYPES = ("text/csv", "application/csv", "text/plain", XLSX_TYPE, "application/octet-stream")
_SHEET_BODY = {
    "required": True,
    "description": "The sheet: a CSV or XLSX body, or a multipart form with the sheet in `file`",
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
        "text/csv": {"schema": {"type": "string"}},
        XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
    },
}


def get_camera_import(request: Request) -> CameraImporter | None:
    return cast(CameraImporter | None, request.app.state.camera_import)


@router.post(
    "/import",
    response_model=CameraImportPublic,
    responses={
        401: {"model": ErrorPublic, "description": "No session or API token"},
        403: {"model": ErrorPublic, "description": "Administrators only"},
        413: {"model": ErrorPublic, "description": "The sheet is over the API's body limit"},
        415: {"model": ErrorPublic, "description": "Neither CSV, XLSX nor a multipart form"},
        422: {
            "description": "Nothing imported: each problem's `loc` is ['body', row, column] "
            "(row 1 is the header), or ['body'] for a sheet that cannot be read"
        },
        503: {"model": ErrorPublic, "description": "This server does not import cameras"},
    },
    openapi_extra={"requestBody": _SHEET_BODY},
    summary="Import cameras from a registry sheet (audited); all rows or none, or the good ones with skip_bad",
)
async def import_cameras(
    request: Request,
    viewer: CameraManagerDep,
    skip_bad: Annotated[bool, Query(description="Import the good rows and report the others")] = False,
    onvif_stream: Annotated[
        StreamChoice, Query(description="Which stream of an ONVIF camera to take")
    ] = StreamChoice.SUB,
) -> CameraImportPublic:
    importer = get_camera_import(request)
    if importer is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "this server does not import cameras")
    data, source = await _sheet(request)
    who = actor_of(request, viewer)
    try:
        report = await run_in_threadpool(
            importer.run,
            data,
            who,
            source=source,
            skip_bad=skip_bad,
            stream_choice=onvif_stream,
            school_ids=viewer.school_ids,
        )
    except SheetError as exc:
        raise _refused([], str(exc)) from None
    if report.issues and not report.imported:
        raise _refused(list(report.issues), "")
    return CameraImportPublic.from_report(report)


async def _sheet(request: Request) -> tuple[bytes, str]:
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=8)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise _refused([], "the form has no `file` holding the sheet")
        return await upload.read(), (upload.filename or "upload")[:200]
    if content_type in _RAW_TYPES:
        return await request.body(), "request body"
    raise HTTPException(
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        f"send the sheet as text/csv, {XLSX_TYPE} or a multipart form, not {content_type or 'no type'}",
    )


def _refused(issues: list[RowIssue], sheet_problem: str) -> RequestValidationError:
    """A 422 shaped as every other of the API: one error per problem, located by row and column."""
    errors: list[dict[str, Any]] = [
        {"type": "value_error", "loc": ("body", issue.row, issue.column), "msg": issue.reason, "input": None}
        for issue in issues
    ]
    if sheet_problem:
        errors.append({"type": "value_error", "loc": ("body",), "msg": sheet_problem, "input": None})
    return RequestValidationError(errors)
