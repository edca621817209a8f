"""Event rows read into EventRecords, with their evidence and the decision in force, in few queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from patrol.records import DecisionRecord, EventRecord, EvidenceRecord
from patrol.store.database import SchoolScope
from patrol.store.errors import EventNotFound
from patrol.store.tables import DecisionRow, EventRow, EvidenceRow
from patrol.types import DecisionReason, EventStatus, EventType

# Ids per IN list: under the 999 variables an old SQLite allows in one statement.
_IDS_PER_QUERY = 900


def event_records(session: Session, rows: Sequence[EventRow]) -> list[EventRecord]:
    """The events with their evidence and the decision in force: two queries for a page of
    them (two more per further 900 events), never two per event."""
    ids = [row.id for row in rows]
    evidence: dict[int, list[EvidenceRecord]] = {event_id: [] for event_id in ids}
    latest: dict[int, DecisionRecord] = {}
    for chunk in _chunks(ids):
        # The columns only: a row's picture (`content`) is read when it is served.
        for evidence_id, event_id, created_at, relative_path, sha256 in session.execute(
            select(
                EvidenceRow.id,
                EvidenceRow.event_id,
                EvidenceRow.created_at,
                EvidenceRow.relative_path,
                EvidenceRow.sha256,
            )
            .where(EvidenceRow.event_id.in_(chunk))
            .order_by(EvidenceRow.id)
        ):
            evidence[event_id].append(
                EvidenceRecord(evidence_id, event_id, created_at, relative_path, sha256)
            )
        newest = (
            select(func.max(DecisionRow.id))
            .where(DecisionRow.event_id.in_(chunk))
            .group_by(DecisionRow.event_id)
        )
        for d in session.scalars(select(DecisionRow).where(DecisionRow.id.in_(newest))):
            latest[d.event_id] = decision_record(d)
    return [
        EventRecord(
            id=row.id,
            camera_id=row.camera_id,
            school_id=row.school_id,
            type=EventType(row.type),
            status=EventStatus(row.status),
            first_seen=row.first_seen,
            last_seen=row.last_seen,
            ended_at=row.ended_at,
            looks=row.looks,
            summary=row.summary,
            details=dict(row.details),
            model_name=row.model_name,
            model_sha256=row.model_sha256,
            decided_at=row.decided_at,
            decision_note=row.decision_note,
            evidence=tuple(evidence[row.id]),
            decision=latest.get(row.id),
        )
        for row in rows
    ]


def event_record(session: Session, row: EventRow) -> EventRecord:
    return event_records(session, [row])[0]


def event_in_scope(session: Session, event_id: int, school_ids: SchoolScope) -> EventRow:
    """The event's row, if it exists and is at one of `school_ids`; EventNotFound otherwise."""
    row = session.get(EventRow, event_id)
    if row is None or (school_ids is not None and row.school_id not in school_ids):
        raise EventNotFound(event_id)
    return row


def decision_record(row: DecisionRow) -> DecisionRecord:
    return DecisionRecord(
        id=row.id,
        event_id=row.event_id,
        decided_by=row.decided_by,
        role=row.role,
        status=EventStatus(row.status),
        reason=DecisionReason(row.reason) if row.reason else None,
        note=row.note,
        decided_at=row.decided_at,
        revision_of=row.revision_of,
    )


def event_payload(record: EventRecord, change: str) -> dict[str, Any]:
    """What other systems hear of an event: ids, place, type, state, times; never a stream address."""
    return {
        "event_id": record.id,
        "school_id": record.school_id,
        "camera_id": record.camera_id,
        "type": record.type.value,
        "change": change,
        "status": record.status.value,
        "first_seen": record.first_seen.isoformat(),
        "last_seen": record.last_seen.isoformat(),
        "ended_at": record.ended_at.isoformat() if record.ended_at else None,
        "decided_at": record.decided_at.isoformat() if record.decided_at else None,
    }


_Query = TypeVar("_Query", bound=Select)


def scoped(query: _Query, school_ids: SchoolScope) -> _Query:
    """The query limited to events at `school_ids` (every school when None)."""
    return query if school_ids is None else query.where(EventRow.school_id.in_(school_ids))


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[start : start + _IDS_PER_QUERY] for start in range(0, len(ids), _IDS_PER_QUERY)]
