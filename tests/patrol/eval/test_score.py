"""Scoring arithmetic on hand-made events: no detector, no streams."""

from __future__ import annotations

import pytest

from patrol.eval.scenario_file import Expectation
from patrol.eval.score import EventVerdict, ObservedEvent, RuleSummary, score_scenario, summarize
from patrol.types import EventType

GUARD = EventType("guard_absent")
ENTRY = EventType("unregistered_entry")
LOITER = EventType("loitering")


def _event(rule: EventType, raised_s: float) -> ObservedEvent:
    return ObservedEvent(rule, raised_s, raised_s + 5.0)


@pytest.mark.parametrize(
    ("expectations", "events", "verdicts", "missed"),
    [
        # Inside the window, at both ends, and within the tolerance after it.
        ([Expectation(GUARD, 20, 80, 10)], [_event(GUARD, 20.0)], ["tp"], []),
        ([Expectation(GUARD, 20, 80, 10)], [_event(GUARD, 90.0)], ["tp"], []),
        ([Expectation(GUARD, 20, 80, 10)], [_event(GUARD, 90.5)], ["fp"], [0]),
        ([Expectation(GUARD, 20, 80, 10)], [_event(GUARD, 19.9)], ["fp"], [0]),
        # Nothing expected, nothing raised; nothing raised where something was expected.
        ([], [], [], []),
        ([Expectation(LOITER, 0, 100)], [], [], [0]),
        # The right time but the wrong rule.
        ([Expectation(LOITER, 0, 100)], [_event(GUARD, 50.0)], ["fp"], [0]),
        # One condition, two events: the second is a false positive (a duplicate).
        ([Expectation(GUARD, 0, 100)], [_event(GUARD, 40.0), _event(GUARD, 70.0)], ["tp", "fp"], []),
        # Two conditions, two events: each matches its own, whatever the order of events.
        (
            [Expectation(ENTRY, 0, 60, 10), Expectation(ENTRY, 50, 120, 10)],
            [_event(ENTRY, 100.0), _event(ENTRY, 55.0)],
            ["tp", "tp"],
            [],
        ),
        # Optional: an event is excused, no event is not missed.
        ([Expectation(GUARD, 40, 85, 15, optional=True)], [_event(GUARD, 80.0)], ["excused"], []),
        ([Expectation(GUARD, 40, 85, 15, optional=True)], [], [], []),
        # An event that fits a required and an optional window counts for the required one.
        (
            [Expectation(GUARD, 0, 100, optional=True), Expectation(GUARD, 30, 100)],
            [_event(GUARD, 50.0)],
            ["tp"],
            [],
        ),
    ],
)
def test_events_against_expectations(
    expectations: list[Expectation], events: list[ObservedEvent], verdicts: list[str], missed: list[int]
) -> None:
    score = score_scenario(expectations, events)
    assert [o.verdict.value for o in score.events] == verdicts
    assert [i for i, o in enumerate(score.expectations) if o.missed] == missed
    assert score.passed == ("fp" not in verdicts and not missed)


def test_a_duplicate_is_marked_as_such() -> None:
    score = score_scenario([Expectation(GUARD, 0, 100)], [_event(GUARD, 40.0), _event(GUARD, 70.0)])
    assert [o.duplicate for o in score.events] == [False, True]
    assert score.expectations[0].event == 0


def test_rule_figures_over_scenarios() -> None:
    two_hits = score_scenario(
        [Expectation(GUARD, 10, 100), Expectation(LOITER, 30, 100)],
        [_event(GUARD, 41.0), _event(LOITER, 90.0)],
    )
    one_miss = score_scenario([Expectation(GUARD, 0, 100)], [])
    false_alarm = score_scenario([], [_event(GUARD, 50.0)])
    quiet = score_scenario([], [])
    summaries = summarize(
        [
            ([GUARD, LOITER], 120.0, two_hits),
            ([GUARD], 1800.0, one_miss),
            ([GUARD], 1800.0, false_alarm),
            ([ENTRY], 600.0, quiet),
        ]
    )

    guard = summaries[GUARD]
    assert (guard.tp, guard.fp, guard.fn) == (1, 1, 1)
    assert guard.precision == pytest.approx(0.5)
    assert guard.recall == pytest.approx(0.5)
    assert guard.f1 == pytest.approx(0.5)
    assert guard.camera_hours == pytest.approx((120 + 1800 + 1800) / 3600)
    assert guard.false_alarms_per_camera_hour == pytest.approx(1 / guard.camera_hours)
    assert (guard.onset_median_s, guard.onset_max_s) == (31.0, 31.0)

    loiter = summaries[LOITER]
    assert (loiter.tp, loiter.fp, loiter.fn, loiter.precision, loiter.recall) == (1, 0, 0, 1.0, 1.0)
    assert loiter.onsets_s == [60.0]

    entry = summaries[ENTRY]
    assert (entry.tp, entry.fp, entry.fn) == (0, 0, 0)
    assert entry.precision is None and entry.recall is None and entry.f1 is None
    assert entry.false_alarms_per_camera_hour == 0.0


def test_onsets_take_the_median_of_true_positives_only() -> None:
    summary = RuleSummary(GUARD)
    for raised_s in (40.0, 50.0, 90.0):
        summary.add(score_scenario([Expectation(GUARD, 30, 100)], [_event(GUARD, raised_s)]), 100.0)
    summary.add(score_scenario([], [_event(GUARD, 5.0)]), 100.0)
    assert summary.onsets_s == [10.0, 20.0, 60.0]
    assert summary.onset_median_s == 20.0 and summary.onset_max_s == 60.0
    assert summary.precision == pytest.approx(0.75)


def test_thresholds_judge_only_figures_that_exist() -> None:
    summary = RuleSummary(ENTRY, tp=9, fp=1, fn=2)
    assert summary.below(0.95, 0.9) == [
        "unregistered_entry precision 0.900 < 0.95",
        "unregistered_entry recall 0.818 < 0.9",
    ]
    assert summary.below(0.9, 0.8) == []
    assert RuleSummary(ENTRY).below(0.95, 0.9) == []
    assert EventVerdict("tp") is EventVerdict.TRUE_POSITIVE
