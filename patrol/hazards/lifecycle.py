"""The hazard state machine: pure rules, the clock passed in, no I/O."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class HazardState(StrEnum):
    NOTIFIED = "notified"
    RECTIFYING = "rectifying"
    RECTIFIED = "rectified"
    CLEARED = "cleared"


class EscalationLevel(StrEnum):
    """督促整改清单: fixed on the spot, a written notice, or referred to the education department."""

    ON_THE_SPOT = "on_the_spot"
    NOTICE = "notice"
    EDUCATION_DEPARTMENT = "education_department"


class HazardAction(StrEnum):
    CREATE = "create"
    ADVANCE = "advance"
    ESCALATE = "escalate"
    EVIDENCE = "evidence"
    CLEAR = "clear"


class IllegalTransition(Exception):
    """A change the lifecycle does not allow; the message says what is allowed instead."""


LEVELS = tuple(EscalationLevel)
# Forward by one step; a rectification found wanting goes back to rectifying.
_NEXT: dict[HazardState, frozenset[HazardState]] = {
    HazardState.NOTIFIED: frozenset({HazardState.RECTIFYING}),
    HazardState.RECTIFYING: frozenset({HazardState.RECTIFIED}),
    HazardState.RECTIFIED: frozenset({HazardState.CLEARED, HazardState.RECTIFYING}),
    HazardState.CLEARED: frozenset(),
}


def check_advance(current: HazardState, target: HazardState, *, has_evidence: bool) -> None:
    """Raises IllegalTransition unless `current -> target` is allowed; clearing needs evidence."""
    allowed = _NEXT[current]
    if target not in allowed:
        names = ", ".join(sorted(allowed)) or "nothing (cleared is final)"
        raise IllegalTransition(f"a {current.value} hazard cannot become {target.value}; allowed: {names}")
    if target is HazardState.CLEARED and not has_evidence:
        raise IllegalTransition(
            "clearing needs evidence: a later patrol look no longer showing the problem, "
            "or an officer's recorded verification"
        )


def check_deadline(deadline: datetime, now: datetime) -> None:
    if deadline <= now:
        raise IllegalTransition(f"the deadline {deadline.isoformat()} is not after now ({now.isoformat()})")


def next_level(current: EscalationLevel, state: HazardState) -> EscalationLevel:
    """The level above `current`; IllegalTransition at the top or once cleared."""
    if state is HazardState.CLEARED:
        raise IllegalTransition("a cleared hazard cannot be escalated")
    index = LEVELS.index(current)
    if index + 1 >= len(LEVELS):
        raise IllegalTransition(f"{current.value} is already the highest escalation level")
    return LEVELS[index + 1]


def is_overdue(state: HazardState, deadline: datetime, now: datetime) -> bool:
    return state is not HazardState.CLEARED and deadline < now
