"""What the registry import answers: counts, and the rows it skipped with why."""

from __future__ import annotations

from pydantic import Field

from api.schemas import PublicModel
from patrol.registry.importer import ImportReport


class ImportIssuePublic(PublicModel):
    row: int = Field(description="Row number as a spreadsheet shows it; row 1 is the header")
    column: str
    reason: str


class CameraImportPublic(PublicModel):
    rows: int = Field(description="Rows with any content below the header")
    imported: int = Field(description="Cameras written: created and updated")
    created: int
    updated: int
    skipped: list[ImportIssuePublic] = Field(description="Problems of the rows skipped (skip_bad)")
    seconds: float

    @classmethod
    def from_report(cls, report: ImportReport) -> CameraImportPublic:
        return cls(
            rows=report.rows,
            imported=report.imported,
            created=report.created,
            updated=report.updated,
            skipped=[ImportIssuePublic(row=i.row, column=i.column, reason=i.reason) for i in report.issues],
            seconds=round(report.seconds, 3),
        )
