"""The hazard register: confirmed events tracked to clearance, every change kept as history."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from patrol.hazards.lifecycle import (
    EscalationLevel,
    HazardAction,
    HazardState,
    IllegalTransition,
    check_advance,
    check_deadline,
    next_level,
)
from patrol.hazards.records import HazardRecord, HazardTransition
from patrol.store import EventNotFound, SchoolScope, Store
from patrol.store.tables import EventRow, HazardRow, HazardTransitionRow
from patrol.types import EventStatus, EventType


class HazardNotFound(LookupError):
    pass


class HazardRegister:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._sessions = store.orm_sessions

    # Reading -------------------------------------------------------------------------------

    def get(self, hazard_id: int, *, school_ids: SchoolScope = None) -> HazardRecord:
        with self._sessions() as session:
            return _record(session, self._row(session, hazard_id, school_ids))

    def list(
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

    # Changing ------------------------------------------------------------------------------

    def create(
        self,
        event_id: int,
        *,
        level: EscalationLevel,
        deadline: datetime,
        owner: str,
        by: str,
        now: datetime,
        note: str = "",
        school_ids: SchoolScope = None,
    ) -> HazardRecord:
        """Register a confirmed event as a hazard, notified to the school."""
        try:
            with self._sessions.begin() as session:
                event = session.get(EventRow, event_id)
                if event is None or (school_ids is not None and event.school_id not in school_ids):
                    raise EventNotFound(event_id)
                # Checked once the event is found: one outside `school_ids` is not found, whatever the deadline.
                check_deadline(deadline, now)
                if event.status != EventStatus.CONFIRMED.value:
                    raise IllegalTransition(
                        f"event {event_id} is {event.status}; only a confirmed event is a hazard"
                    )
                row = HazardRow(
                    event_id=event_id,
                    school_id=event.school_id,
                    camera_id=event.camera_id,
                    type=event.type,
                    level=level.value,
                    state=HazardState.NOTIFIED.value,
                    owner=owner,
                    deadline=deadline,
                    created_at=now,
                    created_by=by,
                    evidence_note="",
                )
                session.add(row)
                session.flush()
                _history(session, row, now, by, HazardAction.CREATE, None, note)
                record = _record(session, row)
        except IntegrityError:
            raise IllegalTransition(f"event {event_id} is already a hazard") from None
        self._announce(record, HazardAction.CREATE)
        return record

    def advance(
        self,
        hazard_id: int,
        target: HazardState,
        *,
        by: str,
        now: datetime,
        note: str = "",
        school_ids: SchoolScope = None,
    ) -> HazardRecord:
        with self._sessions.begin() as session:
            row = self._row(session, hazard_id, school_ids, lock=True)
            current = HazardState(row.state)
            check_advance(current, target, has_evidence=row.evidence_at is not None)
            if target is HazardState.RECTIFYING and current is HazardState.RECTIFIED:
                row.evidence_at, row.evidence_look_id, row.evidence_note = None, None, ""
            row.state = target.value
            if target is HazardState.CLEARED:
                row.cleared_at = now
            _history(session, row, now, by, HazardAction.ADVANCE, current, note)
            record = _record(session, row)
        self._announce(record, HazardAction.ADVANCE)
        return record

    def verify(
        self, hazard_id: int, *, by: str, now: datetime, note: str, school_ids: SchoolScope = None
    ) -> HazardRecord:
        """An officer saw the problem fixed: recorded as the evidence, and the rectified hazard clears."""
        if not note.strip():
            raise IllegalTransition("a verification needs a note saying what was checked")
        with self._sessions.begin() as session:
            row = self._row(session, hazard_id, school_ids, lock=True)
            current = HazardState(row.state)
            check_advance(current, HazardState.CLEARED, has_evidence=True)
            row.evidence_at, row.evidence_note = now, f"verified by {by}: {note}"
            row.state, row.cleared_at = HazardState.CLEARED.value, now
            _history(session, row, now, by, HazardAction.CLEAR, current, note)
            record = _record(session, row)
        self._announce(record, HazardAction.CLEAR)
        return record

    def escalate(
        self,
        hazard_id: int,
        *,
        deadline: datetime,
        by: str,
        now: datetime,
        note: str = "",
        school_ids: SchoolScope = None,
    ) -> HazardRecord:
        with self._sessions.begin() as session:
            # Found first: a hazard outside `school_ids` is not found, whatever the deadline.
            row = self._row(session, hazard_id, school_ids, lock=True)
            check_deadline(deadline, now)
            row.level = next_level(EscalationLevel(row.level), HazardState(row.state)).value
            row.deadline = deadline
            _history(session, row, now, by, HazardAction.ESCALATE, HazardState(row.state), note)
            record = _record(session, row)
        self._announce(record, HazardAction.ESCALATE)
        return record

    def clear_by_look(
        self, camera_id: str, event_type: EventType, seen_at: datetime, look_id: int | None
    ) -> builtins.list[HazardRecord]:
        """A patrol look of the camera no longer shows the problem: the evidence for every open
        hazard of that camera and rule raised before it; a rectified one clears at once."""
        changed: builtins.list[tuple[HazardRecord, HazardAction]] = []
        with self._sessions.begin() as session:
            rows: Sequence[HazardRow] = session.scalars(
                select(HazardRow)
                .where(
                    HazardRow.camera_id == camera_id,
                    HazardRow.type == event_type.value,
                    HazardRow.state != HazardState.CLEARED.value,
                    HazardRow.created_at <= seen_at,
                )
                .with_for_update()
            ).all()
            for row in rows:
                current = HazardState(row.state)
                row.evidence_at, row.evidence_look_id = seen_at, look_id
                row.evidence_note = f"patrol look {look_id} no longer shows {event_type.value}"
                if current is HazardState.RECTIFIED:
                    row.state, row.cleared_at = HazardState.CLEARED.value, seen_at
                    action = HazardAction.CLEAR
                else:
                    action = HazardAction.EVIDENCE
                _history(session, row, seen_at, "patrol", action, current, row.evidence_note)
                changed.append((_record(session, row), action))
        for record, action in changed:
            self._announce(record, action)
        return [record for record, _ in changed]

    # Internals -----------------------------------------------------------------------------

    @staticmethod
    def _row(session: Session, hazard_id: int, school_ids: SchoolScope, *, lock: bool = False) -> HazardRow:
        query = select(HazardRow).where(HazardRow.id == hazard_id)
        row = session.scalars(query.with_for_update() if lock else query).first()
        if row is None or (school_ids is not None and row.school_id not in school_ids):
            raise HazardNotFound(hazard_id)
        return row

    def _announce(self, record: HazardRecord, action: HazardAction) -> None:
        self._store.announce("hazard", hazard_payload(record, action))


def hazard_payload(record: HazardRecord, action: HazardAction) -> dict[str, Any]:
    return {
        "hazard_id": record.id,
        "event_id": record.event_id,
        "reference_number": record.reference_number,
        "school_id": record.school_id,
        "camera_id": record.camera_id,
        "type": record.type.value,
        "action": action.value,
        "state": record.state.value,
        "level": record.level.value,
        "deadline": record.deadline.isoformat(),
        "at": (record.history[-1].at if record.history else record.created_at).isoformat(),
    }


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


def _record(session: Session, row: HazardRow) -> HazardRecord:
    return _records(session, [row])[0]


def _records(session: Session, rows: Sequence[HazardRow]) -> builtins.list[HazardRecord]:
    """The hazards with their histories: one query for the histories of up to 900 hazards."""
    history: dict[int, builtins.list[HazardTransition]] = {row.id: [] for row in rows}
    ids = builtins.list(history)
    for start in range(0, len(ids), 900):  # under the 999 variables an old SQLite allows
        for t in session.scalars(
            select(HazardTransitionRow)
            .where(HazardTransitionRow.hazard_id.in_(ids[start : start + 900]))
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
