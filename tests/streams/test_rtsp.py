"""The PyAV RTSP source against the real simulator: snapshot, clip, and refused credentials."""

from __future__ import annotations

import numpy as np
import pytest

from streams.errors import StreamAuthRefused
from streams.rtsp import RtspSource
from streams.types import FramePacer

PASSWORD = "Planted-Rtsp-Secret-5d2"


def test_snapshot_then_clip_at_the_asked_rate(simulator_server) -> None:  # type: ignore[no-untyped-def]
    port = simulator_server({"/gate": "gate_walk_in"}, PASSWORD)
    source = RtspSource(f"rtsp://patrol:{PASSWORD}@127.0.0.1:{port}/gate")
    with source.open() as stream:
        snapshot = stream.keyframe()
        clip = list(stream.clip(4.0, 2.0))
    assert (snapshot.width, snapshot.height) == (640, 360)
    offsets = np.asarray([frame.offset_s for frame in clip])
    assert len(clip) in (7, 8)
    assert np.all(np.diff(offsets) > 0.4) and np.all(np.diff(offsets) < 0.6)
    assert 0 < offsets[0] <= 0.6 and offsets[-1] < 4.0
    # People walk through this scene: the pictures change.
    assert np.abs(clip[-1].image.astype(int) - snapshot.image.astype(int)).mean() > 1.0


def test_wrong_password_is_refused_without_naming_it(simulator_server) -> None:  # type: ignore[no-untyped-def]
    port = simulator_server({"/gate": "gate_walk_in"}, PASSWORD)
    wrong = "Wrong-Pass-a81"
    source = RtspSource(f"rtsp://patrol:{wrong}@127.0.0.1:{port}/gate", open_timeout_s=5)
    with pytest.raises(StreamAuthRefused) as caught, source.open() as stream:
        stream.keyframe()
    assert wrong not in str(caught.value) and PASSWORD not in str(caught.value)
    assert "patrol:***@127.0.0.1" in str(caught.value)


def test_frame_pacer_keeps_one_frame_per_step_despite_jitter() -> None:
    pacer = FramePacer(2.0)
    offsets = [0.1 * i + (0.0004 if i % 3 else -0.0004) for i in range(1, 41)]
    taken = [round(o, 1) for o in offsets if pacer.take(o)]
    assert taken == [0.5 * k for k in range(1, 9)]
