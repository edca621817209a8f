"""The audit log: appended to, never changed (the database refuses updates and deletes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select

from patrol.records import AuditEntry, AuditRecord
from patrol.store.database import Database, SchoolScope
from patrol.store.tables import AuditRow
from patrol.types import AuditAction


class AuditRepository:
    def __init__(self, database: Database) -> None:
        self._sessions = database.sessions

    def append(self, entry: AuditEntry) -> int:
        with self._sessions.begin() as session:
            row = audit_row(entry)
            session.add(row)
            session.flush()
            return row.id

    def list(
        self,
        *,
        school_ids: SchoolScope = None,
        jurisdiction_id: str | None = None,
        username: str | None = None,
        action: AuditAction | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        entry_id: int | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> tuple[list[AuditRecord], int]:
        """Newest first. A scoped reader sees entries about their schools, and their own people's
        entries about no school (logins)."""
        query = select(AuditRow)
        if school_ids is not None:
            query = query.where(
                or_(
                    AuditRow.school_id.in_(school_ids),
                    and_(AuditRow.school_id.is_(None), AuditRow.jurisdiction_id == jurisdiction_id),
                )
            )
        if entry_id is not None:
            query = query.where(AuditRow.id == entry_id)
        if username is not None:
            query = query.where(AuditRow.username == username)
        if action is not None:
            query = query.where(AuditRow.action == action.value)
        if since is not None:
            query = query.where(AuditRow.at >= since)
        if until is not None:
            query = query.where(AuditRow.at < until)
        with self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            page = query.order_by(AuditRow.id.desc()).offset(offset).limit(limit)
            return [_audit_record(row) for row in session.scalars(page)], int(total)


def audit_row(entry: AuditEntry) -> AuditRow:
    """The entry as a row, for a repository that appends it within its own transaction."""
    return AuditRow(
        at=entry.at,
        username=entry.username,
        role=entry.role,
        jurisdiction_id=entry.jurisdiction_id,
        action=entry.action.value,
        target=entry.target,
        school_id=entry.school_id,
        client=entry.client,
        detail=entry.detail,
    )


def _audit_record(row: AuditRow) -> AuditRecord:
    return AuditRecord(
        at=row.at,
        username=row.username,
        role=row.role,
        action=AuditAction(row.action),
        target=row.target,
        school_id=row.school_id,
        jurisdiction_id=row.jurisdiction_id,
        client=row.client,
        detail=dict(row.detail or {}),
        id=row.id,
    )
