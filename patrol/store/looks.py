"""Looks: each one recorded with the camera's latest status, and read back to keep gap clocks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from patrol.records import CameraMemory, LookRecord
from patrol.store.camera_memory import keep_memory
from patrol.store.database import Database
from patrol.store.tables import CameraStatusRow, LookRow
from patrol.types import LookKind, LookOutcome


class LookRepository:
    def __init__(self, database: Database) -> None:
        self._sessions = database.sessions

    def record(
        self, look: LookRecord, *, visit_id: str | None = None, memory: CameraMemory | None = None
    ) -> int:
        """The look, and with it (one transaction) the camera's memory and the planner order it answered."""
        with self._sessions.begin() as session:
            row = LookRow(
                camera_id=look.camera_id,
                kind=look.kind.value,
                started_at=look.started_at,
                finished_at=look.finished_at,
                outcome=look.outcome.value,
                frames=look.frames,
                max_persons=look.max_persons,
                detail=look.detail,
                visit_id=visit_id,
            )
            session.add(row)
            session.flush()
            _keep_status(session, row)
            if memory is not None:
                keep_memory(session, look.camera_id, memory, look.finished_at)
            return row.id

    def answered(self, visit_id: str) -> bool:
        """Whether a look already answered this planner order (a redelivered order is not run again)."""
        with self._sessions() as session:
            return session.scalar(select(LookRow.id).where(LookRow.visit_id == visit_id)) is not None

    def last_looked(self) -> dict[str, datetime]:
        """Each camera's latest look, so a planner that starts keeps every camera's gap clock."""
        query = select(CameraStatusRow.camera_id, CameraStatusRow.last_look_at)
        with self._sessions() as session:
            return {camera_id: at for camera_id, at in session.execute(query)}

    def of_camera(self, camera_id: str) -> list[LookRecord]:
        """A camera's looks, oldest first."""
        query = select(LookRow).where(LookRow.camera_id == camera_id).order_by(LookRow.started_at, LookRow.id)
        with self._sessions() as session:
            return [
                LookRecord(
                    row.camera_id,
                    LookKind(row.kind),
                    row.started_at,
                    row.finished_at,
                    LookOutcome(row.outcome),
                    row.frames,
                    row.max_persons,
                    row.detail,
                )
                for row in session.scalars(query)
            ]

    def count(self, *, camera_id: str | None = None) -> int:
        query = select(func.count(LookRow.id))
        if camera_id is not None:
            query = query.where(LookRow.camera_id == camera_id)
        with self._sessions() as session:
            return int(session.scalar(query) or 0)


def _keep_status(session: Session, look: LookRow) -> None:
    """The camera's latest look (and latest good one) into camera_status, in the look's transaction."""
    upsert: Any = (postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(
        CameraStatusRow
    )
    ok_at = look.finished_at if look.outcome == LookOutcome.OK.value else None
    upsert = upsert.values(
        camera_id=look.camera_id,
        last_look_id=look.id,
        last_look_at=look.finished_at,
        last_outcome=look.outcome,
        last_ok_at=ok_at,
    )
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=[CameraStatusRow.camera_id],
            set_={
                "last_look_id": upsert.excluded.last_look_id,
                "last_look_at": upsert.excluded.last_look_at,
                "last_outcome": upsert.excluded.last_outcome,
                "last_ok_at": func.coalesce(upsert.excluded.last_ok_at, CameraStatusRow.last_ok_at),
            },
        )
    )
