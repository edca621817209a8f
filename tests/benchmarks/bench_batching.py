"""Eight concurrent looks in one process: the batching detector against looks queuing on one lock.

Run: .venv/bin/python -m tests.benchmarks.bench_batching [--backend openvino] [--precision int8] [--looks 8] [--frames 12]
Each look is a thread asking for its clip's frames as they come, one call per frame, as
patrol.clip_watch does when detection keeps up. Both runs use the same backend and frames.
Prints figures; asserts nothing (speed is reported, not tested).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from detectors.backends import DetectorSpec
from detectors.batching import BatchingDetector
from detectors.exports import Precision
from detectors.select import open_detector
from detectors.types import Detections, PersonDetector
from patrol.detector_bench.frames import bench_frames
from tests.conftest import MODEL_NAME, MODELS_DIR


class LockedDetector:
    """How the patrol detected before: every look's call waits for the one before it."""

    def __init__(self, inner: PersonDetector) -> None:
        self.name, self.sha256 = inner.name, inner.sha256
        self._inner = inner
        self._lock = threading.Lock()

    def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[Detections]:
        with self._lock:
            return self._inner.detect(images)


def _throughput(detector: PersonDetector, clips: list[list[NDArray[np.uint8]]]) -> float:
    start = threading.Barrier(len(clips) + 1)

    def look(clip: list[NDArray[np.uint8]]) -> None:
        start.wait()
        for frame in clip:
            detector.detect([frame])

    threads = [threading.Thread(target=look, args=(clip,)) for clip in clips]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return sum(len(clip) for clip in clips) / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--precision", default="fp32", choices=[p.value for p in Precision])
    parser.add_argument("--looks", type=int, default=8)
    parser.add_argument("--frames", type=int, default=12, help="frames per look")
    parser.add_argument("--max-wait-ms", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each, taking turns")
    args = parser.parse_args()

    opened = open_detector(
        DetectorSpec(MODELS_DIR, MODEL_NAME, precision=Precision(args.precision), max_batch=args.looks),
        args.backend,
    )
    frames = bench_frames(args.looks * args.frames).images
    clips = [frames[look :: args.looks] for look in range(args.looks)]
    opened.detector.detect(frames[: args.looks])  # warm-up at both batch sizes
    opened.detector.detect(frames[:1])
    # The two take turns, so load from other work on the machine falls on both alike.
    locked_runs, batched_runs = [], []
    wait_s = args.max_wait_ms / 1000
    with BatchingDetector(opened.detector, max_batch=args.looks, max_wait_s=wait_s) as batching:
        for _ in range(args.rounds):
            locked_runs.append(_throughput(LockedDetector(opened.detector), clips))
            batched_runs.append(_throughput(batching, clips))
        passes, run = batching.batches_run, batching.frames_run
    locked, batched = statistics.mean(locked_runs), statistics.mean(batched_runs)
    print(
        f"backend {opened.backend} {args.precision}, {args.looks} concurrent looks, "
        f"{args.frames} frames each, mean of {args.rounds} turns each"
    )
    print("| detector | frames/s |")
    print("|---|---|")
    print(f"| one lock | {locked:.1f} |")
    print(f"| batching (up to {args.looks}, {args.max_wait_ms:g} ms) | {batched:.1f} |")
    print(f"batching / lock: {batched / locked:.2f}x; {run} frames in {passes} forward passes")


if __name__ == "__main__":
    main()
