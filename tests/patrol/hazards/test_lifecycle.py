"""The hazard state machine, as a table of transitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from patrol.hazards.lifecycle import (
    EscalationLevel,
    HazardState,
    IllegalTransition,
    check_advance,
    is_overdue,
    next_level,
)

N, RG, RD, C = HazardState.NOTIFIED, HazardState.RECTIFYING, HazardState.RECTIFIED, HazardState.CLEARED


@pytest.mark.parametrize(
    ("current", "target", "evidence", "allowed"),
    [
        (N, RG, False, True),
        (RG, RD, False, True),
        (RD, C, True, True),
        (RD, C, False, False),
        (RD, RG, False, True),
        (N, RD, False, False),
        (N, C, True, False),
        (C, RG, True, False),
        (RG, N, False, False),
    ],
)
def test_transitions(current: HazardState, target: HazardState, evidence: bool, allowed: bool) -> None:
    if allowed:
        check_advance(current, target, has_evidence=evidence)
    else:
        with pytest.raises(IllegalTransition):
            check_advance(current, target, has_evidence=evidence)


def test_escalation_goes_up_one_level_and_stops_at_the_top_or_once_cleared() -> None:
    assert next_level(EscalationLevel.ON_THE_SPOT, N) is EscalationLevel.NOTICE
    assert next_level(EscalationLevel.NOTICE, RG) is EscalationLevel.EDUCATION_DEPARTMENT
    with pytest.raises(IllegalTransition, match="highest"):
        next_level(EscalationLevel.EDUCATION_DEPARTMENT, RG)
    with pytest.raises(IllegalTransition, match="cleared"):
        next_level(EscalationLevel.NOTICE, C)


def test_overdue_is_computed_from_the_clock_given() -> None:
    deadline = datetime(2025, 3, 10, tzinfo=UTC)
    assert not is_overdue(RG, deadline, deadline)
    assert is_overdue(RG, deadline, deadline + timedelta(seconds=1))
    assert not is_overdue(C, deadline, deadline + timedelta(days=9))
