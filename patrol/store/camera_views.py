"""The views (zones, lines, rules) of imported cameras as administrators edit them: each save
changes the camera's view and keeps a version (who, when, before and after) and an audit entry,
all in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from patrol.records import AuditEntry
from patrol.store.audit import audit_row
from patrol.store.store import Store
from patrol.store.tables import CameraViewVersionRow, ImportedCameraRow


class NotImported(LookupError):
    """The camera is not among the imported ones (the config's, or removed)."""


class ViewChangedMeanwhile(Exception):
    """Another save of the same camera's view came first; the caller may read it and try again."""


@dataclass(frozen=True)
class ViewVersionRecord:
    camera_id: str
    version: int
    saved_at: datetime
    saved_by: str
    restored_from: int | None
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass(frozen=True)
class StoredView:
    """An imported camera's view now, and the number of its latest saved version (0: none yet)."""

    view: dict[str, Any]
    version: int


class CameraViewVersions:
    def __init__(self, store: Store) -> None:
        self._sessions = store.database.sessions

    def current(self, camera_id: str) -> StoredView:
        with self._sessions() as session:
            view = session.scalar(
                select(ImportedCameraRow.view).where(ImportedCameraRow.camera_id == camera_id)
            )
            if view is None:
                raise NotImported(camera_id)
            return StoredView(dict(view), _latest(session, camera_id))

    def save(
        self,
        camera_id: str,
        view: dict[str, Any],
        *,
        at: datetime,
        by: str,
        audit: AuditEntry,
        expected_version: int | None = None,
        restored_from: int | None = None,
    ) -> ViewVersionRecord:
        """Make `view` the camera's, as its next version; `audit` is appended with the version in
        its detail. With `expected_version`, refused (ViewChangedMeanwhile) unless that is still
        the latest: an editor that read version 3 does not overwrite a version 4 it never saw."""
        try:
            with self._sessions.begin() as session:
                # A write first, which changes nothing: it locks the camera's row on PostgreSQL and
                # the database on SQLite, so two saves of one camera take turns and each reads the
                # view and the versions as the one before it left them.
                session.execute(
                    update(ImportedCameraRow)
                    .where(ImportedCameraRow.camera_id == camera_id)
                    .values(imported_by=ImportedCameraRow.imported_by)
                )
                row = session.scalar(
                    select(ImportedCameraRow).where(ImportedCameraRow.camera_id == camera_id)
                )
                if row is None:
                    raise NotImported(camera_id)
                latest = _latest(session, camera_id)
                if expected_version is not None and expected_version != latest:
                    raise ViewChangedMeanwhile(camera_id)
                saved = CameraViewVersionRow(
                    camera_id=camera_id,
                    version=latest + 1,
                    saved_at=at,
                    saved_by=by,
                    restored_from=restored_from,
                    before=dict(row.view),
                    after=view,
                )
                row.view = view
                session.add(saved)
                session.add(audit_row(replace(audit, detail={**audit.detail, "version": latest + 1})))
                session.flush()
                return _record(saved)
        except IntegrityError:
            # Two saves numbered the same version after all: the first one stands.
            raise ViewChangedMeanwhile(camera_id) from None

    def list(self, camera_id: str) -> list[ViewVersionRecord]:
        """Newest first."""
        query = (
            select(CameraViewVersionRow)
            .where(CameraViewVersionRow.camera_id == camera_id)
            .order_by(CameraViewVersionRow.version.desc())
        )
        with self._sessions() as session:
            return [_record(row) for row in session.scalars(query)]

    def get(self, camera_id: str, version: int) -> ViewVersionRecord | None:
        with self._sessions() as session:
            row = session.get(CameraViewVersionRow, (camera_id, version))
            return _record(row) if row is not None else None


def _latest(session: Session, camera_id: str) -> int:
    query = select(func.max(CameraViewVersionRow.version)).where(CameraViewVersionRow.camera_id == camera_id)
    return int(session.scalar(query) or 0)


def _record(row: CameraViewVersionRow) -> ViewVersionRecord:
    return ViewVersionRecord(
        camera_id=row.camera_id,
        version=row.version,
        saved_at=row.saved_at,
        saved_by=row.saved_by,
        restored_from=row.restored_from,
        before=dict(row.before),
        after=dict(row.after),
    )
