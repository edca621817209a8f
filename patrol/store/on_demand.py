"""On-demand patrols an officer asked for, and when each was carried out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from patrol.records import OnDemandRecord, OnDemandRequest
from patrol.store.database import Database
from patrol.store.errors import OnDemandNotFound
from patrol.store.tables import OnDemandRow


class OnDemandRepository:
    def __init__(self, database: Database) -> None:
        self._sessions = database.sessions

    def record(self, request: OnDemandRequest) -> OnDemandRecord:
        with self._sessions.begin() as session:
            row = OnDemandRow(
                school_id=request.school_id,
                requested_by=request.requested_by,
                requested_at=request.requested_at,
                deadline_at=request.deadline_at,
                cameras=request.cameras,
            )
            session.add(row)
            session.flush()
            session.refresh(row)
            return _on_demand_record(row)

    def complete(self, request_id: int, completed_at: datetime) -> OnDemandRecord:
        with self._sessions.begin() as session:
            row = session.get(OnDemandRow, request_id)
            if row is None:
                raise OnDemandNotFound(request_id)
            row.completed_at = completed_at
            session.flush()
            session.refresh(row)
            return _on_demand_record(row)

    def get(self, request_id: int) -> OnDemandRecord:
        with self._sessions() as session:
            row = session.get(OnDemandRow, request_id)
            if row is None:
                raise OnDemandNotFound(request_id)
            return _on_demand_record(row)

    def list(self, *, school_id: str | None = None, limit: int = 50) -> list[OnDemandRecord]:
        """Newest first."""
        query = select(OnDemandRow).order_by(OnDemandRow.requested_at.desc(), OnDemandRow.id.desc())
        if school_id is not None:
            query = query.where(OnDemandRow.school_id == school_id)
        with self._sessions() as session:
            return [_on_demand_record(row) for row in session.scalars(query.limit(limit))]


def _on_demand_record(row: OnDemandRow) -> OnDemandRecord:
    return OnDemandRecord(
        row.id,
        row.school_id,
        row.requested_by,
        row.requested_at,
        row.deadline_at,
        row.cameras,
        row.completed_at,
    )
