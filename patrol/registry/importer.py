"""Importing a registry sheet: read it, judge every row, ask ONVIF devices for their streams, and
write the cameras and their audit entries in one transaction.

All or nothing: a sheet with any bad row imports nothing, unless `skip_bad`, which imports the
good rows and reports the others. A problem with the header imports nothing either way.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from patrol.clock import Clock, SystemClock
from patrol.config.schema import PatrolConfig
from patrol.records import AuditEntry, CameraRecord, ImportedCameraRecord, SchoolRecord
from patrol.registry.actor import Actor
from patrol.registry.onvif_streams import resolve_onvif_streams
from patrol.registry.rows import CameraEntry, RowContext, RowIssue, check_rows, header_issues
from patrol.registry.sheet import Sheet, read_sheet
from patrol.store import SchoolScope, Store
from patrol.store.camera_imports import CameraImports, SavedCameras
from patrol.types import AuditAction
from streams.onvif import OnvifClient, StreamChoice
from streams.redact import redact_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportReport:
    rows: int  # rows with any content below the header
    imported: int  # cameras written: created + updated
    created: int
    updated: int
    issues: tuple[RowIssue, ...]
    seconds: float
    skipped_rows: tuple[int, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return not self.issues


class CameraImporter:
    """`config` is the config as its file says; `environ` holds the variables that stream
    placeholders and `credentials` name. Rows that give an ONVIF address are resolved with
    devices asked within `onvif_timeout_s` a request."""

    def __init__(
        self,
        config: PatrolConfig,
        store: Store,
        *,
        onvif_timeout_s: float = 5.0,
        environ: Mapping[str, str] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._config = config
        self._store = store
        self._cameras = CameraImports(store)
        self._onvif_timeout_s = onvif_timeout_s
        self._onvif: OnvifClient | None = None  # made at the first ONVIF row: it parses WSDL
        self._environ = os.environ if environ is None else environ
        self._clock = clock or SystemClock()

    @property
    def config(self) -> PatrolConfig:
        """The config as its file says, which imported cameras are judged against."""
        return self._config

    def run(
        self,
        data: bytes,
        importer: Actor,
        *,
        source: str = "",
        skip_bad: bool = False,
        stream_choice: StreamChoice = StreamChoice.SUB,
        school_ids: SchoolScope = None,
    ) -> ImportReport:
        """SheetError for a sheet that cannot be read at all. `school_ids` bounds the schools rows
        may name (an administrator's jurisdiction); None: every school."""
        started = time.monotonic()
        sheet = read_sheet(data)
        entries, issues, profiles = self._judge(sheet, stream_choice, school_ids)
        skipped = tuple(sorted({issue.row for issue in issues}))
        if (issues and not skip_bad) or not entries:
            return ImportReport(len(sheet.rows), 0, 0, 0, issues, time.monotonic() - started, skipped)
        saved = self._save(entries, profiles, importer, source)
        log.info(
            "%s imported %d cameras (%d new, %d updated) from %s; %d rows skipped",
            importer.username,
            saved.created + saved.updated,
            saved.created,
            saved.updated,
            source or "a sheet",
            len(skipped),
        )
        return ImportReport(
            len(sheet.rows),
            saved.created + saved.updated,
            saved.created,
            saved.updated,
            issues,
            time.monotonic() - started,
            skipped,
        )

    def _judge(
        self, sheet: Sheet, stream_choice: StreamChoice, school_ids: SchoolScope
    ) -> tuple[list[CameraEntry], tuple[RowIssue, ...], dict[int, str]]:
        """The entries ready to be written, every issue in row order, and the ONVIF profile
        chosen for each row resolved by ONVIF. A header with issues gives no entries."""
        issues = header_issues(sheet)
        if issues:
            return [], tuple(issues), {}
        entries, issues = check_rows(sheet, self._context(school_ids))
        profiles: dict[int, str] = {}
        by_onvif = [entry for entry in entries if entry.onvif is not None]
        if by_onvif:
            self._onvif = self._onvif or OnvifClient(timeout_s=self._onvif_timeout_s)
            resolved, onvif_issues = resolve_onvif_streams(
                by_onvif, self._onvif, self._environ, stream_choice
            )
            issues += onvif_issues
            profiles = {stream.entry.row: stream.profile for stream in resolved}
            entries = [entry for entry in entries if entry.onvif is None] + [s.entry for s in resolved]
        entries.sort(key=lambda entry: entry.row)
        return entries, tuple(sorted(issues)), profiles

    def _save(
        self, entries: list[CameraEntry], profiles: dict[int, str], importer: Actor, source: str
    ) -> SavedCameras:
        now = self._clock.now()
        records = [_record(entry, profiles.get(entry.row), importer, now) for entry in entries]
        used = {entry.school for entry in entries}
        schools = [
            SchoolRecord(school.id, school.name) for school in self._config.schools if school.id in used
        ]
        return self._cameras.save(records, _audit(entries, importer, source, now), schools=schools)

    def _context(self, school_ids: SchoolScope) -> RowContext:
        schools = {school.id for school in self._config.schools}
        schools |= {school.id for school in self._store.list_schools()}
        foreign: set[str] = set()
        if school_ids is not None:
            schools &= set(school_ids)
            # An import must not move another jurisdiction's camera into this one.
            foreign = {camera.id for camera in self._store.list_cameras() if camera.school_id not in schools}
        return RowContext(
            schools=schools,
            config_cameras={camera.id for camera in self._config.cameras},
            foreign_cameras=foreign,
            templates=self._config.templates,
            environ=self._environ,
        )


def _record(
    entry: CameraEntry, onvif_profile: str | None, importer: Actor, now: datetime
) -> ImportedCameraRecord:
    assert entry.stream is not None, "every entry has its stream address by now"
    return ImportedCameraRecord(
        camera=CameraRecord(entry.id, entry.school, entry.name, entry.role, redact_url(entry.stream)),
        stream=entry.stream,
        username=entry.username,
        credentials=entry.credentials,
        onvif_address=str(entry.onvif) if entry.onvif else None,
        onvif_profile=onvif_profile,
        template=entry.template,
        view=entry.view.model_dump(mode="json", exclude_defaults=True),
        imported_at=now,
        imported_by=importer.username,
    )


def _audit(entries: list[CameraEntry], importer: Actor, source: str, now: datetime) -> list[AuditEntry]:
    """One entry per school, so a station's supervisors read the imports of their own schools."""
    by_school: dict[str, list[str]] = {}
    for entry in entries:
        by_school.setdefault(entry.school, []).append(entry.id)
    return [
        AuditEntry(
            at=now,
            username=importer.username,
            role=importer.role,
            action=AuditAction.CAMERAS_IMPORTED,
            target=f"school:{school}",
            school_id=school,
            jurisdiction_id=importer.jurisdiction_id,
            client=importer.client,
            detail={"source": source[:200], "cameras": ids},
        )
        for school, ids in sorted(by_school.items())
    ]
