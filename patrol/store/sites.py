"""Schools and cameras: kept in step with the config, and each camera's health at a glance."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from patrol.records import CameraHealthRecord, CameraRecord, SchoolRecord
from patrol.store.database import Database, SchoolScope
from patrol.store.errors import CameraNotFound
from patrol.store.tables import CameraRow, CameraStatusRow, EventRow, SchoolRow
from patrol.types import CAMERA_HEALTH_TYPES, CameraRole, EventType, LookOutcome


class SiteRepository:
    def __init__(self, database: Database) -> None:
        self._sessions = database.sessions

    def sync(self, schools: Sequence[SchoolRecord], cameras: Sequence[CameraRecord]) -> None:
        """Make the school and camera tables match the config (rows of removed cameras stay for history)."""
        with self._sessions.begin() as session:
            for school in schools:
                session.merge(SchoolRow(id=school.id, name=school.name))
            session.flush()
            for camera in cameras:
                session.merge(
                    CameraRow(
                        id=camera.id,
                        school_id=camera.school_id,
                        name=camera.name,
                        role=camera.role.value,
                        stream_redacted=camera.stream_redacted,
                    )
                )

    def list_schools(self, *, school_ids: SchoolScope = None) -> list[SchoolRecord]:
        query = select(SchoolRow).order_by(SchoolRow.id)
        if school_ids is not None:
            query = query.where(SchoolRow.id.in_(school_ids))
        with self._sessions() as session:
            return [SchoolRecord(row.id, row.name) for row in session.scalars(query)]

    def list_cameras(
        self, *, school_id: str | None = None, school_ids: SchoolScope = None
    ) -> list[CameraRecord]:
        query = select(CameraRow).order_by(CameraRow.school_id, CameraRow.id)
        if school_id is not None:
            query = query.where(CameraRow.school_id == school_id)
        if school_ids is not None:
            query = query.where(CameraRow.school_id.in_(school_ids))
        with self._sessions() as session:
            return [camera_record(row) for row in session.scalars(query)]

    def get_camera(self, camera_id: str, *, school_ids: SchoolScope = None) -> CameraRecord:
        """The camera, if it exists and is at one of `school_ids`; CameraNotFound otherwise."""
        with self._sessions() as session:
            row = session.get(CameraRow, camera_id)
            if row is None or (school_ids is not None and row.school_id not in school_ids):
                raise CameraNotFound(camera_id)
            return camera_record(row)

    def camera_health(self, *, school_ids: SchoolScope = None) -> list[CameraHealthRecord]:
        """Each camera with its ongoing camera problems and its latest look."""
        # Plain columns, not ORM objects: a county's 3,100 cameras are built as rows in a
        # fraction of the time, and the dashboard asks for them with every overview.
        cameras = (
            select(
                CameraRow.id,
                CameraRow.school_id,
                CameraRow.name,
                CameraRow.role,
                CameraRow.stream_redacted,
                CameraStatusRow.last_look_at,
                CameraStatusRow.last_outcome,
                CameraStatusRow.last_ok_at,
            )
            .outerjoin(CameraStatusRow, CameraStatusRow.camera_id == CameraRow.id)
            .order_by(CameraRow.school_id, CameraRow.id)
        )
        ongoing = select(EventRow.camera_id, EventRow.type).where(
            EventRow.ended_at.is_(None),
            EventRow.type.in_([problem.value for problem in CAMERA_HEALTH_TYPES]),
        )
        if school_ids is not None:
            cameras = cameras.where(CameraRow.school_id.in_(school_ids))
            ongoing = ongoing.where(EventRow.school_id.in_(school_ids))
        with self._sessions() as session:
            problems: dict[str, list[EventType]] = {}
            for camera_id, kind in session.execute(ongoing):
                problems.setdefault(camera_id, []).append(EventType(kind))
            return [
                CameraHealthRecord(
                    CameraRecord(row.id, row.school_id, row.name, CameraRole(row.role), row.stream_redacted),
                    tuple(sorted(problems.get(row.id, []))),
                    row.last_look_at,
                    None if row.last_outcome is None else LookOutcome(row.last_outcome),
                    row.last_ok_at,
                )
                for row in session.execute(cameras)
            ]


def camera_record(row: CameraRow) -> CameraRecord:
    return CameraRecord(row.id, row.school_id, row.name, CameraRole(row.role), row.stream_redacted)
