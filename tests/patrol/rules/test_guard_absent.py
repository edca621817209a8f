from __future__ import annotations

from patrol.geometry import Polygon
from patrol.rules import VerdictState
from patrol.rules.guard_absent import GuardAbsentRule
from tests.patrol.rules.scripted import ALWAYS, MONDAY_8AM, MORNING_ONLY, later, look

BOOTH = Polygon.of("booth", ((0.3, 0.15), (0.7, 0.15), (0.7, 0.95), (0.3, 0.95)))


def _rule(timing=ALWAYS, min_persons: int = 1) -> GuardAbsentRule:
    return GuardAbsentRule(BOOTH, min_persons=min_persons, confirm_after_s=300, timing=timing)


def test_guard_present_is_clear() -> None:
    rule = _rule()
    verdict = rule.evaluate(look([[(0.5, 0.9, 1)]]), MONDAY_8AM)
    assert verdict.state is VerdictState.CLEAR
    assert rule.first_short_at is None


def test_empty_booth_is_suspect_first_and_a_finding_when_still_empty_after_the_delay() -> None:
    rule = _rule()
    first = rule.evaluate(look([[]]), MONDAY_8AM)
    assert first.state is VerdictState.SUSPECT
    assert first.follow_up_in_s == 300
    early = rule.evaluate(look([[]], at=later(120)), later(120))
    assert early.state is VerdictState.SUSPECT
    assert early.follow_up_in_s == 180
    confirmed = rule.evaluate(look([[]], at=later(300)), later(300))
    assert confirmed.state is VerdictState.FINDING
    assert confirmed.summary == "booth empty at 08:00:00 and again at 08:05:00; required 1 person, saw 0"


def test_guard_stepping_out_briefly_raises_nothing() -> None:
    rule = _rule()
    assert rule.evaluate(look([[]]), MONDAY_8AM).state is VerdictState.SUSPECT
    back = rule.evaluate(look([[(0.45, 0.9, 1)]]), later(300))
    assert back.state is VerdictState.CLEAR
    # A new absence starts its own confirmation delay.
    assert rule.evaluate(look([[]]), later(400)).state is VerdictState.SUSPECT


def test_a_person_outside_the_booth_zone_does_not_count() -> None:
    rule = _rule()
    verdict = rule.evaluate(look([[(0.1, 0.9, 1), (0.85, 0.9, 2)]]), MONDAY_8AM)
    assert verdict.state is VerdictState.SUSPECT


def test_two_required_and_one_present_is_short() -> None:
    rule = _rule(min_persons=2)
    rule.evaluate(look([[(0.5, 0.9, 1)]]), MONDAY_8AM)
    verdict = rule.evaluate(look([[(0.5, 0.9, 1)]]), later(300))
    assert verdict.state is VerdictState.FINDING
    assert "required 2 persons, saw 1" in verdict.summary


def test_outside_the_duty_window_the_rule_is_inactive_and_forgets() -> None:
    rule = _rule(timing=MORNING_ONLY)
    assert rule.evaluate(look([[]]), MONDAY_8AM).state is VerdictState.SUSPECT
    evening = later(12 * 3600)
    assert rule.evaluate(look([[]]), evening).state is VerdictState.INACTIVE
    assert rule.first_short_at is None
