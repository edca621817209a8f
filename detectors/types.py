"""The one value every detector returns: persons found in one frame."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from detectors.appearance import Appearance


@dataclass(frozen=True)
class Detections:
    """Boxes in normalized image coordinates (x1, y1, x2, y2 in 0..1).

    Normalized so that zones drawn by administrators apply to any stream resolution.
    `track_ids` is -1 for a detection that no tracker has claimed. `appearances` describe
    each person when the look had the pictures to describe them (empty otherwise).
    """

    boxes: NDArray[np.float32]
    scores: NDArray[np.float32]
    class_ids: NDArray[np.int32]
    track_ids: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    appearances: tuple[Appearance, ...] = ()

    def __post_init__(self) -> None:
        count = len(self.boxes)
        if self.boxes.shape != (count, 4):
            raise ValueError(f"boxes must have shape (N, 4), got {self.boxes.shape}")
        for name in ("scores", "class_ids"):
            got = len(getattr(self, name))
            if got != count:
                raise ValueError(f"{name} must have {count} entries like boxes, got {got}")
        if len(self.track_ids) == 0 and count:
            object.__setattr__(self, "track_ids", np.full(count, -1, np.int32))
        elif len(self.track_ids) != count:
            raise ValueError(f"track_ids must have {count} entries like boxes, got {len(self.track_ids)}")
        if self.appearances and len(self.appearances) != count:
            raise ValueError(f"appearances must have {count} entries like boxes, got {len(self.appearances)}")

    @classmethod
    def empty(cls) -> Detections:
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int32))

    def __len__(self) -> int:
        return len(self.boxes)

    @property
    def foot_points(self) -> NDArray[np.float32]:
        """Bottom-centre of each box: where a standing person touches the ground."""
        return np.stack([(self.boxes[:, 0] + self.boxes[:, 2]) / 2, self.boxes[:, 3]], axis=1).astype(
            np.float32
        )

    def with_track_ids(self, track_ids: NDArray[np.int32]) -> Detections:
        return Detections(
            self.boxes, self.scores, self.class_ids, track_ids.astype(np.int32), self.appearances
        )

    def with_appearances(self, appearances: Sequence[Appearance]) -> Detections:
        return Detections(self.boxes, self.scores, self.class_ids, self.track_ids, tuple(appearances))

    def with_min_score(self, min_score: float) -> Detections:
        """Only the detections scoring at least `min_score`, track ids kept."""
        keep = self.scores >= min_score
        kept = tuple(a for a, k in zip(self.appearances, keep.tolist(), strict=False) if k)
        return Detections(
            self.boxes[keep], self.scores[keep], self.class_ids[keep], self.track_ids[keep], kept
        )


class PersonDetector(Protocol):
    """Anything that finds persons in BGR frames and can name the exact model it ran."""

    name: str
    sha256: str

    def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[Detections]: ...
