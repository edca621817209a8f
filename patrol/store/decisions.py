"""Officers' decisions on events: the first one wins, later revisions keep the earlier ones as history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from patrol.records import DecisionRecord, EventRecord
from patrol.store.database import Database, SchoolScope
from patrol.store.errors import AlreadyDecided, EventNotFound, NotDecided, RevisionConflict
from patrol.store.event_records import decision_record, event_in_scope, event_payload, event_record
from patrol.store.tables import DecisionRow, EventRow
from patrol.types import DecisionReason, EventStatus


class DecisionRepository:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._sessions = database.sessions

    def decide(
        self,
        event_id: int,
        status: EventStatus,
        note: str,
        decided_at: datetime,
        *,
        reason: DecisionReason | None = None,
        decided_by: str = "",
        role: str = "",
        school_ids: SchoolScope = None,
    ) -> EventRecord:
        """The first decision on a new event; AlreadyDecided if someone decided it before."""
        if status is EventStatus.NEW:
            raise ValueError("a decision confirms or dismisses")
        with self._sessions.begin() as session:
            event_in_scope(session, event_id, school_ids)
            # One conditional UPDATE: of two officers deciding at once, exactly one wins,
            # on SQLite too, which ignores row locks.
            decided = session.execute(
                update(EventRow)
                .where(EventRow.id == event_id, EventRow.status == EventStatus.NEW.value)
                .values(status=status.value, decision_note=note, decided_at=decided_at)
            )
            row = session.get(EventRow, event_id, populate_existing=True)
            if row is None:
                raise EventNotFound(event_id)
            if decided.rowcount != 1:  # type: ignore[attr-defined]
                raise AlreadyDecided(event_record(session, row))
            decision = DecisionRow(
                event_id=event_id,
                decided_by=decided_by,
                role=role,
                status=status.value,
                reason=reason.value if reason else None,
                note=note,
                decided_at=decided_at,
            )
            session.add(decision)
            session.flush()
            record = event_record(session, row)
        self._database.announce("event", event_payload(record, "decided"))
        return record

    def revise(
        self,
        event_id: int,
        status: EventStatus,
        note: str,
        decided_at: datetime,
        *,
        reason: DecisionReason,
        decided_by: str,
        role: str,
        school_ids: SchoolScope = None,
    ) -> EventRecord:
        """A later decision replacing the one in force; the earlier ones stay in the history."""
        if status is EventStatus.NEW:
            raise ValueError("a revision confirms or dismisses")
        try:
            with self._sessions.begin() as session:
                row = event_in_scope(session, event_id, school_ids)
                previous = _latest_decision(session, event_id)
                if row.status == EventStatus.NEW.value:
                    raise NotDecided(event_record(session, row))
                session.add(
                    DecisionRow(
                        event_id=event_id,
                        decided_by=decided_by,
                        role=role,
                        status=status.value,
                        reason=reason.value,
                        note=note,
                        decided_at=decided_at,
                        revision_of=previous.id if previous else None,
                    )
                )
                row.status = status.value
                row.decision_note = note
                row.decided_at = decided_at
                session.flush()
                record = event_record(session, row)
        except IntegrityError:
            raise RevisionConflict(f"event {event_id} was revised by someone else a moment ago") from None
        self._database.announce("event", event_payload(record, "revised"))
        return record

    def history(self, event_id: int, *, school_ids: SchoolScope = None) -> list[DecisionRecord]:
        """The event's decision history, oldest first."""
        with self._sessions() as session:
            event_in_scope(session, event_id, school_ids)
            rows = session.scalars(
                select(DecisionRow).where(DecisionRow.event_id == event_id).order_by(DecisionRow.id)
            )
            return [decision_record(row) for row in rows]


def _latest_decision(session: Session, event_id: int) -> DecisionRow | None:
    return session.scalars(
        select(DecisionRow).where(DecisionRow.event_id == event_id).order_by(DecisionRow.id.desc()).limit(1)
    ).first()
