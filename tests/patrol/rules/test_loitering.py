from __future__ import annotations

from patrol.geometry import Polygon
from patrol.rules import LoiteringRule, VerdictState
from tests.patrol.rules.scripted import ALWAYS, MONDAY_8AM, later, look, stay, walk

OUTSIDE = Polygon.of("outside", ((0.15, 0.4), (0.85, 0.4), (0.85, 1.0), (0.15, 1.0)))


def _rule() -> LoiteringRule:
    return LoiteringRule(OUTSIDE, min_dwell_s=8, confirm_after_s=120, timing=ALWAYS)


def _pacing(track: int = 1) -> list[list[tuple[float, float, int]]]:
    path = walk(track, 0.3, 0.7, 4) + stay(track, 0.7, 1) + walk(track, 0.7, 0.3, 4)
    return [[p] for p in path]


def test_someone_pacing_then_still_there_on_the_follow_up_is_a_finding() -> None:
    rule = _rule()
    first = rule.evaluate(look(_pacing()), MONDAY_8AM)
    assert first.state is VerdictState.SUSPECT
    assert first.follow_up_in_s == 120
    confirmed = rule.evaluate(look(_pacing(track=9), at=later(120)), later(120))
    assert confirmed.state is VerdictState.FINDING
    assert "still there at 08:02:00" in confirmed.summary


def test_a_passer_by_is_clear() -> None:
    rule = _rule()
    verdict = rule.evaluate(look([[p] for p in walk(1, 0.0, 1.0, 5)]), MONDAY_8AM)
    assert verdict.state is VerdictState.CLEAR
    assert rule.suspected_at is None


def test_a_parent_who_waits_then_leaves_before_the_follow_up_is_clear() -> None:
    rule = _rule()
    assert rule.evaluate(look(_pacing()), MONDAY_8AM).state is VerdictState.SUSPECT
    gone = rule.evaluate(look([[] for _ in range(20)], at=later(120)), later(120))
    assert gone.state is VerdictState.CLEAR
    assert rule.suspected_at is None


def test_someone_only_glimpsed_on_the_follow_up_is_not_a_finding() -> None:
    rule = _rule()
    rule.evaluate(look(_pacing()), MONDAY_8AM)
    glimpse = [[(0.2, 0.9, 4)]] + [[] for _ in range(19)]
    assert rule.evaluate(look(glimpse, at=later(120)), later(120)).state is VerdictState.CLEAR


def test_two_passers_by_crossing_paths_do_not_add_up_to_loitering() -> None:
    rule = _rule()
    a = walk(1, 0.0, 1.0, 5)
    b = walk(2, 1.0, 0.0, 5)
    verdict = rule.evaluate(look([[p, q] for p, q in zip(a, b, strict=True)]), MONDAY_8AM)
    assert verdict.state is VerdictState.CLEAR


def test_a_snapshot_showing_someone_is_undecided() -> None:
    assert _rule().evaluate(look([[(0.5, 0.9, 1)]]), MONDAY_8AM).state is VerdictState.UNDECIDED


def test_still_span_is_the_time_standing_in_the_zone() -> None:
    from patrol.rules.paths import foot_paths

    path = walk(1, 0.1, 0.5, 2) + stay(1, 0.5, 4) + walk(1, 0.5, 0.9, 2)
    [foot_path] = foot_paths(look([[p] for p in path]))
    start, end = foot_path.still_span(OUTSIDE, max_speed=0.05, max_gap_s=1.0) or (0, 0)
    # Still from the first sample at 0.5 until the last one whose next step does not move.
    assert (start, end) == (2.0, 6.0)
