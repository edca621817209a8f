"""The hazard register: confirmed events tracked to clearance, every change kept as history."""

from __future__ import annotations

import builtins
from dataclasses import replace
from datetime import datetime
from typing import Any

from patrol.hazards.lifecycle import (
    EscalationLevel,
    HazardAction,
    HazardState,
    IllegalTransition,
    check_advance,
    check_deadline,
    next_level,
)
from patrol.hazards.records import HazardRecord
from patrol.store import SchoolScope, Store

# The module, not its names: patrol.store.hazards reads this package's values, so whichever of the
# two is imported first, the other is still loading then.
from patrol.store import hazards as stored
from patrol.types import EventStatus, EventType


class HazardNotFound(LookupError):
    pass


class HazardRegister:
    """The hazard lifecycle's rules, applied to the hazards the store keeps."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._hazards = stored.HazardRepository(store.database)

    # Reading -------------------------------------------------------------------------------

    def get(self, hazard_id: int, *, school_ids: SchoolScope = None) -> HazardRecord:
        record = self._hazards.get(hazard_id, school_ids=school_ids)
        if record is None:
            raise HazardNotFound(hazard_id)
        return record

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
    ) -> builtins.list[HazardRecord]:
        """Oldest first; `overdue` is computed against `now`."""
        return self._hazards.find(
            now=now,
            school_id=school_id,
            state=state,
            level=level,
            overdue=overdue,
            since=since,
            until=until,
            school_ids=school_ids,
        )

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
            with self._hazards.changing() as change:
                event = change.event(event_id, school_ids=school_ids)
                # Checked once the event is found: one outside `school_ids` is not found, whatever the deadline.
                check_deadline(deadline, now)
                if event.status is not EventStatus.CONFIRMED:
                    raise IllegalTransition(
                        f"event {event_id} is {event.status}; only a confirmed event is a hazard"
                    )
                record = change.register(
                    event,
                    level=level,
                    state=HazardState.NOTIFIED,
                    owner=owner,
                    deadline=deadline,
                    by=by,
                    at=now,
                    note=note,
                )
        except stored.AlreadyRegistered:
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
        with self._hazards.changing() as change:
            current = _found(change.locked(hazard_id, school_ids=school_ids), hazard_id)
            check_advance(current.state, target, has_evidence=current.evidence_at is not None)
            changed = replace(current, state=target)
            if target is HazardState.RECTIFYING and current.state is HazardState.RECTIFIED:
                changed = replace(changed, evidence_at=None, evidence_look_id=None, evidence_note="")
            if target is HazardState.CLEARED:
                changed = replace(changed, cleared_at=now)
            record = change.save(
                changed, at=now, by=by, action=HazardAction.ADVANCE, from_state=current.state, note=note
            )
        self._announce(record, HazardAction.ADVANCE)
        return record

    def verify(
        self, hazard_id: int, *, by: str, now: datetime, note: str, school_ids: SchoolScope = None
    ) -> HazardRecord:
        """An officer saw the problem fixed: recorded as the evidence, and the rectified hazard clears."""
        if not note.strip():
            raise IllegalTransition("a verification needs a note saying what was checked")
        with self._hazards.changing() as change:
            current = _found(change.locked(hazard_id, school_ids=school_ids), hazard_id)
            check_advance(current.state, HazardState.CLEARED, has_evidence=True)
            changed = replace(
                current,
                evidence_at=now,
                evidence_note=f"verified by {by}: {note}",
                state=HazardState.CLEARED,
                cleared_at=now,
            )
            record = change.save(
                changed, at=now, by=by, action=HazardAction.CLEAR, from_state=current.state, note=note
            )
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
        with self._hazards.changing() as change:
            # Found first: a hazard outside `school_ids` is not found, whatever the deadline.
            current = _found(change.locked(hazard_id, school_ids=school_ids), hazard_id)
            check_deadline(deadline, now)
            changed = replace(current, level=next_level(current.level, current.state), deadline=deadline)
            record = change.save(
                changed, at=now, by=by, action=HazardAction.ESCALATE, from_state=current.state, note=note
            )
        self._announce(record, HazardAction.ESCALATE)
        return record

    def clear_by_look(
        self, camera_id: str, event_type: EventType, seen_at: datetime, look_id: int | None
    ) -> builtins.list[HazardRecord]:
        """A patrol look of the camera no longer shows the problem: the evidence for every open
        hazard of that camera and rule raised before it; a rectified one clears at once."""
        changed: builtins.list[tuple[HazardRecord, HazardAction]] = []
        with self._hazards.changing() as change:
            for current in change.open_for(camera_id, event_type, created_by=seen_at):
                evidence = replace(
                    current,
                    evidence_at=seen_at,
                    evidence_look_id=look_id,
                    evidence_note=f"patrol look {look_id} no longer shows {event_type.value}",
                )
                if current.state is HazardState.RECTIFIED:
                    evidence = replace(evidence, state=HazardState.CLEARED, cleared_at=seen_at)
                    action = HazardAction.CLEAR
                else:
                    action = HazardAction.EVIDENCE
                record = change.save(
                    evidence,
                    at=seen_at,
                    by="patrol",
                    action=action,
                    from_state=current.state,
                    note=evidence.evidence_note,
                )
                changed.append((record, action))
        for record, action in changed:
            self._announce(record, action)
        return [record for record, _ in changed]

    # Internals -----------------------------------------------------------------------------

    def _announce(self, record: HazardRecord, action: HazardAction) -> None:
        self._store.announce("hazard", hazard_payload(record, action))


def _found(record: HazardRecord | None, hazard_id: int) -> HazardRecord:
    if record is None:
        raise HazardNotFound(hazard_id)
    return record


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
