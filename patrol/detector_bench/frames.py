"""Frames the project already has, for benchmarks and INT8 calibration: never fetched.

The simulator's scenes under day, dusk and night light, and the shared real footage
(``../shared/media``) when it is here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from streams.simulator.camera import Lighting
from streams.simulator.people import MissingMedia, footage_paths, missing_footage_reason
from streams.simulator.scenarios import SCENARIOS, render


@dataclass(frozen=True)
class BenchFrames:
    images: list[NDArray[np.uint8]]
    scene_frames: int
    footage_frames: int
    footage_missing: str | None  # why there is no footage, when there is none


def bench_frames(count: int) -> BenchFrames:
    """`count` frames: half from the footage when it is here, the rest from simulated scenes."""
    footage_missing = missing_footage_reason()
    footage = [] if footage_missing else footage_frames(count // 2)
    scenes = scene_frames(count - len(footage))
    # Interleaved, so any prefix holds both kinds.
    mixed = [f for pair in itertools.zip_longest(scenes, footage) for f in pair if f is not None]
    return BenchFrames(mixed, len(scenes), len(footage), footage_missing)


def scene_frames(count: int) -> list[NDArray[np.uint8]]:
    """Frames spread over each built-in scenario's timeline, in turn under each light."""
    variants = [
        replace(scenario, lighting=lighting) for lighting in Lighting for scenario in SCENARIOS.values()
    ]
    frames = []
    for index in range(count):
        scenario = variants[index % len(variants)]
        round_ = index // len(variants)
        # A golden-ratio walk over the loop: distinct times, spread evenly for any count.
        t = (round_ * 0.6180339887 % 1.0) * scenario.loop_s
        frames.append(render(scenario, t))
    return frames


def footage_frames(count: int) -> list[NDArray[np.uint8]]:
    """`count` frames evenly spaced through the shared footage, skipping its empty first frame."""
    if count <= 0:
        return []
    reason = missing_footage_reason()
    if reason is not None:
        raise MissingMedia(reason)
    import av

    video, _ = footage_paths()
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        total = stream.frames or 1394
        wanted = {1 + round(i * (total - 2) / max(count - 1, 1)) for i in range(count)}
        picked = [
            np.asarray(frame.to_ndarray(format="bgr24"), np.uint8)
            for index, frame in enumerate(container.decode(stream))
            if index in wanted
        ]
    return picked[:count]
