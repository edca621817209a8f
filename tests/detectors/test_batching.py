"""The batching front with the real model: concurrent looks get their own results, in order."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from detectors.batching import BatchingDetector
from detectors.types import Detections
from detectors.yolo import sample_picture
from streams.simulator.scenarios import SCENARIOS, render

LOOKS = 8


def _pictures() -> list[NDArray[np.uint8]]:
    """Distinct pictures with different persons, two shapes among them."""
    scenes = [render(scenario, t) for scenario in SCENARIOS.values() for t in (2.0, 5.0, 8.0)]
    return [sample_picture(), *scenes[: LOOKS * 2 - 1]]


def _same(a: Detections, b: Detections) -> bool:
    return len(a) == len(b) and bool(np.allclose(a.boxes, b.boxes, atol=2e-3))


def test_concurrent_looks_share_batches_and_each_gets_its_own_results_in_order(detector) -> None:
    pictures = _pictures()
    reference = [detector.detect([picture])[0] for picture in pictures]
    assert len({len(r) for r in reference}) > 1  # results differ between pictures, so a mix-up would show
    # Each look asks for its own two pictures, then both again in the other order, as clips do.
    asks = [[(2 * look, 2 * look + 1), (2 * look + 1, 2 * look)] for look in range(LOOKS)]
    got: dict[int, list[list[Detections]]] = {}
    start = threading.Barrier(LOOKS)
    errors: list[BaseException] = []

    with BatchingDetector(detector, max_batch=8, max_wait_s=0.3) as batching:

        def look(index: int) -> None:
            try:
                start.wait()
                got[index] = [batching.detect([pictures[i] for i in ask]) for ask in asks[index]]
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=look, args=(index,)) for index in range(LOOKS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)

    assert not errors, errors
    for index in range(LOOKS):
        for ask, results in zip(asks[index], got[index], strict=True):
            assert [_same(result, reference[i]) for i, result in zip(ask, results, strict=True)] == [
                True,
                True,
            ]
    assert batching.frames_run == LOOKS * 4
    assert batching.batches_run < batching.frames_run  # frames of different looks shared forward passes


class _Broken:
    """A detector whose runtime fails: the stand-in for a crashed inference."""

    name = "broken"
    sha256 = "0" * 64

    def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[Detections]:
        raise RuntimeError("inference failed")


def test_a_failed_batch_raises_in_every_caller_and_the_next_batch_still_runs(detector) -> None:
    with BatchingDetector(_Broken(), max_batch=4, max_wait_s=0.0) as broken:
        with pytest.raises(RuntimeError, match="inference failed"):
            broken.detect([np.zeros((64, 64, 3), np.uint8)])
        with pytest.raises(RuntimeError, match="inference failed"):
            broken.detect([np.zeros((64, 64, 3), np.uint8)])
    with BatchingDetector(detector, max_batch=4, max_wait_s=0.0) as working:
        [found] = working.detect([sample_picture()])
    assert len(found) == 4


def test_a_closed_batching_detector_refuses_new_frames(detector) -> None:
    batching = BatchingDetector(detector)
    batching.close()
    with pytest.raises(RuntimeError, match="closed"):
        batching.detect([sample_picture()])


def test_more_frames_than_a_batch_run_in_several_passes(detector) -> None:
    pictures = _pictures()[:5]
    with BatchingDetector(detector, max_batch=2, max_wait_s=0.0) as batching:
        found = batching.detect(pictures)
    assert batching.batches_run >= 3
    reference = [detector.detect([picture])[0] for picture in pictures]
    assert all(_same(a, b) for a, b in zip(found, reference, strict=True))
