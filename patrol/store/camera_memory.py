"""Each camera's rule and health memory, kept between looks so any worker judges the next one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from patrol.records import CameraMemory
from patrol.store.database import Database
from patrol.store.tables import CameraMemoryRow


class CameraMemoryRepository:
    def __init__(self, database: Database) -> None:
        self._sessions = database.sessions

    def get(self, camera_id: str) -> bytes | None:
        with self._sessions() as session:
            row = session.get(CameraMemoryRow, camera_id)
            return None if row is None else row.memory

    def follow_ups_wanted(self) -> dict[str, datetime]:
        """The follow-up looks cameras' rules asked for, by camera: a new planner makes them."""
        query = select(CameraMemoryRow.camera_id, CameraMemoryRow.follow_up_at).where(
            CameraMemoryRow.follow_up_at.is_not(None)
        )
        with self._sessions() as session:
            return {camera_id: at for camera_id, at in session.execute(query) if at is not None}


def keep_memory(session: Session, camera_id: str, memory: CameraMemory, saved_at: datetime) -> None:
    """The camera's memory after a look, in that look's transaction."""
    session.merge(
        CameraMemoryRow(
            camera_id=camera_id,
            memory=memory.memory,
            saved_at=saved_at,
            follow_up_at=memory.follow_up_at,
        )
    )
