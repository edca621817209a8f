from __future__ import annotations

from patrol.geometry import Polygon
from patrol.rules import VerdictState
from patrol.rules.loitering import LoiteringFinding, LoiteringRule
from tests.patrol.rules.scripted import ALWAYS, MONDAY_8AM, later, look, people, stay, walk

OUTSIDE = Polygon.of("outside", ((0.15, 0.4), (0.85, 0.4), (0.85, 1.0), (0.15, 1.0)))


def _rule() -> LoiteringRule:
    return LoiteringRule(OUTSIDE, min_dwell_s=8, confirm_after_s=120, timing=ALWAYS)


def _pacing(track: int = 1) -> list[list[tuple[float, float, int]]]:
    path = walk(track, 0.3, 0.7, 4) + stay(track, 0.7, 1) + walk(track, 0.7, 0.3, 4)
    return [[p] for p in path]


def _passing(track: int, seconds: float = 12) -> list[list[tuple[float, float, int]]]:
    """Walking the zone's whole length (0.15 to 0.85) in `seconds`: in the zone all the time."""
    return [[p] for p in walk(track, 0.15, 0.85, seconds)]


def test_someone_pacing_then_staying_again_on_the_follow_up_is_a_finding() -> None:
    rule = _rule()
    first = rule.evaluate(look(_pacing()), MONDAY_8AM)
    assert first.state is VerdictState.SUSPECT
    assert first.follow_up_in_s == 120
    # A new look tracks afresh: track 9 is the same person as track 1 was.
    confirmed = rule.evaluate(look(_pacing(track=9), at=later(120), who={9: 1}), later(120))
    assert confirmed.state is VerdictState.FINDING
    assert isinstance(confirmed.details, LoiteringFinding)
    assert confirmed.details.first_stay_s == 9.5
    assert confirmed.details.follow_up_stay_s == 9.5
    assert confirmed.details.similarity == 1.0
    assert "stayed 10 s in the outside zone at 08:00:00" in confirmed.summary
    assert "stayed 10 s again at 08:02:00" in confirmed.summary
    assert "threshold" not in confirmed.summary
    assert confirmed.comparison is not None


def test_someone_else_staying_on_the_follow_up_is_a_new_suspect_not_a_finding() -> None:
    rule = _rule()
    rule.evaluate(look(_pacing()), MONDAY_8AM)
    other = rule.evaluate(look(_pacing(track=9), at=later(120)), later(120))
    assert other.state is VerdictState.SUSPECT
    assert other.follow_up_in_s == 120
    assert [s.track_id for s in rule.suspects] == [9]
    assert rule.suspected_at == later(120)


def test_walking_the_zone_length_is_passing_however_long_it_is_in_the_zone() -> None:
    rule = _rule()
    verdict = rule.evaluate(look(_passing(1, seconds=12)), MONDAY_8AM)
    assert verdict.state is VerdictState.CLEAR
    assert rule.suspects == ()


def test_a_passer_by_in_every_frame_of_both_looks_is_never_a_finding() -> None:
    rule = _rule()
    # Three people one after the other, each in the zone for 10 s; the same again two minutes later.
    first = [f for track in (1, 2, 3) for f in _passing(track, seconds=10)]
    second = [f for track in (4, 5, 6) for f in _passing(track, seconds=10)]
    assert rule.evaluate(look(first), MONDAY_8AM).state is VerdictState.CLEAR
    assert rule.evaluate(look(second, at=later(120)), later(120)).state is VerdictState.CLEAR


def test_the_same_person_only_walking_past_on_the_follow_up_is_not_a_finding() -> None:
    rule = _rule()
    rule.evaluate(look(_pacing()), MONDAY_8AM)
    verdict = rule.evaluate(look(_passing(9), at=later(120), who={9: 1}), later(120))
    assert verdict.state is not VerdictState.FINDING


def test_one_loiterer_is_one_event_through_a_walk_off_and_back() -> None:
    rule = _rule()
    rule.evaluate(look(_pacing()), MONDAY_8AM)
    assert (
        rule.evaluate(look(_pacing(9), at=later(120), who={9: 1}), later(120)).state is VerdictState.FINDING
    )
    # Still there: the same event goes on.
    assert (
        rule.evaluate(look(_pacing(4), at=later(200), who={4: 1}), later(200)).state is VerdictState.FINDING
    )
    # Gone for one look: not yet over, a follow-up is asked for.
    away = rule.evaluate(look([[] for _ in range(20)], at=later(260)), later(260))
    assert away.state is VerdictState.UNDECIDED
    assert away.follow_up_in_s == 120
    # Back again: the same loiterer, the same event.
    back = rule.evaluate(look(_pacing(2), at=later(300), who={2: 1}), later(300))
    assert back.state is VerdictState.FINDING
    # Missed by looks for confirm_after_s: the event ends.
    assert (
        rule.evaluate(look([[] for _ in range(20)], at=later(400)), later(400)).state
        is VerdictState.UNDECIDED
    )
    gone = rule.evaluate(look([[] for _ in range(20)], at=later(520)), later(520))
    assert gone.state is VerdictState.CLEAR
    assert rule.loiterer is None


def test_a_look_without_appearances_cannot_confirm() -> None:
    rule = _rule()
    rule.evaluate(look(_pacing()), MONDAY_8AM)
    bare = look(_pacing(9), at=later(120))
    frames = tuple(
        type(f)(
            f.offset_s,
            people(*[(x, y, 9) for x, y in f.detections.foot_points.tolist()]).with_appearances([]),
        )
        for f in bare.frames
    )
    verdict = rule.evaluate(type(bare)("cam", later(120), frames), later(120))
    assert verdict.state is not VerdictState.FINDING


def test_a_passer_by_is_clear() -> None:
    rule = _rule()
    verdict = rule.evaluate(look([[p] for p in walk(1, 0.0, 1.0, 5)]), MONDAY_8AM)
    assert verdict.state is VerdictState.CLEAR
    assert rule.suspects == ()


def test_a_parent_who_waits_then_leaves_before_the_follow_up_is_clear() -> None:
    rule = _rule()
    assert rule.evaluate(look(_pacing()), MONDAY_8AM).state is VerdictState.SUSPECT
    gone = rule.evaluate(look([[] for _ in range(20)], at=later(120)), later(120))
    assert gone.state is VerdictState.CLEAR
    assert rule.suspects == ()


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


def test_stay_in_place_ends_where_the_feet_leave_the_square() -> None:
    from patrol.rules.paths import foot_paths

    # 0.5 heights of 0.5 picture heights across a 16:9 picture: 0.14 picture widths.
    path = stay(1, 0.3, 4) + walk(1, 0.3, 0.8, 5)
    [foot_path] = foot_paths(look([[p] for p in path]))
    first, last = foot_path.stay_in_place(OUTSIDE, reach_heights=0.5, aspect=16 / 9, max_gap_s=1.0) or (0, 0)
    assert foot_path.times_s[first] == 0.0
    # Standing 4 s, then 0.1 widths a second: out of the square after a little over a second.
    assert foot_path.times_s[last] == 5.0


def test_pacing_up_and_down_stays_where_walking_on_or_hopping_back_does_not() -> None:
    import numpy as np

    from patrol.rules.paths import Pacing, longest_stay_run

    def run_s(path: list[tuple[float, float, int]], pacing: Pacing | None) -> float:
        times = [index / 2 for index in range(len(path))]
        points = np.asarray([(x * 16 / 9, y) for x, y, _ in path], np.float32)
        span = longest_stay_run(times, points, [True] * len(path), 0.25, 1.0, pacing)
        assert span is not None
        return times[span[1]] - times[span[0]]

    # A square 0.25 picture heights across (0.14 widths); a pacer may walk twice that and back.
    pacing = Pacing(reach=0.5, max_step=0.2)
    pacer = walk(1, 0.3, 0.5, 4) + stay(1, 0.5, 1) + walk(1, 0.5, 0.3, 4)
    walking_on = walk(2, 0.3, 0.8, 10)
    # Out at a walk, then back in one step: the next person who looks the same.
    hopping_back = walk(3, 0.3, 0.55, 5) + walk(3, 0.3, 0.55, 5)
    assert run_s(pacer, pacing) == 9.5
    assert run_s(pacer, None) == 6.5  # without pacing only the turn stays in the square
    assert run_s(walking_on, pacing) == 2.5
    assert run_s(hopping_back, pacing) < 4


def test_a_suspect_seen_staying_again_before_the_follow_up_stays_one_suspect() -> None:
    rule = _rule()
    rule.evaluate(look(_pacing()), MONDAY_8AM)
    again = rule.evaluate(look(_pacing(7), at=later(60), who={7: 1}), later(60))
    assert again.state is VerdictState.SUSPECT
    assert again.follow_up_in_s == 60
    assert [s.track_id for s in rule.suspects] == [1]


def test_a_stay_survives_the_tracker_giving_the_stayer_a_new_track() -> None:
    rule = _rule()
    # Standing still for 10 s; a passer-by hides them at 5 s and the tracker starts a new track.
    frames = [[(0.5, 0.92, 1)] for _ in range(10)] + [[]] + [[(0.5, 0.92, 2)] for _ in range(9)]
    verdict = rule.evaluate(look(frames, who={2: 1}), MONDAY_8AM)
    assert verdict.state is VerdictState.SUSPECT
    [suspect] = rule.suspects
    assert suspect.stay_s == 9.5


def test_the_evidence_sets_the_first_looks_crop_beside_the_follow_ups() -> None:
    import cv2
    import numpy as np

    from patrol.evidence import CameraDrawing, evidence_jpeg

    rule = _rule()
    rule.evaluate(look(_pacing()), MONDAY_8AM)
    follow_up = look(_pacing(9), at=later(120), who={9: 1})
    verdict = rule.evaluate(follow_up, later(120))
    assert verdict.comparison is not None
    assert verdict.comparison.score == "similarity 1.000"
    picture = np.full((360, 640, 3), 90, np.uint8)
    jpeg = evidence_jpeg(picture, follow_up, verdict, CameraDrawing([OUTSIDE], []), "cam loitering")
    shown = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert shown.shape[0] == 360 and shown.shape[1] > 640
    # The scripted person's crop is a flat grey of 40 levels; both crops sit right of the frame.
    panel = shown[40:300, 650:]
    assert np.count_nonzero(np.abs(panel.astype(int) - 40) <= 6) > 0.5 * panel.shape[0] * 64
