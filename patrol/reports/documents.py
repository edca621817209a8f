"""Documents supervisors hand on: the rectification notice per hazard, and the period report as
CSV, XLSX and PDF. Every PDF embeds a subset of a CJK font (see `fonts`), and every text that
comes from data is escaped before it enters reportlab's Paragraph markup: an owner written as
`<img src="/etc/passwd"/>` is printed as those characters, never read as a tag."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.drawing.image import Image as XlsxImage
from openpyxl.worksheet.worksheet import Worksheet
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from patrol.hazards.records import HazardRecord
from patrol.reports.fonts import FONT, cjk_font
from patrol.reports.statistics import Statistics

# A label for an enum value: (group, value) -> text, e.g. ("type", "guard_absent") -> "门卫脱岗".
Labeller = Callable[[str, str], str]

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16)
_TITLE = ParagraphStyle("title", parent=_BODY, fontSize=18, leading=26, alignment=1)
_HEAD = ParagraphStyle("head", parent=_BODY, fontSize=12.5, leading=20, spaceBefore=6)


@dataclass(frozen=True)
class NoticeFacts:
    hazard: HazardRecord
    school_name: str
    camera_name: str
    issuer: str
    summary: str
    first_seen: datetime
    evidence_jpegs: Sequence[bytes]


@dataclass(frozen=True)
class FindingRow:
    event_id: int
    first_seen: datetime
    school: str
    camera: str
    type: str
    summary: str
    decision: str
    hazard_state: str
    reference_number: str
    clearance_hours: float | None
    thumbnail: bytes | None


@dataclass(frozen=True)
class ReportData:
    issuer: str
    timezone: str
    current: Statistics
    previous: Statistics
    findings: Sequence[FindingRow]
    school_names: dict[str, str]


def _text(value: str) -> str:
    """Data as Paragraph markup that shows it verbatim: '<', '>' and '&' become entities."""
    return escape(value)


def _local(value: datetime, timezone: str) -> str:
    return value.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def _picture(jpeg: bytes, width_mm: float) -> Image:
    picture = Image(io.BytesIO(jpeg))
    scale = width_mm * mm / picture.imageWidth
    picture.drawWidth, picture.drawHeight = width_mm * mm, picture.imageHeight * scale
    return picture


def notice_pdf(facts: NoticeFacts, label: Labeller, timezone: str) -> bytes:
    """整改通知书 (a notice-level hazard or above) or 提醒通报 (fixed on the spot)."""
    cjk_font()  # registered before any Paragraph names it
    hazard = facts.hazard
    title = "提醒通报" if hazard.level.value == "on_the_spot" else "隐患整改通知书"
    story: list[Flowable] = [
        Paragraph(title, _TITLE),
        Paragraph(_text(hazard.reference_number), ParagraphStyle("ref", parent=_BODY, alignment=1)),
        Spacer(1, 6 * mm),
        Paragraph(f"{_text(facts.school_name)}：", _BODY),
        Paragraph(
            f"经视频巡查，{_local(facts.first_seen, timezone)} 在贵校{_text(facts.camera_name)}发现"
            f"“{_text(label('type', hazard.type.value))}”问题：{_text(facts.summary)}。"
            f"请于 {_local(hazard.deadline, timezone)} 前完成整改，并将整改情况报送{_text(facts.issuer)}。",
            _BODY,
        ),
        Spacer(1, 4 * mm),
    ]
    rows = [
        ["学校", facts.school_name],
        ["地点", facts.camera_name],
        ["问题类型", label("type", hazard.type.value)],
        ["发现情况", facts.summary],
        ["处置等级", label("hazard_level", hazard.level.value)],
        ["整改期限", _local(hazard.deadline, timezone)],
        ["责任人", hazard.owner],
        ["当前状态", label("hazard_state", hazard.state.value)],
    ]
    story.append(
        _table([[Paragraph(a, _BODY), Paragraph(_text(b), _BODY)] for a, b in rows], [30 * mm, 130 * mm])
    )
    if facts.evidence_jpegs:
        story.append(Paragraph("证据画面", _HEAD))
        story.extend(_picture(jpeg, 120) for jpeg in facts.evidence_jpegs[:3])
    story += [
        Spacer(1, 8 * mm),
        Paragraph("抄送：县公安局、乡镇中心校", _BODY),
        Paragraph(f"签发单位：{_text(facts.issuer)}", _BODY),
        Paragraph(f"签发日期：{_local(hazard.created_at, timezone)[:10]}", _BODY),
    ]
    return _render(story)


def _table(rows: Sequence[Sequence[object]], widths: list[float] | None = None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _render(story: list[Flowable]) -> bytes:
    out = io.BytesIO()
    # The canvas starts in the embedded font too, or reportlab names Helvetica without embedding it.
    SimpleDocTemplate(
        out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, initialFontName=cjk_font()
    ).build(story)
    return out.getvalue()


# The report --------------------------------------------------------------------------------

HEADER = (
    "事件编号",
    "发现时间",
    "学校",
    "地点",
    "问题类型",
    "发现情况",
    "处置",
    "隐患状态",
    "文号",
    "清零用时（小时）",
)


def _summary_rows(data: ReportData, label: Labeller) -> list[tuple[str, str, int, int]]:
    """(kind, name, this period, previous period)."""
    rows = [("合计", "发现问题", data.current.found, data.previous.found)]
    for kind in sorted(set(data.current.by_type) | set(data.previous.by_type)):
        rows.append(
            (
                "类型",
                label("type", kind),
                data.current.by_type.get(kind, 0),
                data.previous.by_type.get(kind, 0),
            )
        )
    for school in sorted(set(data.current.by_school) | set(data.previous.by_school)):
        rows.append(
            (
                "学校",
                data.school_names.get(school, school),
                data.current.by_school.get(school, 0),
                data.previous.by_school.get(school, 0),
            )
        )
    return rows


# A cell starting with one of these is a formula to a spreadsheet program (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _as_text(value: object) -> object:
    """A CSV cell that cannot be read as a formula: text starting like one gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _TextCsvWriter:
    """csv.writer whose text cells are never formulas."""

    def __init__(self, out: io.StringIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Sequence[object]) -> None:
        self._writer.writerow([_as_text(value) for value in row])

    def writerows(self, rows: Iterable[Sequence[object]]) -> None:
        for row in rows:
            self.writerow(row)


class _TextRows:
    """Writes a sheet row after row; text that looks like a formula stays a text cell, quoted as
    Excel does. It counts its own rows: openpyxl's `max_row` scans every cell, and asking it once a
    row made a month's county report (16,000 findings) take minutes."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self.row = 0

    def append(self, values: Sequence[object]) -> int:
        """Writes the next row; its number."""
        self.row += 1
        for column, value in enumerate(values, start=1):
            cell = self.sheet.cell(self.row, column, value)
            if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                cell.data_type = "s"
                cell.quotePrefix = True
        return self.row


def report_csv(data: ReportData, label: Labeller) -> bytes:
    out = io.StringIO()
    writer = _TextCsvWriter(out)
    writer.writerow(["统计", "名称", "本期", "上期"])
    writer.writerows(_summary_rows(data, label))
    writer.writerow([])
    writer.writerow(["摄像头", "学校", "巡查次数", "正常巡查", "应巡查", "覆盖率"])
    for c in data.current.coverage:
        writer.writerow(
            [
                c.camera_id,
                data.school_names.get(c.school_id, c.school_id),
                c.looks,
                c.looks_ok,
                round(c.expected, 1),
                round(c.achieved, 3),
            ]
        )
    writer.writerow([])
    writer.writerow(HEADER)
    for f in data.findings:
        writer.writerow(
            [
                f.event_id,
                _local(f.first_seen, data.timezone),
                f.school,
                f.camera,
                f.type,
                f.summary,
                f.decision,
                f.hazard_state,
                f.reference_number,
                "" if f.clearance_hours is None else round(f.clearance_hours, 2),
            ]
        )
    # A BOM so spreadsheet programs read the Chinese as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_xlsx(data: ReportData, label: Labeller) -> bytes:
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "汇总"
    summary_rows = _TextRows(summary)
    summary_rows.append(["统计", "名称", "本期", "上期"])
    for row in _summary_rows(data, label):
        summary_rows.append(list(row))
    summary.freeze_panes = "A2"
    coverage = book.create_sheet("覆盖")
    coverage_rows = _TextRows(coverage)
    coverage_rows.append(["摄像头", "学校", "巡查次数", "正常巡查", "应巡查", "覆盖率"])
    for c in data.current.coverage:
        coverage_rows.append(
            [
                c.camera_id,
                data.school_names.get(c.school_id, c.school_id),
                c.looks,
                c.looks_ok,
                c.expected,
                c.achieved,
            ],
        )
    coverage.freeze_panes = "A2"
    findings = book.create_sheet("发现问题")
    finding_rows = _TextRows(findings)
    finding_rows.append([*HEADER, "缩略图"])
    zone = ZoneInfo(data.timezone)
    for f in data.findings:
        index = finding_rows.append(
            [
                f.event_id,
                # Excel has no time zones: local wall-clock time, as a real date cell.
                f.first_seen.astimezone(zone).replace(tzinfo=None),
                f.school,
                f.camera,
                f.type,
                f.summary,
                f.decision,
                f.hazard_state,
                f.reference_number,
                f.clearance_hours,
            ],
        )
        findings.cell(index, 2).number_format = "yyyy-mm-dd hh:mm"
        if f.thumbnail:
            image = XlsxImage(io.BytesIO(f.thumbnail))
            image.width, image.height = 96, 54
            findings.add_image(image, f"K{index}")
            findings.row_dimensions[index].height = 42
    findings.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_pdf(data: ReportData, label: Labeller) -> bytes:
    cjk_font()
    since = _local(data.current.since, data.timezone)
    until = _local(data.current.until, data.timezone)
    story: list[Flowable] = [
        Paragraph("视频巡查工作报告", _TITLE),
        Paragraph(
            f"{_text(data.issuer)}　{since} 至 {until}", ParagraphStyle("sub", parent=_BODY, alignment=1)
        ),
        Spacer(1, 5 * mm),
        Paragraph(
            f"本期通过视频巡查发现并通报问题 {data.current.found} 个（上期 {data.previous.found} 个），"
            f"隐患已清零 {data.current.hazards_by_state.get('cleared', 0)} 个，"
            f"逾期未清零 {data.current.hazards_overdue} 个；巡查覆盖率 {data.current.coverage_achieved:.0%}。",
            _BODY,
        ),
        Paragraph("一、问题统计", _HEAD),
        _table([["统计", "名称", "本期", "上期"], *[list(map(str, r)) for r in _summary_rows(data, label)]]),
        Paragraph("二、巡查覆盖", _HEAD),
        _table(
            [
                ["摄像头", "学校", "巡查次数", "应巡查", "覆盖率"],
                *(
                    [
                        c.camera_id,
                        data.school_names.get(c.school_id, c.school_id),
                        str(c.looks),
                        f"{c.expected:.1f}",
                        f"{c.achieved:.0%}",
                    ]
                    for c in data.current.coverage
                ),
            ]
        ),
        Paragraph("三、发现问题明细", _HEAD),
    ]
    cell = ParagraphStyle("cell", parent=_BODY, fontSize=8, leading=11)
    rows: list[list[object]] = [["缩略图", "时间", "学校/地点", "类型", "处置", "隐患状态", "清零用时"]]
    for f in data.findings:
        rows.append(
            [
                _picture(f.thumbnail, 28) if f.thumbnail else "",
                Paragraph(_local(f.first_seen, data.timezone), cell),
                Paragraph(f"{_text(f.school)}<br/>{_text(f.camera)}", cell),
                Paragraph(_text(f.type), cell),
                Paragraph(_text(f.decision), cell),
                Paragraph(f"{_text(f.hazard_state)}<br/>{_text(f.reference_number)}", cell),
                "" if f.clearance_hours is None else f"{f.clearance_hours:.1f} 小时",
            ]
        )
    story.append(_table(rows, [32 * mm, 24 * mm, 34 * mm, 22 * mm, 16 * mm, 30 * mm, 16 * mm]))
    return _render(story)
