"""The ultralytics YOLO person detector: the only module that imports ultralytics."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from detectors.manifest import ModelError, verified_weights
from detectors.types import Detections


def _yolo_class() -> Any:
    # Heavy, so paid only by processes that detect. On import ultralytics announces a new
    # settings file and sets its log handler on stdout; stdout belongs to the commands
    # (`patrol eval --json`), so both go to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        from ultralytics import YOLO
    return YOLO


def export_graph(
    weights: Path, *, format: str, input_size: int, half: bool, dynamic: bool, batch: int, device: str
) -> Path:
    """The network alone in another runtime's format (`onnx`, `openvino`, `engine`), made beside `weights`.

    ultralytics writes its output next to the weight file; callers hand it a copy in a scratch folder.
    """
    with contextlib.redirect_stdout(sys.stderr):
        try:
            exported = _yolo_class()(str(weights), task="detect").export(
                format=format,
                imgsz=input_size,
                quantize=16 if half else None,
                dynamic=dynamic,
                batch=batch,
                device=device,
            )
        except Exception as exc:  # ultralytics raises many kinds; the message is what matters
            raise ModelError(f"exporting {weights.name} to {format} failed: {exc}") from exc
    return Path(str(exported))


def sample_picture() -> NDArray[np.uint8]:
    """ultralytics' bus.jpg (four persons), shipped with the package: a self-check needs no download."""
    import cv2

    _yolo_class()  # imports ultralytics with its notices kept off stdout
    from ultralytics.utils import ASSETS

    picture = cv2.imread(str(Path(ASSETS) / "bus.jpg"))
    if picture is None:
        raise ModelError(f"ultralytics' sample picture {Path(ASSETS) / 'bus.jpg'} is missing")
    return np.asarray(picture, np.uint8)


class YoloPersonDetector:
    """Finds persons in BGR frames; classes not listed as persons in the manifest are dropped."""

    def __init__(
        self,
        models_dir: Path,
        name: str,
        *,
        confidence: float = 0.35,
        device: str = "cpu",
        half: bool = False,
    ) -> None:
        YOLO = _yolo_class()
        entry, path = verified_weights(models_dir, name)
        self.name = name
        self.sha256 = entry.sha256
        self._model = YOLO(str(path), task="detect")
        self._person_classes = np.asarray(entry.person_classes, np.int32)
        self._input_size = entry.input_size
        self._confidence = confidence
        self._device = device
        self._half = half
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
                quantize=16 if self._half else None,
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
