"""What a person looks like, compactly enough to keep between two looks minutes apart.

Colour histograms (CIE Lab, 6 x 3 x 3 bins) of four horizontal bands of the person's box:
head, torso, hips and legs. Bands are left-right symmetric, so a person turned the other
way keeps their description; the outer tenth of the box on each side is left out, as it is
mostly background. Two descriptions are as similar as their least similar band (the
Bhattacharyya coefficient per band), so a matching coat over different trousers is no match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

# Bands as shares of the box height, top to bottom; the last 5% is mostly ground and shadow.
BANDS = ((0.0, 0.18), (0.18, 0.5), (0.5, 0.7), (0.7, 0.95))
_SIDE_MARGIN = 0.1
_LAB_BINS = (6, 3, 3)
_BAND_SIZE = (24, 32)  # each band is resampled to this (w, h) so near and far people weigh alike
CROP_SIZE = (64, 128)  # (w, h) of the thumbnail kept for the evidence


@dataclass(frozen=True)
class Appearance:
    histograms: NDArray[np.float32]  # (bands, bins); each row sums to 1
    crop: NDArray[np.uint8]  # BGR thumbnail of the whole box, CROP_SIZE


def describe(image: NDArray[np.uint8], boxes: NDArray[np.float32]) -> tuple[Appearance, ...]:
    """One description per box (normalized x1, y1, x2, y2) of a BGR picture."""
    height, width = image.shape[:2]
    found = []
    for box in boxes:
        x1, y1, x2, y2 = (box * np.asarray([width, height, width, height], np.float32)).tolist()
        x1, x2 = max(int(x1), 0), min(round(x2), width)
        y1, y2 = max(int(y1), 0), min(round(y2), height)
        if x2 - x1 < 2 or y2 - y1 < 4:
            found.append(Appearance(np.full((len(BANDS), _bins()), 1 / _bins(), np.float32), _blank()))
            continue
        person = image[y1:y2, x1:x2]
        crop = np.asarray(cv2.resize(person, CROP_SIZE, interpolation=cv2.INTER_AREA), np.uint8)
        found.append(Appearance(_band_histograms(person), crop))
    return tuple(found)


def similarity(a: NDArray[np.float32], b: NDArray[np.float32]) -> float:
    """1 for identical descriptions, 0 for ones sharing no colour; the least similar band counts."""
    return float(np.min(np.sum(np.sqrt(a * b), axis=1)))


def mean_histograms(appearances: Sequence[Appearance]) -> NDArray[np.float32]:
    """The description of one person seen in several pictures: steadier than any one of them."""
    return np.mean([a.histograms for a in appearances], axis=0).astype(np.float32)


def _band_histograms(person: NDArray[np.uint8]) -> NDArray[np.float32]:
    height, width = person.shape[:2]
    left, right = (
        int(width * _SIDE_MARGIN),
        max(int(width * (1 - _SIDE_MARGIN)), int(width * _SIDE_MARGIN) + 1),
    )
    rows = []
    for top, bottom in BANDS:
        y1 = int(height * top)
        y2 = max(int(height * bottom), y1 + 1)
        band = cv2.resize(person[y1:y2, left:right], _BAND_SIZE, interpolation=cv2.INTER_AREA)
        lab = cv2.cvtColor(band, cv2.COLOR_BGR2Lab)
        hist = cv2.calcHist([lab], [0, 1, 2], None, list(_LAB_BINS), [0, 256, 0, 256, 0, 256]).ravel()
        rows.append(hist / max(float(hist.sum()), 1.0))
    return np.asarray(rows, np.float32)


def _bins() -> int:
    return int(np.prod(_LAB_BINS))


def _blank() -> NDArray[np.uint8]:
    return np.zeros((CROP_SIZE[1], CROP_SIZE[0], 3), np.uint8)
