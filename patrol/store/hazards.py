"""Hazards as stored: read with their histories, and changed one transaction at a time, each change
appended to the history. Which changes are allowed is the hazard register's business
(patrol.hazards), never this module's."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from patrol.hazards.lifecycle import EscalationLevel, HazardAction, HazardState
from patrol.hazards.records import HazardRecord, HazardTransition
from patrol.records import EventRecord
from patrol.store.database import Database, SchoolScope
from patrol.store.event_records import event_in_scope, event_record
from patrol.store.tables import HazardRow, HazardTransitionRow
from patrol.types import EventType

# Ids per IN list: under the 999 variables an old SQLite allows in one statement.
_IDS_PER_QUERY = 900


class AlreadyRegistered(Exception):
    """The event is a hazard already (one hazard per event)."""


class HazardRepository:
    def __init__(self, database: Database) -> None:
        self._sessions = database.sessions

    def get(self, hazard_id: int, *, school_ids: SchoolScope = None) -> HazardRecord | None:
        """The hazard, if it exists and is at one of `school_ids`."""
        with self._sessions() as session:
            row = _row(session, hazard_id, school_ids)
            return None if row is None else _records(session, [row])[0]

    def find(
        self,
        *,
        now: datetime,
        school_id: str | None = None,
        state: HazardState | None = None,
        level: EscalationLevel | None = None,
        overdue: bool | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        school_ids: SchoolScope = None,
    ) -> list[HazardRecord]:
        """Oldest first; `overdue` is computed against `now`."""
        query = select(HazardRow).order_by(HazardRow.id)
        if school_ids is not None:
            query = query.where(HazardRow.school_id.in_(school_ids))
        if school_id is not None:
            query = query.where(HazardRow.school_id == school_id)
        if state is not None:
            query = query.where(HazardRow.state == state.value)
        if level is not None:
            query = query.where(HazardRow.level == level.value)
        if since is not None:
            query = query.where(HazardRow.created_at >= since)
        if until is not None:
            query = query.where(HazardRow.created_at < until)
        if overdue is not None:
            late = (HazardRow.state != HazardState.CLEARED.value) & (HazardRow.deadline < now)
            query = query.where(late if overdue else ~late)
        with self._sessions() as session:
            return _records(session, list(session.scalars(query)))

    @contextmanager
    def changing(self) -> Iterator[HazardChanges]:
        """One transaction: what is read through it is locked until it commits."""
        with self._sessions.begin() as session:
            yield HazardChanges(session)


class HazardChanges:
    """Reads and writes within one transaction of HazardRepository.changing."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def event(self, event_id: int, *, school_ids: SchoolScope = None) -> EventRecord:
        """The event a hazard is to be registered for; EventNotFound outside `school_ids`."""
        return event_record(self._session, event_in_scope(self._session, event_id, school_ids))

    def locked(self, hazard_id: int, *, school_ids: SchoolScope = None) -> HazardRecord | None:
        """The hazard, locked against other changes until this transaction ends."""
        row = _row(self._session, hazard_id, school_ids, lock=True)
        return None if row is None else _records(self._session, [row])[0]

    def open_for(self, camera_id: str, event_type: EventType, *, created_by: datetime) -> list[HazardRecord]:
        """The camera's hazards of that rule not yet cleared and raised by `created_by`, locked."""
        rows = self._session.scalars(
            select(HazardRow)
            .where(
                HazardRow.camera_id == camera_id,
                HazardRow.type == event_type.value,
                HazardRow.state != HazardState.CLEARED.value,
                HazardRow.created_at <= created_by,
            )
            .with_for_update()
        ).all()
        return _records(self._session, rows)

    def register(
        self,
        event: EventRecord,
        *,
        level: EscalationLevel,
        state: HazardState,
        owner: str,
        deadline: datetime,
        by: str,
        at: datetime,
        note: str,
    ) -> HazardRecord:
        """A new hazard for the event, with its first history entry; AlreadyRegistered if it has one."""
        row = HazardRow(
            event_id=event.id,
            school_id=event.school_id,
            camera_id=event.camera_id,
            type=event.type.value,
            level=level.value,
            state=state.value,
            owner=owner,
            deadline=deadline,
            created_at=at,
            created_by=by,
            evidence_note="",
        )
        self._session.add(row)
        try:
            self._session.flush()
        except IntegrityError:
            raise AlreadyRegistered(f"event {event.id} is already a hazard") from None
        _history(self._session, row, at, by, HazardAction.CREATE, None, note)
        return _records(self._session, [row])[0]

    def save(
        self,
        changed: HazardRecord,
        *,
        at: datetime,
        by: str,
        action: HazardAction,
        from_state: HazardState,
        note: str,
    ) -> HazardRecord:
        """The hazard's changing parts as `changed` has them, and the change appended to its history."""
        row = self._session.get(HazardRow, changed.id)
        if row is None:
            raise LookupError(f"hazard {changed.id} is gone")
        row.level = changed.level.value
        row.state = changed.state.value
        row.deadline = changed.deadline
        row.evidence_at = changed.evidence_at
        row.evidence_look_id = changed.evidence_look_id
        row.evidence_note = changed.evidence_note
        row.cleared_at = changed.cleared_at
        _history(self._session, row, at, by, action, from_state, note)
        return _records(self._session, [row])[0]


def _row(
    session: Session, hazard_id: int, school_ids: SchoolScope, *, lock: bool = False
) -> HazardRow | None:
    query = select(HazardRow).where(HazardRow.id == hazard_id)
    row = session.scalars(query.with_for_update() if lock else query).first()
    if row is None or (school_ids is not None and row.school_id not in school_ids):
        return None
    return row


def _history(
    session: Session,
    row: HazardRow,
    at: datetime,
    by: str,
    action: HazardAction,
    from_state: HazardState | None,
    note: str,
) -> None:
    session.add(
        HazardTransitionRow(
            hazard_id=row.id,
            at=at,
            by=by,
            action=action.value,
            from_state=from_state.value if from_state else None,
            to_state=row.state,
            level=row.level,
            deadline=row.deadline,
            note=note,
        )
    )
    session.flush()


def _records(session: Session, rows: Sequence[HazardRow]) -> list[HazardRecord]:
    """The hazards with their histories: one query for the histories of up to 900 hazards."""
    history: dict[int, list[HazardTransition]] = {row.id: [] for row in rows}
    ids = list(history)
    for start in range(0, len(ids), _IDS_PER_QUERY):
        for t in session.scalars(
            select(HazardTransitionRow)
            .where(HazardTransitionRow.hazard_id.in_(ids[start : start + _IDS_PER_QUERY]))
            .order_by(HazardTransitionRow.id)
        ):
            history[t.hazard_id].append(
                HazardTransition(
                    at=t.at,
                    by=t.by,
                    action=HazardAction(t.action),
                    from_state=HazardState(t.from_state) if t.from_state else None,
                    to_state=HazardState(t.to_state),
                    level=EscalationLevel(t.level),
                    deadline=t.deadline,
                    note=t.note,
                )
            )
    return [
        HazardRecord(
            id=row.id,
            event_id=row.event_id,
            school_id=row.school_id,
            camera_id=row.camera_id,
            type=EventType(row.type),
            level=EscalationLevel(row.level),
            state=HazardState(row.state),
            owner=row.owner,
            deadline=row.deadline,
            created_at=row.created_at,
            created_by=row.created_by,
            evidence_at=row.evidence_at,
            evidence_look_id=row.evidence_look_id,
            evidence_note=row.evidence_note,
            cleared_at=row.cleared_at,
            history=tuple(history[row.id]),
        )
        for row in rows
    ]
