"""Frames as streams deliver them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Frame:
    """One decoded picture (BGR, as OpenCV draws) and its offset from the start of the look."""

    image: NDArray[np.uint8]
    offset_s: float

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])
