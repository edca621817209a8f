from __future__ import annotations

import numpy as np

from detectors.tracker import track_clip
from detectors.types import Detections


def _boxes(*feet: tuple[float, float]) -> Detections:
    boxes = np.asarray([[x - 0.05, y - 0.5, x + 0.05, y] for x, y in feet], np.float32).reshape(-1, 4)
    return Detections(boxes, np.full(len(feet), 0.9, np.float32), np.zeros(len(feet), np.int32))


def test_a_walker_keeps_one_id_at_two_frames_per_second() -> None:
    frames = [_boxes((0.1 + 0.06 * i, 0.9)) for i in range(15)]
    tracked = track_clip(frames, [i / 2 for i in range(15)])
    assert {int(d.track_ids[0]) for d in tracked} == {1}


def test_two_people_crossing_keep_their_ids() -> None:
    frames = [_boxes((0.1 + 0.05 * i, 0.9), (0.9 - 0.05 * i, 0.9)) for i in range(17)]
    tracked = track_clip(frames, [i / 2 for i in range(17)])
    first_ids = [int(d.track_ids[0]) for d in tracked]
    second_ids = [int(d.track_ids[1]) for d in tracked]
    # Constant-velocity prediction carries each person through the moment they overlap.
    assert len(set(first_ids)) == 1 and len(set(second_ids)) == 1
    assert first_ids[0] != second_ids[0]


def test_someone_missing_for_longer_than_the_gap_gets_a_new_id() -> None:
    frames = [_boxes((0.5, 0.9)), Detections.empty(), Detections.empty(), _boxes((0.5, 0.9))]
    tracked = track_clip(frames, [0.0, 1.5, 3.0, 4.5])
    assert int(tracked[0].track_ids[0]) != int(tracked[3].track_ids[0])


def test_detections_validate_their_shapes() -> None:
    import pytest

    with pytest.raises(ValueError, match="scores must have 1 entries"):
        Detections(np.zeros((1, 4), np.float32), np.zeros(2, np.float32), np.zeros(1, np.int32))


def test_someone_who_walks_out_of_the_picture_does_not_come_back_as_the_next_arrival() -> None:
    leaving = [_boxes((0.80 + 0.04 * i, 0.9)) for i in range(5)]  # out at the right edge
    arriving = [_boxes((0.05 + 0.04 * i, 0.9)) for i in range(4)]  # a new person at the left
    tracked = track_clip(
        [*leaving, Detections.empty(), Detections.empty(), *arriving], [i / 2 for i in range(11)]
    )
    assert int(tracked[0].track_ids[0]) != int(tracked[-1].track_ids[0])
