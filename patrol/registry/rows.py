"""Judging a registry sheet's rows: each row becomes a camera entry, or issues naming its row,
column and reason. Every row and every column is checked, so one pass shows every problem.

Reasons quote what a cell says only for columns that cannot hold a secret (id, school, role,
template, onvif); a stream address or a credentials cell is never echoed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from patrol.config.schema import CameraViewConfig
from patrol.registry.sheet import HEADER_ROW, Sheet, SheetRow
from patrol.registry.stream_address import check_address, without_userinfo
from patrol.types import CameraRole
from streams.onvif import OnvifAddress

REQUIRED_COLUMNS = ("id", "school", "name", "role")
ADDRESS_COLUMNS = ("stream", "onvif")
OPTIONAL_COLUMNS = ("username", "credentials", "template")
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, *ADDRESS_COLUMNS, *OPTIONAL_COLUMNS)
CAMERA_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # the config's ids; a 20-digit GB/T 28181 id fits
_EXCEL_ROUNDED = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_PASSWORD_COLUMN = re.compile(r"pass|pwd|密码|口令")
MAX_NAME = 200
MAX_USERNAME = 64

# A row's reporter: issue(column, reason).
_Issue = Callable[[str, str], None]


@dataclass(frozen=True, order=True)
class RowIssue:
    row: int  # as a spreadsheet numbers it; row 1 is the header
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


@dataclass(frozen=True)
class CameraEntry:
    """A row that passed every check."""

    row: int
    id: str
    school: str
    name: str
    role: CameraRole
    stream: str | None  # RTSP address as stored: ${VAR} placeholders kept, a bare user name taken out
    onvif: OnvifAddress | None
    username: str | None
    credentials: str | None  # the name of the environment variable holding the password
    template: str | None
    view: CameraViewConfig


@dataclass(frozen=True)
class RowContext:
    """What rows are checked against."""

    schools: Collection[str]  # the ids a row may name: the config's and the database's, in scope
    config_cameras: Collection[str]  # ids the config's own cameras hold
    foreign_cameras: Collection[str]  # ids of cameras at schools outside the importer's scope
    templates: Mapping[str, CameraViewConfig]
    environ: Mapping[str, str]


def header_issues(sheet: Sheet) -> list[RowIssue]:
    issues = []
    for column in sheet.columns:
        if _PASSWORD_COLUMN.search(column):
            reason = "a password never goes in the sheet: name its environment variable in credentials"
            issues.append(RowIssue(HEADER_ROW, column, reason))
        elif column not in KNOWN_COLUMNS:
            issues.append(RowIssue(HEADER_ROW, column, f"unknown column; known: {', '.join(KNOWN_COLUMNS)}"))
    for column in REQUIRED_COLUMNS:
        if column not in sheet.columns:
            issues.append(RowIssue(HEADER_ROW, column, "this column is missing"))
    if not any(column in sheet.columns for column in ADDRESS_COLUMNS):
        issues.append(RowIssue(HEADER_ROW, "stream", "a stream or an onvif column is needed"))
    return issues


def check_rows(sheet: Sheet, context: RowContext) -> tuple[list[CameraEntry], list[RowIssue]]:
    """The entries of the rows without issues, and the issues of the others. A second row with an
    id already used is the one reported."""
    entries: list[CameraEntry] = []
    issues: list[RowIssue] = []
    first_row: dict[str, int] = {}
    for row in sheet.rows:
        entry, found = _check_row(row, context)
        camera_id = row.cells.get("id", "")
        if camera_id and camera_id in first_row:
            found.insert(0, RowIssue(row.number, "id", f"the same id as row {first_row[camera_id]}"))
        elif camera_id:
            first_row[camera_id] = row.number
        if found:
            issues.extend(found)
        elif entry is not None:
            entries.append(entry)
    return entries, issues


def _check_row(row: SheetRow, context: RowContext) -> tuple[CameraEntry | None, list[RowIssue]]:
    issues: list[RowIssue] = []

    def issue(column: str, reason: str) -> None:
        issues.append(RowIssue(row.number, column, reason))

    cells = row.cells
    if row.overflow:
        issue("-", "cells beyond the last column of the header")
    camera_id = _camera_id(row, issue)
    if camera_id in context.config_cameras:
        issue("id", f"{camera_id!r} is a camera of the config; change it in config.yaml, not by import")
    elif camera_id in context.foreign_cameras:
        issue("id", f"{camera_id!r} is taken by a camera you do not manage")
    school = cells.get("school", "")
    if not school:
        issue("school", "required")
    elif school not in context.schools:
        issue("school", f"no school {school!r}")
    name = cells.get("name", "")
    if not name:
        issue("name", "required")
    elif len(name) > MAX_NAME or not name.isprintable():
        issue("name", f"at most {MAX_NAME} printable characters")
    role = _role(cells.get("role", ""), issue)
    reach = _reach(row, context, issue)
    credentials = _credentials(cells.get("credentials", ""), reach, context, issue)
    template, view = _view(cells.get("template", ""), role, context, issue)
    if issues or camera_id is None or role is None or view is None:
        return None, issues
    entry = CameraEntry(
        row.number,
        camera_id,
        school,
        name,
        role,
        reach.stream,
        reach.onvif,
        reach.username,
        credentials,
        template,
        view,
    )
    return entry, issues


def _camera_id(row: SheetRow, issue: _Issue) -> str | None:
    camera_id = row.cells.get("id", "")
    if not camera_id:
        issue("id", "required")
    elif "id" in row.numeric:
        issue("id", "a number in the workbook, which Excel rounds after 15 digits: format the column as text")
    elif _EXCEL_ROUNDED.match(camera_id):
        issue(
            "id", f"{camera_id!r} is a number Excel rounded: format the column as text and type the ids again"
        )
    elif not CAMERA_ID.match(camera_id):
        issue(
            "id",
            f"{camera_id!r} is not an id: expected lower-case letters, digits, - and _ (at most 64), "
            "or a 20-digit GB/T 28181 device id",
        )
    else:
        return camera_id
    return None


def _role(text: str, issue: _Issue) -> CameraRole | None:
    try:
        return CameraRole(text.lower())
    except ValueError:
        issue("role", f"{text!r} is not a role; known: {', '.join(role.value for role in CameraRole)}")
        return None


@dataclass(frozen=True)
class _Reach:
    """How a row says the camera is reached."""

    stream: str | None = None  # as stored
    onvif: OnvifAddress | None = None
    username: str | None = None
    password_in_stream: bool = False  # `user:${VAR}@`: the address carries its own password


def _reach(row: SheetRow, context: RowContext, issue: _Issue) -> _Reach:
    stream, onvif_text = row.cells.get("stream", ""), row.cells.get("onvif", "")
    username = row.cells.get("username", "") or None
    if username is not None and (len(username) > MAX_USERNAME or not username.isprintable()):
        issue("username", f"at most {MAX_USERNAME} printable characters")
    if stream and onvif_text:
        issue("onvif", "give the stream address or the ONVIF address, not both")
        return _Reach(username=username)
    if onvif_text:
        try:
            return _Reach(onvif=OnvifAddress.parse(onvif_text), username=username)
        except ValueError as exc:
            issue("onvif", f"{onvif_text!r}: {exc}")
            return _Reach(username=username)
    if not stream:
        column = "stream" if "stream" in row.cells else "onvif"
        issue(column, "required: an RTSP address in stream, or the device's host:port in onvif")
        return _Reach(username=username)
    try:
        checked = check_address(stream, context.environ)
    except ValueError as exc:
        issue("stream", str(exc))
        return _Reach(username=username)
    if checked.username is not None and username is not None and checked.username != username:
        issue("username", "differs from the user name in the stream address")
    if checked.has_password:
        return _Reach(stream=stream, password_in_stream=True)
    if checked.username is not None:
        return _Reach(stream=without_userinfo(stream), username=checked.username)
    return _Reach(stream=stream, username=username)


def _credentials(name: str, reach: _Reach, context: RowContext, issue: _Issue) -> str | None:
    if not name:
        return None
    if not _VARIABLE_NAME.match(name):
        issue("credentials", "not the name of an environment variable (a password never goes in the sheet)")
        return None
    if name not in context.environ:
        # Not echoed: a password typed here by mistake can look like a variable's name.
        issue("credentials", "the environment variable it names is not set")
        return None
    if reach.password_in_stream:
        issue("credentials", "the stream address takes its password from a ${VARIABLE} already: use one")
        return None
    if reach.username is None and (reach.stream or reach.onvif):  # else the address is reported
        issue("credentials", "a password needs a user name: in the username column or the stream address")
        return None
    return name


def _view(
    name: str, role: CameraRole | None, context: RowContext, issue: _Issue
) -> tuple[str | None, CameraViewConfig | None]:
    if name:
        if name not in context.templates:
            known = ", ".join(sorted(context.templates)) or "none"
            issue("template", f"no template {name!r} under templates (known: {known})")
            return None, None
        return name, context.templates[name]
    if role is not None and role.value in context.templates:
        return role.value, context.templates[role.value]
    return None, CameraViewConfig()
