"""What the simulated camera adds to a scene: its resolution and encoding, the light, and sensor noise.

Sensor noise changes from frame to frame, as on a real camera: an empty scene is a live
picture, never a pixel-identical frozen one, so a frozen-picture check can tell the two apart.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np
from numpy.typing import NDArray

Image = NDArray[np.uint8]

# Noise fields are drawn once and reused at shifted offsets: fresh Gaussian noise for every
# frame costs about 10 ms a picture, a shifted field about 0.3 ms.
_NOISE_FIELDS = 8
_NOISE_MARGIN = 32
_NOISE_SCALE = 16  # int8 levels per standard deviation in the stored fields


class Lighting(StrEnum):
    DAY = "day"
    DUSK = "dusk"  # dim and bluish; the camera raises its gain, so noise grows
    NIGHT = "night"  # infrared: grayscale, lit by the camera's own illuminator, noisier still


# How much the camera's gain raises the sensor noise under each light.
NOISE_GAIN: dict[Lighting, float] = {Lighting.DAY: 1.0, Lighting.DUSK: 1.8, Lighting.NIGHT: 2.5}


@dataclass(frozen=True)
class CameraTraits:
    """The stream a camera sends: resolution, frame rate, keyframe interval, compression, noise."""

    width: int = 640
    height: int = 360
    fps: int = 10
    gop_s: float = 1.0  # seconds between keyframes
    quality: int = 23  # x264 CRF: lower is sharper and larger; 18 to 30 is the useful range
    noise: float = 2.5  # sensor noise in daylight, standard deviation in 8-bit levels

    def __post_init__(self) -> None:
        if not (64 <= self.width <= 3840 and 64 <= self.height <= 2160):
            raise ValueError(f"resolution {self.width}x{self.height} is outside 64x64 to 3840x2160")
        if self.width % 2 or self.height % 2:
            raise ValueError(f"width and height must be even for H.264 4:2:0, got {self.width}x{self.height}")
        if not 1 <= self.fps <= 60:
            raise ValueError(f"fps must be 1 to 60, got {self.fps}")
        frames = self.gop_s * self.fps
        if frames < 1 or abs(frames - round(frames)) > 1e-9:
            raise ValueError(f"gop_s x fps must be a whole number of frames, got {frames:g}")
        if not 0 <= self.quality <= 51:
            raise ValueError(f"quality (x264 CRF) must be 0 to 51, got {self.quality}")
        if not 0 <= self.noise <= 50:
            raise ValueError(f"noise must be 0 to 50 levels, got {self.noise}")

    @property
    def gop_frames(self) -> int:
        return round(self.gop_s * self.fps)


def apply_lighting(frame: Image, lighting: Lighting) -> Image:
    """The scene as the camera sees it under this light (a new picture; daylight returns it as is)."""
    if lighting is Lighting.DAY:
        return frame
    if lighting is Lighting.DUSK:
        # Less light, a blue cast, flatter contrast.
        dim = frame.astype(np.float32) * np.asarray([0.46, 0.37, 0.31], np.float32) + 8.0
        return np.asarray(np.clip(dim, 0, 255), np.uint8)
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float32)
    lit = gray * _illuminator(frame.shape[0], frame.shape[1]) * 0.85 + 14.0
    soft = cv2.GaussianBlur(np.clip(lit, 0, 255).astype(np.uint8), (3, 3), 0)
    return np.asarray(cv2.cvtColor(soft, cv2.COLOR_GRAY2BGR), np.uint8)


@functools.cache
def _illuminator(height: int, width: int) -> NDArray[np.float32]:
    """An infrared lamp beside the lens: bright in the middle, falling off towards the corners."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    r2 = ((xx - width / 2) / width) ** 2 + ((yy - height / 2) / height) ** 2
    gain = 0.55 + 0.6 * np.exp(-r2 / 0.18)
    gain.flags.writeable = False
    return gain


@functools.cache
def _noise_fields(height: int, width: int, channels: int) -> NDArray[np.int8]:
    rng = np.random.default_rng(20240611)
    shape = (_NOISE_FIELDS, height + _NOISE_MARGIN, width + _NOISE_MARGIN, channels)
    fields = np.clip(rng.standard_normal(shape, dtype=np.float32) * _NOISE_SCALE, -127, 127).astype(np.int8)
    fields.flags.writeable = False
    return fields


def add_sensor_noise(frame: Image, sigma: float, index: int, *, seed: int = 0, gray: bool = False) -> Image:
    """Frame ``index`` with its own Gaussian noise; the same (seed, index) always gives the same picture.

    ``gray`` noise is equal in the three channels, so a grayscale (infrared) picture stays gray.
    """
    if sigma <= 0:
        return frame
    height, width = frame.shape[:2]
    fields = _noise_fields(height, width, 1 if gray else 3)
    rng = np.random.default_rng((seed, index))
    field = int(rng.integers(_NOISE_FIELDS))
    dy, dx = (int(v) for v in rng.integers(_NOISE_MARGIN, size=2))
    noise = fields[field, dy : dy + height, dx : dx + width]
    if gray:
        noise = np.repeat(noise, 3, axis=2)
    noisy = cv2.addWeighted(
        frame.astype(np.int16), 1.0, noise.astype(np.int16), sigma / _NOISE_SCALE, 0.0, dtype=cv2.CV_16S
    )
    return np.asarray(np.clip(noisy, 0, 255), np.uint8)
