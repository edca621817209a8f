"""The cameras imported from registry sheets: written all at once with their audit entries, read
at start and again while the patrol runs, removed with an audit entry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from patrol.records import AuditEntry, CameraRecord, ImportedCameraRecord, SchoolRecord
from patrol.store.audit import audit_row
from patrol.store.sites import camera_record
from patrol.store.store import Store
from patrol.store.tables import Base, CameraRow, ImportedCameraRow, SchoolRow


@dataclass(frozen=True)
class SavedCameras:
    created: int
    updated: int


class CameraImports:
    def __init__(self, store: Store) -> None:
        self._sessions = store.database.sessions

    def save(
        self,
        cameras: Sequence[ImportedCameraRecord],
        audit: Sequence[AuditEntry],
        *,
        schools: Sequence[SchoolRecord] = (),
    ) -> SavedCameras:
        """Create or update every camera, and append the audit entries, in one transaction: all
        of them or, if anything fails, none. `schools` (the config's, which the patrol writes
        only when it starts) are created or updated first."""
        ids = [imported.camera.id for imported in cameras]
        with self._sessions.begin() as session:
            existing = (
                set(session.scalars(select(CameraRow.id).where(CameraRow.id.in_(ids)))) if ids else set()
            )
            if schools:
                _upsert(
                    session, SchoolRow, "id", [{"id": school.id, "name": school.name} for school in schools]
                )
            if cameras:
                _upsert(session, CameraRow, "id", [_camera_values(imported.camera) for imported in cameras])
                _upsert(
                    session,
                    ImportedCameraRow,
                    "camera_id",
                    [_imported_values(imported) for imported in cameras],
                )
            session.add_all(audit_row(entry) for entry in audit)
        return SavedCameras(created=len(set(ids) - existing), updated=len(existing))

    def remove(self, camera_ids: Sequence[str], audit: Sequence[AuditEntry]) -> list[str]:
        """Take the cameras out of the imported ones, and append the audit entries, in one
        transaction; returns the ids that were imported. Their camera rows stay, as a camera
        removed from the config does, for the history of their looks and events."""
        with self._sessions.begin() as session:
            found = list(
                session.scalars(
                    select(ImportedCameraRow.camera_id).where(ImportedCameraRow.camera_id.in_(camera_ids))
                )
            )
            if found:
                session.execute(delete(ImportedCameraRow).where(ImportedCameraRow.camera_id.in_(found)))
                session.add_all(audit_row(entry) for entry in audit)
        return sorted(found)

    def list(self) -> list[ImportedCameraRecord]:
        query = (
            select(ImportedCameraRow, CameraRow)
            .join(CameraRow, CameraRow.id == ImportedCameraRow.camera_id)
            .order_by(CameraRow.school_id, CameraRow.id)
        )
        with self._sessions() as session:
            return [_record(imported, camera) for imported, camera in session.execute(query)]


def _upsert(session: Session, table: type[Base], key: str, rows: list[dict[str, Any]]) -> None:
    """Insert the rows, or update those whose `key` is taken: one statement for all of them."""
    dialect = session.get_bind().dialect.name
    statement: Any = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)
    changing = {name: statement.excluded[name] for name in rows[0] if name != key}
    session.execute(statement.on_conflict_do_update(index_elements=[key], set_=changing), rows)


def _camera_values(camera: CameraRecord) -> dict[str, Any]:
    return {
        "id": camera.id,
        "school_id": camera.school_id,
        "name": camera.name,
        "role": camera.role.value,
        "stream_redacted": camera.stream_redacted,
    }


def _imported_values(imported: ImportedCameraRecord) -> dict[str, Any]:
    return {
        "camera_id": imported.camera.id,
        "stream": imported.stream,
        "username": imported.username,
        "credentials": imported.credentials,
        "onvif_address": imported.onvif_address,
        "onvif_profile": imported.onvif_profile,
        "template": imported.template,
        "view": imported.view,
        "imported_at": imported.imported_at,
        "imported_by": imported.imported_by,
    }


def _record(imported: ImportedCameraRow, camera: CameraRow) -> ImportedCameraRecord:
    return ImportedCameraRecord(
        camera=camera_record(camera),
        stream=imported.stream,
        username=imported.username,
        credentials=imported.credentials,
        onvif_address=imported.onvif_address,
        onvif_profile=imported.onvif_profile,
        template=imported.template,
        view=dict(imported.view),
        imported_at=imported.imported_at,
        imported_by=imported.imported_by,
    )
