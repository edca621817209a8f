"""One detector for every look in a process: concurrent callers' frames share forward passes.

Looks run in threads and each asks for a few frames at a time. Behind a lock they queue and
the model sees batches of one; here a single worker gathers what the callers have queued,
up to `max_batch` frames or until `max_wait_s` has passed since the first, runs it as one
batch, and hands every caller its own results in the order it gave its frames.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from detectors.types import Detections, PersonDetector


@dataclass
class _Request:
    images: Sequence[NDArray[np.uint8]]
    done: threading.Event = field(default_factory=threading.Event)
    results: list[Detections | None] = field(default_factory=list)
    error: BaseException | None = None


class BatchingDetector:
    """A PersonDetector in front of another, which only ever sees one batch at a time."""

    def __init__(self, inner: PersonDetector, *, max_batch: int = 8, max_wait_s: float = 0.005) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        self.name = inner.name
        self.sha256 = inner.sha256
        self.inner = inner
        self._max_batch = max_batch
        self._max_wait_s = max_wait_s
        self._requests: queue.Queue[_Request] = queue.Queue()
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._serve, name="detector-batcher", daemon=True)
        self._worker.start()
        self.batches_run = 0  # forward passes, for benchmarks and tests
        self.frames_run = 0

    def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[Detections]:
        if not images:
            return []
        if self._stop.is_set():
            raise RuntimeError("the batching detector is closed")
        request = _Request(images, results=[None] * len(images))
        self._requests.put(request)
        request.done.wait()
        if request.error is not None:
            raise request.error
        return [result for result in request.results if result is not None]

    def close(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._worker.join(timeout_s)

    def __enter__(self) -> BatchingDetector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                first = self._requests.get(timeout=0.1)
            except queue.Empty:
                continue
            gathered = [first]
            frames = len(first.images)
            deadline = time.monotonic() + self._max_wait_s
            while frames < self._max_batch:
                try:
                    request = self._requests.get(timeout=max(deadline - time.monotonic(), 0))
                except queue.Empty:
                    break
                gathered.append(request)
                frames += len(request.images)
            self._run(gathered)
        self._fail_pending(RuntimeError("the batching detector was closed"))

    def _run(self, gathered: list[_Request]) -> None:
        # Frames of one shape go together: a batch of mixed shapes is letterboxed to a square,
        # and a frame's result must not depend on which other cameras shared its batch.
        by_shape: dict[tuple[int, ...], list[tuple[_Request, int]]] = defaultdict(list)
        for request in gathered:
            for index, image in enumerate(request.images):
                by_shape[image.shape].append((request, index))
        try:
            for slots in by_shape.values():
                for start in range(0, len(slots), self._max_batch):
                    chunk = slots[start : start + self._max_batch]
                    found = self.inner.detect([request.images[index] for request, index in chunk])
                    self.batches_run += 1
                    self.frames_run += len(chunk)
                    for (request, index), detections in zip(chunk, found, strict=True):
                        request.results[index] = detections
        except BaseException as exc:  # every caller in this batch gets the error, the worker goes on
            for request in gathered:
                request.error = exc
        for request in gathered:
            request.done.set()

    def _fail_pending(self, error: BaseException) -> None:
        while True:
            try:
                request = self._requests.get_nowait()
            except queue.Empty:
                return
            request.error = error
            request.done.set()
