"""Evidence pictures: the frame with zones, lines, person boxes and track paths drawn on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from patrol.geometry import DirectedLine, Polygon
from patrol.rules.base import Comparison, Look, Verdict
from patrol.rules.paths import foot_paths

_ZONE = (0, 200, 255)
_LINE = (255, 128, 0)
_PERSON = (0, 220, 0)
_FLAGGED = (0, 0, 255)
JPEG_QUALITY = 85


@dataclass(frozen=True)
class CameraDrawing:
    zones: Sequence[Polygon]
    lines: Sequence[DirectedLine]


def evidence_jpeg(
    image: NDArray[np.uint8], look: Look, verdict: Verdict, drawing: CameraDrawing, caption: str
) -> bytes:
    canvas = image.copy()
    height, width = canvas.shape[:2]
    scale = np.asarray([width, height], np.float32)

    def pixel(points: NDArray[np.float32]) -> NDArray[np.int32]:
        return np.round(points.reshape(-1, 2) * scale).astype(np.int32)

    for zone in drawing.zones:
        cv2.polylines(canvas, [pixel(zone.vertices)], True, _ZONE, 2)
        _label(canvas, zone.name, tuple(pixel(zone.vertices)[0]), _ZONE)
    for line in drawing.lines:
        start, end = pixel(line.start)[0], pixel(line.end)[0]
        cv2.line(canvas, tuple(start), tuple(end), _LINE, 2)
        _label(canvas, line.name, tuple(start), _LINE)
    for path in foot_paths(look):
        shown = path.frame_indices <= verdict.evidence_frame
        if shown.sum() >= 2:
            color = _FLAGGED if path.track_id in verdict.tracks else _PERSON
            cv2.polylines(canvas, [pixel(path.points[shown])], False, color, 2)
    detections = look.frames[verdict.evidence_frame].detections
    for box, track_id in zip(detections.boxes, detections.track_ids.tolist(), strict=True):
        x1, y1, x2, y2 = (box * np.tile(scale, 2)).astype(int).tolist()
        color = _FLAGGED if track_id in verdict.tracks else _PERSON
        cv2.rectangle(canvas, (x1, y1), (x2, y2), color, 2)
        if track_id >= 0:
            _label(canvas, f"#{track_id}", (x1, y1), color)
    if verdict.comparison is not None:
        canvas = np.hstack([canvas, _comparison_panel(verdict.comparison, height)])
    return captioned_jpeg(canvas, caption)


def _comparison_panel(comparison: Comparison, height: int) -> NDArray[np.uint8]:
    """The two crops side by side at a common height, labelled with the looks' times and the score."""
    crop_h = max(height - 60, 32)
    crops = []
    for crop in (comparison.before, comparison.after):
        width = max(round(crop.shape[1] * crop_h / crop.shape[0]), 1)
        crops.append(cv2.resize(crop, (width, crop_h), interpolation=cv2.INTER_LINEAR))
    gap = np.zeros((crop_h, 6, 3), np.uint8)
    pair = np.hstack([crops[0], gap, crops[1]])
    panel = np.zeros((height, pair.shape[1] + 12, 3), np.uint8)
    panel[24 : 24 + crop_h, 6 : 6 + pair.shape[1]] = pair
    _label(panel, comparison.when, (6, 18), (255, 255, 255))
    _label(panel, comparison.score, (6, min(24 + crop_h + 16, height - 28)), (255, 255, 255))
    return panel


def captioned_jpeg(image: NDArray[np.uint8], caption: str) -> bytes:
    """The picture with a caption bar (camera, finding, time), as JPEG."""
    canvas = image.copy()
    height, width = canvas.shape[:2]
    cv2.rectangle(canvas, (0, height - 24), (width, height), (0, 0, 0), -1)
    cv2.putText(
        canvas, caption, (6, height - 7), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA
    )
    ok, encoded = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RuntimeError("OpenCV could not encode the evidence picture")
    return encoded.tobytes()


def _label(
    canvas: NDArray[np.uint8], text: str, origin: tuple[int, ...], color: tuple[int, int, int]
) -> None:
    x, y = int(origin[0]), max(int(origin[1]) - 4, 12)
    cv2.putText(canvas, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.45, color, 1, cv2.LINE_AA)
