"""Pre- and post-processing for an exported YOLO detection graph, the way ultralytics does it.

An exported model (ONNX, OpenVINO IR, TensorRT engine) is only the network: letterboxing
the pictures in and decoding plus non-maximum suppression out are done here, with
ultralytics' own constants, so its boxes agree with the PyTorch reference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from detectors.exports import ExportRecord
from detectors.manifest import ModelEntry
from detectors.types import Detections

STRIDE = 32
PAD_VALUE = 114
NMS_IOU = 0.7  # ultralytics' default for predict
MAX_DETECTIONS = 300
_CLASS_OFFSET = 7680.0  # boxes of different classes never overlap once shifted this far apart

# (batch, 3, height, width) float in 0..1 -> (batch, 4 + classes, anchors)
GraphRunner = Callable[[NDArray[np.float32]], NDArray[np.float32]]


@dataclass(frozen=True)
class Letterbox:
    """Where a picture went inside the network's input."""

    gain: float
    pad_x: float
    pad_y: float
    width: int
    height: int


def input_shape(images: Sequence[NDArray[np.uint8]], size: int, *, dynamic: bool) -> tuple[int, int]:
    """The (height, width) of the network input for these pictures.

    Like ultralytics: pictures of one shape on a model with free input size get the
    smallest stride-aligned rectangle, which for 16:9 cameras is 40% fewer pixels.
    """
    shapes = {image.shape[:2] for image in images}
    if not dynamic or len(shapes) != 1:
        return size, size
    height, width = shapes.pop()
    gain = min(size / height, size / width)
    new_w, new_h = max(round(width * gain), 1), max(round(height * gain), 1)
    return new_h + (size - new_h) % STRIDE, new_w + (size - new_w) % STRIDE


def letterbox(image: NDArray[np.uint8], shape: tuple[int, int]) -> tuple[NDArray[np.uint8], Letterbox]:
    height, width = image.shape[:2]
    gain = min(shape[0] / height, shape[1] / width)
    new_w, new_h = max(round(width * gain), 1), max(round(height * gain), 1)
    dw, dh = (shape[1] - new_w) / 2, (shape[0] - new_h) / 2
    resized: NDArray[np.uint8] | Any = image
    if (width, height) != (new_w, new_h):
        resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    top, bottom = round(dh - 0.1), round(dh + 0.1)
    left, right = round(dw - 0.1), round(dw + 0.1)
    padded = cv2.copyMakeBorder(
        resized, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(PAD_VALUE,) * 3
    )
    return np.asarray(padded, np.uint8), Letterbox(gain, float(left), float(top), width, height)


def to_tensor(
    images: Sequence[NDArray[np.uint8]], shape: tuple[int, int]
) -> tuple[NDArray[np.float32], list[Letterbox]]:
    """BGR pictures -> one RGB float batch in 0..1, and where each picture went."""
    batch = np.empty((len(images), 3, shape[0], shape[1]), np.float32)
    placements = []
    for index, image in enumerate(images):
        padded, placement = letterbox(image, shape)
        batch[index] = padded[:, :, ::-1].transpose(2, 0, 1)
        placements.append(placement)
    batch *= 1.0 / 255.0
    return batch, placements


def decode(
    output: NDArray[np.float32], placement: Letterbox, *, confidence: float, person_classes: NDArray[np.int32]
) -> Detections:
    """One picture's raw output (4 + classes, anchors) -> persons in normalized coordinates."""
    predictions = output.T  # anchors x (cx, cy, w, h, class scores...)
    class_scores = predictions[:, 4:]
    class_ids = class_scores.argmax(axis=1).astype(np.int32)
    scores = class_scores[np.arange(len(class_ids)), class_ids]
    keep = scores > confidence
    if not keep.any():
        return Detections.empty()
    centres, sizes = predictions[keep, 0:2], predictions[keep, 2:4]
    boxes = np.concatenate([centres - sizes / 2, centres + sizes / 2], axis=1)
    scores, class_ids = scores[keep], class_ids[keep]
    chosen = _nms(boxes + class_ids[:, None] * _CLASS_OFFSET, scores)[:MAX_DETECTIONS]
    boxes, scores, class_ids = boxes[chosen], scores[chosen], class_ids[chosen]
    boxes[:, [0, 2]] = ((boxes[:, [0, 2]] - placement.pad_x) / placement.gain).clip(0, placement.width)
    boxes[:, [1, 3]] = ((boxes[:, [1, 3]] - placement.pad_y) / placement.gain).clip(0, placement.height)
    boxes /= np.array([placement.width, placement.height] * 2, np.float32)
    persons = np.isin(class_ids, person_classes)
    return Detections(
        boxes[persons].astype(np.float32), scores[persons].astype(np.float32), class_ids[persons]
    )


def _nms(boxes: NDArray[np.float32], scores: NDArray[np.float32]) -> list[int]:
    order = list(np.argsort(-scores, kind="stable"))
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    kept: list[int] = []
    while order:
        best, rest = order[0], np.asarray(order[1:], np.int64)
        kept.append(int(best))
        if not len(rest):
            break
        x1 = np.maximum(boxes[best, 0], boxes[rest, 0])
        y1 = np.maximum(boxes[best, 1], boxes[rest, 1])
        x2 = np.minimum(boxes[best, 2], boxes[rest, 2])
        y2 = np.minimum(boxes[best, 3], boxes[rest, 3])
        overlap = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
        iou = overlap / (areas[best] + areas[rest] - overlap + 1e-9)
        order = list(rest[iou <= NMS_IOU])
    return kept


class GraphDetector:
    """A PersonDetector over any runtime that can run the exported graph on a batch."""

    @classmethod
    def of_export(
        cls, runner: GraphRunner, entry: ModelEntry, record: ExportRecord, *, confidence: float
    ) -> GraphDetector:
        return cls(
            runner,
            name=record.model,
            sha256=record.sha256,
            input_size=record.input_size,
            dynamic=record.dynamic,
            person_classes=entry.person_classes,
            confidence=confidence,
        )

    def __init__(
        self,
        runner: GraphRunner,
        *,
        name: str,
        sha256: str,
        input_size: int,
        dynamic: bool,
        person_classes: Sequence[int],
        confidence: float,
    ) -> None:
        self.name = name
        self.sha256 = sha256
        self._runner = runner
        self._input_size = input_size
        self._dynamic = dynamic
        self._person_classes = np.asarray(person_classes, np.int32)
        self._confidence = confidence

    def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[Detections]:
        if not images:
            return []
        batch, placements = to_tensor(images, input_shape(images, self._input_size, dynamic=self._dynamic))
        outputs = self._runner(batch)
        return [
            decode(output, placement, confidence=self._confidence, person_classes=self._person_classes)
            for output, placement in zip(outputs, placements, strict=True)
        ]
