"""Frozen values the hazard register hands out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from patrol.hazards.lifecycle import EscalationLevel, HazardAction, HazardState, is_overdue
from patrol.types import EventType


@dataclass(frozen=True)
class HazardTransition:
    at: datetime
    by: str
    action: HazardAction
    from_state: HazardState | None
    to_state: HazardState
    level: EscalationLevel
    deadline: datetime
    note: str


@dataclass(frozen=True)
class HazardRecord:
    id: int
    event_id: int
    school_id: str
    camera_id: str
    type: EventType
    level: EscalationLevel
    state: HazardState
    owner: str
    deadline: datetime
    created_at: datetime
    created_by: str
    evidence_at: datetime | None
    evidence_look_id: int | None
    evidence_note: str
    cleared_at: datetime | None
    history: tuple[HazardTransition, ...] = ()

    @property
    def reference_number(self) -> str:
        """巡查〔year〕第NNNN号: unique and stable, since the id never changes."""
        return f"巡查〔{self.created_at.year}〕第{self.id:04d}号"

    def overdue(self, now: datetime) -> bool:
        return is_overdue(self.state, self.deadline, now)
