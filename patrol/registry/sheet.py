"""Reading a registry sheet, CSV or XLSX, into rows of text cells numbered as a spreadsheet shows them.

Sheets come from operators and, through the API, from anyone with an administrator's token, so
everything here is bounded: the rows read, the size an XLSX unpacks to. A sheet that cannot be
read at all raises SheetError; what its rows say is judged in `rows`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

MAX_ROWS = 20_000
# An XLSX is a zip: a small upload could unpack to gigabytes of XML. A 20,000-row sheet unpacks
# to a few megabytes.
MAX_XLSX_UNPACKED_BYTES = 64 * 1024 * 1024
HEADER_ROW = 1
_ZIP_MAGIC = b"PK\x03\x04"


class SheetError(Exception):
    """The sheet as a whole cannot be read; the message says why (never a cell's content)."""


@dataclass(frozen=True)
class SheetRow:
    number: int  # as a spreadsheet numbers it: the header is row 1
    cells: dict[str, str]  # column -> text, stripped; empty cells are ""
    numeric: frozenset[str] = frozenset()  # columns whose cell was a number (XLSX)
    overflow: bool = False  # cells beyond the header's last column


@dataclass(frozen=True)
class Sheet:
    columns: tuple[str, ...]
    rows: tuple[SheetRow, ...]


def read_sheet(data: bytes) -> Sheet:
    """An XLSX workbook's first sheet (by its zip signature), otherwise CSV."""
    if data.startswith(_ZIP_MAGIC):
        return _table(_xlsx_rows(data))
    return _table(_csv_rows(data))


def _csv_rows(data: bytes) -> Iterable[Sequence[object]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on a Chinese Windows saves "CSV" in GB18030 (GBK).
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise SheetError("the CSV is neither UTF-8 nor GB18030 text") from None
    if "\x00" in text:
        raise SheetError("the file holds NUL characters: not a CSV sheet")
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise SheetError(f"the CSV cannot be read: {exc}") from None


def _xlsx_rows(data: bytes) -> Iterable[Sequence[object]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise SheetError("the file starts like a zip (XLSX) but is not one") from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise SheetError(f"the workbook unpacks to more than {MAX_XLSX_UNPACKED_BYTES // 2**20} MiB")
    from openpyxl import load_workbook  # only for XLSX sheets

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        # openpyxl fails on malformed workbooks with many kinds of exception (KeyError, lxml's,
        # its own): each means the same to the operator, a workbook that cannot be read.
        raise SheetError(f"the workbook cannot be read ({type(exc).__name__})") from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise SheetError("the workbook has no sheet")
        yield from sheet.iter_rows(values_only=True)
    except SheetError:
        raise
    except Exception as exc:  # as above: a malformed sheet part
        raise SheetError(f"the workbook's first sheet cannot be read ({type(exc).__name__})") from None
    finally:
        workbook.close()


def _table(raw_rows: Iterable[Sequence[object]]) -> Sheet:
    rows_iter = iter(raw_rows)
    header = next(rows_iter, None)
    if header is None:
        raise SheetError("the sheet is empty: expected a header row naming the columns")
    columns = [_text(cell).lower() for cell in header]
    while columns and not columns[-1]:
        columns.pop()
    if not columns:
        raise SheetError("the first row is empty: expected a header row naming the columns")
    for index, column in enumerate(columns):
        if not column:
            raise SheetError(f"column {index + 1} of the header row has no name")
        if column in columns[:index]:
            raise SheetError(f"column {column!r} appears twice in the header row")
    rows = []
    for number, raw in enumerate(rows_iter, start=HEADER_ROW + 1):
        if number - HEADER_ROW > MAX_ROWS:
            raise SheetError(f"the sheet has more than {MAX_ROWS} rows; split it")
        texts = [_text(cell) for cell in raw]
        if not any(texts):
            continue  # blank lines between blocks of cameras are common
        cells = {column: texts[index] if index < len(texts) else "" for index, column in enumerate(columns)}
        numeric = frozenset(
            column
            for index, column in enumerate(columns)
            if index < len(raw) and isinstance(raw[index], int | float) and not isinstance(raw[index], bool)
        )
        overflow = any(texts[len(columns) :])
        rows.append(SheetRow(number, cells, numeric, overflow))
    return Sheet(tuple(columns), tuple(rows))


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime | date | time):
        return cell.isoformat()
    return str(cell).strip()
