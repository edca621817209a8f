"""Each camera's reference view: the picture a moved or obstructed camera is judged against."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from patrol.records import ReferenceRecord
from patrol.store.database import Database
from patrol.store.pictures import Pictures
from patrol.store.tables import CameraReferenceRow


class ReferenceRepository:
    def __init__(self, database: Database, pictures: Pictures) -> None:
        self._sessions = database.sessions
        self._pictures = pictures

    def get(self, camera_id: str) -> ReferenceRecord | None:
        with self._sessions() as session:
            row = session.get(CameraReferenceRow, camera_id)
            if row is None:
                return None
            if row.content is not None:
                jpeg = row.content
            else:
                try:
                    jpeg = self._pictures.path(row.relative_path).read_bytes()
                except OSError:
                    return None  # a lost file means no reference: the next good look takes one
            return ReferenceRecord(camera_id, jpeg, row.taken_at, row.sharpness, row.dark_share)

    def set(self, reference: ReferenceRecord) -> None:
        relative = Path("references") / f"{reference.camera_id}-{uuid.uuid4().hex[:12]}.jpg"
        content = self._pictures.keep(relative, reference.jpeg)
        with self._sessions.begin() as session:
            session.merge(
                CameraReferenceRow(
                    camera_id=reference.camera_id,
                    taken_at=reference.taken_at,
                    relative_path=relative.as_posix(),
                    sha256=hashlib.sha256(reference.jpeg).hexdigest(),
                    sharpness=reference.sharpness,
                    dark_share=reference.dark_share,
                    content=content,
                )
            )

    def reset(self, camera_id: str) -> bool:
        """Forget the reference; the camera's next good look takes a new one."""
        with self._sessions.begin() as session:
            row = session.get(CameraReferenceRow, camera_id)
            if row is None:
                return False
            session.delete(row)
            return True
