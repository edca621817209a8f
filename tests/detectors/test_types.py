from __future__ import annotations

import numpy as np
import pytest

from detectors.types import Detections


def _scored(*scores: float) -> Detections:
    boxes = np.asarray([[0.1 * i, 0.1, 0.1 * i + 0.05, 0.9] for i in range(len(scores))], np.float32)
    return Detections(
        boxes.reshape(-1, 4), np.asarray(scores, np.float32), np.arange(len(scores), dtype=np.int32)
    )


@pytest.mark.parametrize(
    ("min_score", "kept_classes"),
    [(0.1, [0, 1, 2, 3]), (0.35, [1, 3]), (0.5, [3]), (0.95, [])],
)
def test_min_score_keeps_the_detections_that_reach_it(min_score: float, kept_classes: list[int]) -> None:
    found = _scored(0.2, 0.35, 0.3, 0.9).with_track_ids(np.asarray([5, 6, 7, 8], np.int32))
    kept = found.with_min_score(min_score)
    assert kept.class_ids.tolist() == kept_classes
    # Each box keeps its own score and track id.
    assert kept.track_ids.tolist() == [c + 5 for c in kept_classes]
    assert kept.boxes.tolist() == found.boxes[kept_classes].tolist()
    assert kept.scores.tolist() == found.scores[kept_classes].tolist()
