"""Camera faults the simulator can put on a path, as a real broken camera would show them."""

from __future__ import annotations

from enum import StrEnum

import cv2
import numpy as np
from numpy.typing import NDArray

Image = NDArray[np.uint8]


class Fault(StrEnum):
    BLACK = "black"  # video loss: a black picture
    FROZEN = "frozen"  # a stuck encoder repeating one picture
    COVERED = "covered"  # a hand or tape over the lens
    DEFOCUSED = "defocused"  # focus ring knocked, lens fogged
    MOVED = "moved"  # the camera knocked to point elsewhere


def apply_fault(image: Image, fault: Fault | None) -> Image:
    """The picture the faulty camera sends instead of `image` (a frozen one repeats an earlier one)."""
    if fault is None or fault is Fault.FROZEN:
        return image
    if fault is Fault.BLACK:
        return np.zeros_like(image)
    if fault is Fault.COVERED:
        # Mostly dark with a little light leaking around the edge of the hand.
        blurred = cv2.GaussianBlur(image, (0, 0), 25)
        height, width = image.shape[:2]
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        leak = np.clip(((xx / width - 0.5) ** 2 + (yy / height - 0.5) ** 2) * 2.2 - 0.25, 0, 1) * 0.5
        return np.asarray(blurred.astype(np.float32) * (0.08 + leak[..., None]), np.uint8)
    if fault is Fault.DEFOCUSED:
        return np.asarray(cv2.GaussianBlur(image, (0, 0), 9), np.uint8)
    # MOVED: turned and tilted away from where it was set up.
    height, width = image.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), 7.0, 1.15)
    turn[0, 2] += 0.18 * width
    turn[1, 2] -= 0.08 * height
    return np.asarray(cv2.warpAffine(image, turn, (width, height), borderMode=cv2.BORDER_REFLECT), np.uint8)
