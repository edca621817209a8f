"""How far a backend's persons agree with the reference's, box by box."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from detectors.types import Detections

MATCH_IOU = 0.5


@dataclass(frozen=True)
class Agreement:
    reference_boxes: int
    matched: int  # reference boxes the candidate also found
    extra: int  # candidate boxes that match no reference box

    @property
    def share(self) -> float:
        """Share of the reference's boxes the candidate found; 1.0 when the reference found none."""
        return self.matched / self.reference_boxes if self.reference_boxes else 1.0

    @property
    def extra_share(self) -> float:
        """Extra boxes, as a share of the reference's boxes."""
        return self.extra / max(self.reference_boxes, 1)


def agreement(reference: Sequence[Detections], candidate: Sequence[Detections]) -> Agreement:
    total = matched = extra = 0
    for ref, cand in zip(reference, candidate, strict=True):
        pairs = _matches(ref.boxes, cand.boxes)
        total += len(ref)
        matched += pairs
        extra += len(cand) - pairs
    return Agreement(total, matched, extra)


def _matches(reference: NDArray[np.float32], candidate: NDArray[np.float32]) -> int:
    """Greedy one-to-one matching, best overlaps first."""
    if not len(reference) or not len(candidate):
        return 0
    ious = iou_matrix(reference, candidate)
    used_ref: set[int] = set()
    used_cand: set[int] = set()
    for flat in np.argsort(-ious, axis=None):
        r, c = divmod(int(flat), ious.shape[1])
        if ious[r, c] < MATCH_IOU:
            break
        if r not in used_ref and c not in used_cand:
            used_ref.add(r)
            used_cand.add(c)
    return len(used_ref)


def iou_matrix(a: NDArray[np.float32], b: NDArray[np.float32]) -> NDArray[np.float64]:
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    overlap = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return np.asarray(overlap / (area_a[:, None] + area_b[None, :] - overlap + 1e-12), np.float64)
