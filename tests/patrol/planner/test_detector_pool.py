"""The simulated worker machines' detectors: looks share a machine's frames per second."""

from __future__ import annotations

import pytest

from patrol.planner.detector_pool import DetectorPool


def _run_all(pool: DetectorPool) -> list[tuple[int, float, float]]:
    return pool.finished_by(1e9)


@pytest.mark.parametrize(
    ("fps", "stream_s", "frames", "ends_at"),
    [
        (10.0, 10.0, 31, 10.0),  # the detector keeps up: the look lasts its stream
        (1.0, 10.0, 31, 31.0),  # 10 frames detected while streaming, the other 21 after it
        (5.0, 2.0, 1, 2.0),  # a snapshot: its keyframe is detected by the time its stream ends
        (0.5, 1.0, 1, 2.0),  # one frame at half a frame a second
    ],
)
def test_a_look_alone_lasts_its_stream_or_its_detection(
    fps: float, stream_s: float, frames: int, ends_at: float
) -> None:
    pool = DetectorPool(1, fps)
    key = pool.start(0.0, stream_s=stream_s, frames=frames)
    [(ended, finished_at, took)] = _run_all(pool)
    assert ended == key
    assert finished_at == pytest.approx(ends_at)
    assert took == pytest.approx(ends_at)


def test_looks_on_one_machine_share_its_rate_and_a_slow_look_leaves_the_rest_to_others() -> None:
    pool = DetectorPool(1, 4.0)
    clip = pool.start(0.0, stream_s=10.0, frames=30)  # needs 3 frames a second while streaming
    snapshot = pool.start(0.0, stream_s=1.0, frames=1)  # needs 1 frame a second
    ended = {key: finished_at for key, finished_at, _ in _run_all(pool)}
    assert ended[snapshot] == pytest.approx(1.0)
    assert ended[clip] == pytest.approx(10.0)


def test_an_overloaded_machine_stretches_every_look_on_it() -> None:
    pool = DetectorPool(1, 3.0)
    first = pool.start(0.0, stream_s=10.0, frames=30)
    second = pool.start(0.0, stream_s=10.0, frames=30)
    ended = {key: finished_at for key, finished_at, _ in _run_all(pool)}
    # 60 frames at 3 a second: both finish together, 20 s after they began.
    assert ended[first] == pytest.approx(20.0)
    assert ended[second] == pytest.approx(20.0)
    assert pool.frames_detected == pytest.approx(60.0)


def test_looks_go_to_the_machine_running_the_fewest() -> None:
    pool = DetectorPool(2, 3.0)
    keys = [pool.start(0.0, stream_s=10.0, frames=30) for _ in range(2)]
    # One look per machine: each keeps up with its stream.
    assert {key: at for key, at, _ in _run_all(pool)} == {
        keys[0]: pytest.approx(10.0),
        keys[1]: pytest.approx(10.0),
    }


def test_nothing_ends_before_its_time() -> None:
    pool = DetectorPool(1, 1.0)
    pool.start(0.0, stream_s=10.0, frames=31)
    assert pool.finished_by(30.9) == []
    assert pool.next_event() <= 31.0 + 1e-9
    assert len(pool.finished_by(31.0 + 1e-9)) == 1


def test_a_pool_needs_machines_and_a_rate() -> None:
    with pytest.raises(ValueError, match="at least one machine"):
        DetectorPool(0, 5.0)
    with pytest.raises(ValueError, match="positive frame rate"):
        DetectorPool(1, 0.0)
