"""Detection runs while the clip is still arriving, and reading errors reach the look."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from detectors.types import Detections
from patrol.clip_watch import watch_clip
from streams.errors import StreamTimeout
from streams.types import Frame


def _picture(value: int) -> NDArray[np.uint8]:
    return np.full((4, 4, 3), value, np.uint8)


class _RecordingDetector:
    name = "recording"
    sha256 = "0" * 64

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.called = threading.Event()

    def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[Detections]:
        self.batches.append([int(image[0, 0, 0]) for image in images])
        self.called.set()
        return [Detections.empty() for _ in images]


def test_the_first_pictures_are_detected_before_the_clip_has_ended() -> None:
    detector = _RecordingDetector()

    def camera() -> Iterator[Frame]:
        yield Frame(_picture(1), 0.33)
        # A camera that waits for the detector: after the clip, this would wait in vain.
        if not detector.called.wait(timeout=10):
            raise AssertionError("the first picture was not detected while the clip was arriving")
        for value in (2, 3, 4):
            yield Frame(_picture(value), 0.33 * value)

    clip, detections = watch_clip(camera(), detector)

    assert [int(frame.image[0, 0, 0]) for frame in clip] == [1, 2, 3, 4]
    assert [frame.offset_s for frame in clip] == pytest.approx([0.33, 0.66, 0.99, 1.32])
    assert len(detections) == 4
    assert detector.batches[0] == [1]
    assert [value for batch in detector.batches for value in batch] == [1, 2, 3, 4]


def test_pictures_that_arrive_while_the_detector_is_busy_are_detected_together() -> None:
    released = threading.Event()
    detector = _RecordingDetector()

    class _SlowDetector(_RecordingDetector):
        def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[Detections]:
            result = detector.detect(images)
            released.wait(timeout=10)  # busy until the whole clip has arrived
            return result

    def camera() -> Iterator[Frame]:
        yield Frame(_picture(1), 0.33)
        detector.called.wait(timeout=10)
        for value in range(2, 6):
            yield Frame(_picture(value), 0.33 * value)
        released.set()

    clip, detections = watch_clip(camera(), _SlowDetector())

    assert len(clip) == len(detections) == 5
    assert detector.batches[0] == [1]
    assert detector.batches[1:] == [[2, 3, 4, 5]]


def test_a_clip_that_fails_midway_raises_its_error() -> None:
    def camera() -> Iterator[Frame]:
        yield Frame(_picture(1), 0.33)
        raise StreamTimeout("rtsp://127.0.0.1:8554/gate: a 10 s clip did not arrive within the timeout")

    with pytest.raises(StreamTimeout, match="did not arrive"):
        watch_clip(camera(), _RecordingDetector())


def test_a_detector_failure_stops_reading_the_clip() -> None:
    read: list[int] = []

    class _BrokenDetector(_RecordingDetector):
        def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[Detections]:
            raise RuntimeError("out of memory")

    def camera() -> Iterator[Frame]:
        for value in range(1, 1000):
            read.append(value)
            yield Frame(_picture(value % 256), 0.33 * value)
            threading.Event().wait(0.01)

    with pytest.raises(RuntimeError, match="out of memory"):
        watch_clip(camera(), _BrokenDetector())
    assert len(read) < 999
