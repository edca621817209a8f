from __future__ import annotations

import pytest

from patrol.geometry import DirectedLine, Polygon
from patrol.rules import Verdict, VerdictState
from patrol.rules.unregistered_entry import UnregisteredEntryDetails, UnregisteredEntryRule
from tests.patrol.rules.scripted import ALWAYS, MONDAY_8AM, MORNING_ONLY, later, look, people, stay, walk

GATE = DirectedLine.of("gate", ((0.55, 0.0), (0.55, 1.0)), inside=(0.9, 0.5))
DESK = Polygon.of("desk", ((0.30, 0.5), (0.48, 0.5), (0.48, 1.0), (0.30, 1.0)))


def _rule(timing=ALWAYS) -> UnregisteredEntryRule:
    return UnregisteredEntryRule(
        GATE, DESK, min_desk_dwell_s=3, min_observed_s=5, settle_s=300, timing=timing
    )


def _details(verdict: Verdict) -> UnregisteredEntryDetails:
    assert isinstance(verdict.details, UnregisteredEntryDetails)
    return verdict.details


def _frames(*tracks: list[tuple[float, float, int]]) -> list[list[tuple[float, float, int]]]:
    """Merge per-track paths frame by frame."""
    length = max(len(t) for t in tracks)
    return [[t[i] for t in tracks if i < len(t)] for i in range(length)]


def test_visitor_who_walks_straight_in_is_a_finding() -> None:
    verdict = _rule().evaluate(look(_frames(walk(7, 0.0, 1.0, 10))), MONDAY_8AM)
    assert verdict.state is VerdictState.FINDING
    assert verdict.tracks == (7,)
    assert "without registering" in verdict.summary
    assert _details(verdict).entries[0].desk_dwell_s < 3


def test_visitor_who_registers_at_the_desk_then_enters_is_clear() -> None:
    path = walk(3, 0.0, 0.4, 3) + stay(3, 0.4, 5) + walk(3, 0.4, 1.0, 4)
    verdict = _rule().evaluate(look(_frames(path)), MONDAY_8AM)
    assert verdict.state is VerdictState.CLEAR
    assert _details(verdict).entries[0].desk_dwell_s >= 3


def test_staff_leaving_crosses_outward_and_is_not_an_entry() -> None:
    verdict = _rule().evaluate(look(_frames(walk(4, 1.0, 0.0, 10))), MONDAY_8AM)
    assert verdict.state is VerdictState.UNDECIDED


def test_a_crossing_seen_too_briefly_to_judge_is_undecided() -> None:
    # The person may have registered before the clip began.
    verdict = _rule().evaluate(look(_frames(walk(5, 0.5, 1.0, 3))), MONDAY_8AM)
    assert verdict.state is VerdictState.UNDECIDED


def test_a_brisk_walker_first_seen_beyond_the_desk_is_judged_however_short_the_look() -> None:
    # 3 s in view before the gate, under min_observed_s, but its whole way past the desk was watched.
    verdict = _rule().evaluate(look(_frames(walk(6, 0.2, 0.7, 4))), MONDAY_8AM)
    assert verdict.state is VerdictState.FINDING
    assert verdict.tracks == (6,)


def test_a_short_look_that_begins_at_the_desk_is_undecided() -> None:
    # The visitor may have stood at the desk long before the look began.
    path = stay(8, 0.4, 1) + walk(8, 0.4, 0.7, 2)
    verdict = _rule().evaluate(look(_frames(path)), MONDAY_8AM)
    assert verdict.state is VerdictState.UNDECIDED


def test_one_offender_among_registered_visitors_is_a_finding_about_that_track_only() -> None:
    registered = walk(1, 0.0, 0.4, 3) + stay(1, 0.4, 5) + walk(1, 0.4, 1.0, 4)
    walker = walk(2, 0.0, 1.0, 10)
    verdict = _rule().evaluate(look(_frames(registered, walker)), MONDAY_8AM)
    assert verdict.state is VerdictState.FINDING
    assert verdict.tracks == (2,)


def test_a_snapshot_alone_cannot_judge_an_entry() -> None:
    verdict = _rule().evaluate(look([[(0.2, 0.92, 1)]]), MONDAY_8AM)
    assert verdict.state is VerdictState.UNDECIDED


@pytest.mark.parametrize("feet_x", [None, 0.2, 0.4, 0.8])
def test_in_its_windows_a_clip_is_wanted_whoever_the_snapshot_shows(feet_x: float | None) -> None:
    # Nobody approaching now says nothing about the next clip_s: a walk-in crosses in seconds.
    snapshot = people() if feet_x is None else people((feet_x, 0.92, 1))
    assert _rule().wants_clip(snapshot, MONDAY_8AM) is True


def test_outside_its_windows_the_rule_is_inactive() -> None:
    evening = later(12 * 3600)
    rule = _rule(timing=MORNING_ONLY)
    assert (
        rule.evaluate(look(_frames(walk(7, 0.0, 1.0, 10)), at=evening), evening).state
        is VerdictState.INACTIVE
    )
    assert rule.wants_clip(people((0.2, 0.92, 1)), evening) is False


def test_registered_entries_soon_after_a_walk_in_do_not_end_the_lapse() -> None:
    rule = _rule()
    walk_in = look(_frames(walk(7, 0.0, 1.0, 10)))
    registered = walk(3, 0.0, 0.4, 3) + stay(3, 0.4, 5) + walk(3, 0.4, 1.0, 4)
    assert rule.evaluate(walk_in, MONDAY_8AM).state is VerdictState.FINDING

    soon = later(120)
    verdict = rule.evaluate(look(_frames(registered), at=soon), soon)
    assert verdict.state is VerdictState.UNDECIDED
    assert _details(verdict).since_last_walk_in_s == 120

    settled = later(301)
    assert rule.evaluate(look(_frames(registered), at=settled), settled).state is VerdictState.CLEAR
