"""Measurements of one picture that tell a working camera from a failing one."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

_ANALYSIS_WIDTH = 320


@dataclass(frozen=True)
class PictureSignals:
    brightness: float  # mean grey level, 0..255
    contrast: float  # standard deviation of grey levels
    sharpness: float  # variance of the Laplacian at 320 px wide: focus and texture
    dark_share: float  # share of pixels darker than 30: a hand or tape over the lens
    # Grey at full resolution, for comparing looks: a live camera's sensor noise changes every
    # pixel a little, a frozen one sends the same picture. Scaling down would average the noise away.
    grey: NDArray[np.uint8]


def measure(image: NDArray[np.uint8]) -> PictureSignals:
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    height = round(grey.shape[0] * _ANALYSIS_WIDTH / grey.shape[1])
    small = cv2.resize(grey, (_ANALYSIS_WIDTH, height), interpolation=cv2.INTER_AREA)
    return PictureSignals(
        brightness=float(grey.mean()),
        contrast=float(grey.std()),
        sharpness=float(cv2.Laplacian(small, cv2.CV_64F).var()),
        dark_share=float(np.count_nonzero(grey < 30) / grey.size),
        grey=np.asarray(grey, np.uint8),
    )


def picture_difference(first: NDArray[np.uint8], second: NDArray[np.uint8]) -> float | None:
    """Mean absolute difference of two grey pictures, in grey levels; None when their sizes differ."""
    if first.shape != second.shape:
        return None
    return float(cv2.absdiff(first, second).mean())


@dataclass(frozen=True)
class ViewShift:
    matched: int  # features of the reference found again in the current picture
    in_place: int  # of those, how many stayed within `tolerance` of where they were
    shift: float  # the dominant motion of the matched features, as a share of the width
    rotation_deg: float


def view_shift(reference: NDArray[np.uint8], current: NDArray[np.uint8], tolerance: float) -> ViewShift:
    """How much of the reference view is still where it was.

    Counting features that stayed in place, rather than fitting one motion to all of them,
    keeps a person walking through a textured scene from reading as a moved camera.
    """
    orb = cv2.ORB.create(nfeatures=1500)
    ref_grey, cur_grey = (cv2.cvtColor(i, cv2.COLOR_BGR2GRAY) for i in (reference, current))
    if ref_grey.shape != cur_grey.shape:
        cur_grey = cv2.resize(cur_grey, (ref_grey.shape[1], ref_grey.shape[0]))
    ref_points, ref_desc = orb.detectAndCompute(ref_grey, None)
    cur_points, cur_desc = orb.detectAndCompute(cur_grey, None)
    if ref_desc is None or cur_desc is None:
        return ViewShift(0, 0, 1.0, 0.0)
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(ref_desc, cur_desc)
    if not matches:
        return ViewShift(0, 0, 1.0, 0.0)
    source = np.asarray([ref_points[m.queryIdx].pt for m in matches], np.float32)
    target = np.asarray([cur_points[m.trainIdx].pt for m in matches], np.float32)
    width = ref_grey.shape[1]
    in_place = int(np.count_nonzero(np.linalg.norm(target - source, axis=1) <= tolerance * width))
    shift, rotation = 1.0, 0.0
    if len(matches) >= 3:
        transform, _ = cv2.estimateAffinePartial2D(
            source, target, method=cv2.RANSAC, ransacReprojThreshold=3.0
        )
        if transform is not None:
            shift = float(np.hypot(transform[0, 2], transform[1, 2]) / width)
            rotation = float(np.degrees(np.arctan2(transform[1, 0], transform[0, 0])))
    return ViewShift(len(matches), in_place, shift, rotation)
