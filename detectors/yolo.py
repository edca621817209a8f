"""The ultralytics YOLO person detector: the only module that imports ultralytics."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from detectors.manifest import verified_weights
from detectors.types import Detections


class YoloPersonDetector:
    """Finds persons in BGR frames; classes not listed as persons in the manifest are dropped."""

    def __init__(self, models_dir: Path, name: str, *, confidence: float = 0.35, device: str = "cpu") -> None:
        # Heavy, so paid only by processes that detect. On import ultralytics announces a new
        # settings file and sets its log handler on stdout; stdout belongs to the commands
        # (`patrol eval --json`), so both go to stderr.
        with contextlib.redirect_stdout(sys.stderr):
            from ultralytics import YOLO

        entry, path = verified_weights(models_dir, name)
        self.name = name
        self.sha256 = entry.sha256
        self._model = YOLO(str(path), task="detect")
        self._person_classes = np.asarray(entry.person_classes, np.int32)
        self._input_size = entry.input_size
        self._confidence = confidence
        self._device = device
        # An ultralytics model keeps per-call state: one call at a time.
        self._lock = threading.Lock()

    def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[Detections]:
        if not images:
            return []
        with self._lock:
            results = self._model.predict(
                list(images),
                imgsz=self._input_size,
                conf=self._confidence,
                device=self._device,
                verbose=False,
            )
        return [self._persons(result) for result in results]

    def _persons(self, result: object) -> Detections:
        boxes = result.boxes  # type: ignore[attr-defined]
        if boxes is None or len(boxes) == 0:
            return Detections.empty()
        normalized = boxes.xyxyn.cpu().numpy().astype(np.float32)
        scores = boxes.conf.cpu().numpy().astype(np.float32)
        classes = boxes.cls.cpu().numpy().astype(np.int32)
        keep = np.isin(classes, self._person_classes)
        return Detections(normalized[keep], scores[keep], classes[keep])
