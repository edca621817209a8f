"""Labelled reference views: pictures of a camera an administrator took and named (a gate
"closed" and "open"), which a rule that declares the need compares its looks with."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from patrol.store.database import Database
from patrol.store.tables import LabelledViewRow


@dataclass(frozen=True)
class LabelledView:
    camera_id: str
    label: str
    jpeg: bytes
    taken_at: datetime
    taken_by: str  # the user, or "config" / "eval" for views not taken through the API

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.jpeg).hexdigest()


class LabelledViews:
    def __init__(self, database: Database) -> None:
        self._sessions = database.sessions

    def save(self, view: LabelledView) -> None:
        """Keep the view, replacing the camera's earlier one of the same label."""
        with self._sessions.begin() as session:
            session.merge(
                LabelledViewRow(
                    camera_id=view.camera_id,
                    label=view.label,
                    taken_at=view.taken_at,
                    taken_by=view.taken_by,
                    sha256=view.sha256,
                    content=view.jpeg,
                )
            )

    def of_camera(self, camera_id: str) -> dict[str, LabelledView]:
        """The camera's views by label."""
        query = select(LabelledViewRow).where(LabelledViewRow.camera_id == camera_id)
        with self._sessions() as session:
            return {
                row.label: LabelledView(row.camera_id, row.label, row.content, row.taken_at, row.taken_by)
                for row in session.scalars(query)
            }

    def jpegs(self, camera_id: str) -> dict[str, bytes]:
        """The camera's views as a look asks for them: JPEG by label."""
        return {label: view.jpeg for label, view in self.of_camera(camera_id).items()}

    def forget(self, camera_id: str, label: str) -> bool:
        with self._sessions.begin() as session:
            gone = session.execute(
                delete(LabelledViewRow).where(
                    LabelledViewRow.camera_id == camera_id, LabelledViewRow.label == label
                )
            )
            return bool(getattr(gone, "rowcount", 0))
