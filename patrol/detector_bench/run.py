"""Frames per second and agreement of every backend and precision available here."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TextIO

import numpy as np
from numpy.typing import NDArray

from detectors.backends import DetectorSpec, registered_backends
from detectors.backends.base import device_kind
from detectors.exports import Precision, record_path
from detectors.manifest import ModelError
from detectors.select import open_detector
from detectors.types import Detections, PersonDetector
from patrol.detector_bench.agreement import agreement

REFERENCE = "pytorch"


@dataclass(frozen=True)
class BenchResult:
    backend: str
    precision: str
    batch: int
    fps: float
    ms_per_frame: float
    agreement: float
    extra_share: float


def candidates(spec: DetectorSpec, wanted: Sequence[str] | None) -> list[tuple[str, Precision]]:
    """(backend, precision) pairs that can run here; what cannot is said on stderr."""
    kind = device_kind(spec.device)
    pairs = []
    for name, backend in sorted(registered_backends().items(), key=lambda item: item[0] != REFERENCE):
        if wanted and name not in wanted and name != REFERENCE:
            continue
        for precision in backend.precisions:
            if backend.exported and not record_path(spec.models_dir, spec.model, name, precision).is_file():
                continue
            if not backend.exported and precision is Precision.FP16 and kind == "cpu":
                continue  # torch has no fast half precision on CPUs
            try:
                backend.check_usable(spec.device, precision)
            except ModelError as exc:
                print(f"bench: skipping {name} {precision}: {exc}", file=sys.stderr)
                continue
            pairs.append((name, precision))
    return pairs


def bench(
    spec: DetectorSpec,
    frames: Sequence[NDArray[np.uint8]],
    *,
    backends: Sequence[str] | None = None,
    batches: Sequence[int] = (1, 8),
    log: TextIO = sys.stderr,
) -> list[BenchResult]:
    """Every candidate on every batch of frames in turn, so load from other work falls on all alike."""
    # Grouped by shape, as the batching front feeds a backend: a batch of mixed shapes is
    # letterboxed to a square, which is not what the patrol runs.
    frames = sorted(frames, key=lambda frame: frame.shape)
    detectors: list[tuple[str, Precision, PersonDetector]] = []
    for name, precision in candidates(spec, backends):
        try:
            opened = open_detector(DetectorSpec(**{**asdict(spec), "precision": precision}), name)
        except ModelError as exc:
            print(f"bench: skipping {name} {precision}: {exc}", file=log)
            continue
        detectors.append((name, precision, opened.detector))
    results: list[BenchResult] = []
    reference: list[Detections] | None = None
    for batch in batches:
        chunks = [list(frames[start : start + batch]) for start in range(0, len(frames), batch)]
        seconds = [0.0] * len(detectors)
        found: list[list[Detections]] = [[] for _ in detectors]
        for _, _, detector in detectors:
            detector.detect(chunks[0])  # warm-up: first-call allocation and compilation are not throughput
        for chunk in chunks:
            for index, (_, _, detector) in enumerate(detectors):
                started = time.perf_counter()
                found[index] += detector.detect(chunk)
                seconds[index] += time.perf_counter() - started
        for index, (name, precision, _) in enumerate(detectors):
            if reference is None:  # PyTorch, listed first, at the first batch size
                reference = found[index]
            agreed = agreement(reference, found[index])
            result = BenchResult(
                name,
                precision.value,
                batch,
                round(len(frames) / seconds[index], 2),
                round(seconds[index] / len(frames) * 1000, 1),
                round(agreed.share, 4),
                round(agreed.extra_share, 4),
            )
            print(f"bench: {result} ({agreed.reference_boxes} reference boxes)", file=log, flush=True)
            results.append(result)
    return results
