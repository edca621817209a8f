"""Static backgrounds for the simulated cameras, drawn with OpenCV or read from a picture.

They only need to read as a camera view (a booth, a gate passage, a pavement) and
to stay still, so that everything the detector finds is one of the pasted people.
Texture and grain keep the encoder and the detector from seeing flat cartoon fills;
the noise that changes from frame to frame is the camera's (camera.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

# The size scenes are drawn at; a camera of another resolution gets them scaled.
WIDTH = 640
HEIGHT = 360

Image = NDArray[np.uint8]
Color = tuple[int, int, int]  # BGR


def _px(x: float, y: float) -> tuple[int, int]:
    return round(x * WIDTH), round(y * HEIGHT)


def _rect(image: Image, x0: float, y0: float, x1: float, y1: float, color: Color) -> None:
    cv2.rectangle(image, _px(x0, y0), _px(x1, y1), color, thickness=-1)


def _outline(image: Image, x0: float, y0: float, x1: float, y1: float, color: Color) -> None:
    cv2.rectangle(image, _px(x0, y0), _px(x1, y1), color, thickness=2)


def _paving(image: Image, y0: float, color: Color, tile: int = 24) -> None:
    """Ground from y0 down, with joints that converge a little towards the horizon."""
    top = round(y0 * HEIGHT)
    image[top:] = color
    joint = tuple(max(0, c - 28) for c in color)
    for y in range(top, HEIGHT, tile // 2):
        cv2.line(image, (0, y), (WIDTH, y), joint, 1)
    for x in range(-WIDTH, 2 * WIDTH, tile * 2):
        cv2.line(image, (WIDTH // 2 + (x - WIDTH // 2) // 3, top), (x, HEIGHT), joint, 1)


def _camera_look(image: Image, seed: int) -> Image:
    """Grain, uneven light and lens softness: what a real camera adds."""
    rng = np.random.default_rng(seed)
    grain = rng.normal(0.0, 5.0, image.shape)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    r2 = ((xx - WIDTH / 2) / WIDTH) ** 2 + ((yy - HEIGHT / 2) / HEIGHT) ** 2
    vignette = (1.0 - 0.35 * r2)[..., None]
    look = np.clip(image.astype(np.float32) * vignette + grain, 0, 255).astype(np.uint8)
    return cv2.GaussianBlur(look, (3, 3), 0)


def _booth() -> Image:
    """The front of a guard booth; its open doorway is where the guard stands."""
    image = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    image[:] = (196, 206, 214)  # painted wall around the booth
    _paving(image, 0.80, (150, 158, 162))
    _rect(image, 0.22, 0.06, 0.78, 0.97, (70, 120, 185))  # booth body, brick brown
    _rect(image, 0.20, 0.02, 0.80, 0.09, (60, 60, 150))  # roof edge
    _rect(image, 0.30, 0.14, 0.70, 0.96, (74, 78, 84))  # doorway: dim interior
    _rect(image, 0.32, 0.18, 0.68, 0.46, (110, 104, 96))  # back window seen through it
    _rect(image, 0.30, 0.80, 0.70, 0.96, (96, 100, 104))  # booth floor
    _outline(image, 0.30, 0.14, 0.70, 0.96, (40, 44, 48))
    _rect(image, 0.40, 0.10, 0.60, 0.135, (40, 40, 190))  # red sign over the door
    cv2.putText(image, "GUARD", _px(0.445, 0.132), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (230, 230, 230))
    _rect(image, 0.72, 0.40, 0.76, 0.50, (210, 200, 190))  # notice board
    return _camera_look(image, seed=1)


def _gate_side() -> Image:
    """Side view of the gate passage: street on the left, school on the right."""
    image = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    image[:] = (120, 150, 130)  # hedge seen through the gate
    image[: round(0.35 * HEIGHT)] = (215, 190, 160)  # sky
    _rect(image, 0.00, 0.18, 0.28, 0.74, (150, 160, 170))  # street-side houses
    for x in (0.03, 0.12, 0.21):
        _rect(image, x, 0.26, x + 0.05, 0.38, (90, 80, 70))
    _rect(image, 0.56, 0.10, 1.00, 0.74, (175, 200, 220))  # school building
    for x in (0.62, 0.72, 0.82, 0.92):
        _rect(image, x, 0.22, x + 0.06, 0.36, (140, 120, 100))
        _rect(image, x, 0.46, x + 0.06, 0.60, (140, 120, 100))
    _paving(image, 0.74, (145, 150, 150))
    # Registration desk with its window just left of the gate.
    _rect(image, 0.28, 0.30, 0.50, 0.74, (190, 190, 180))  # booth wall
    _rect(image, 0.31, 0.36, 0.47, 0.56, (120, 110, 95))  # registration window
    _rect(image, 0.29, 0.64, 0.49, 0.68, (60, 90, 130))  # desk top
    cv2.putText(image, "REGISTER", _px(0.33, 0.34), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (40, 40, 40))
    # The gate: a post at x=0.55 and a folded sliding gate against it.
    _rect(image, 0.54, 0.16, 0.56, 0.95, (70, 70, 72))
    for i in range(6):
        x = 0.565 + i * 0.01
        _rect(image, x, 0.42, x + 0.004, 0.92, (95, 95, 100))
    return _camera_look(image, seed=2)


def _street() -> Image:
    """Pavement outside the school gate, with the school fence behind it."""
    image = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    image[:] = (220, 200, 170)  # sky
    _rect(image, 0.00, 0.08, 1.00, 0.36, (160, 180, 170))  # campus trees/building
    _rect(image, 0.00, 0.30, 1.00, 0.40, (175, 180, 185))  # fence base wall
    for i in range(33):
        x = i / 32
        _rect(image, x, 0.12, x + 0.005, 0.31, (50, 50, 55))  # fence railings
    _rect(image, 0.0, 0.12, 1.0, 0.13, (50, 50, 55))
    _paving(image, 0.40, (160, 165, 170))
    _rect(image, 0.0, 0.97, 1.0, 1.0, (120, 120, 120))  # kerb
    _rect(image, 0.08, 0.52, 0.10, 0.70, (60, 60, 60))  # bollards
    _rect(image, 0.90, 0.52, 0.92, 0.70, (60, 60, 60))
    return _camera_look(image, seed=3)


def _school_gate() -> Image:
    """The school gate seen from inside the grounds: walls, two posts, the street beyond.

    The sliding gate itself is drawn per frame (gate.py), since it opens and closes.
    """
    image = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    image[:] = (215, 195, 165)  # sky
    _rect(image, 0.00, 0.14, 1.00, 0.56, (150, 165, 175))  # houses across the street
    for x in (0.05, 0.17, 0.31, 0.45, 0.59, 0.73, 0.87):
        _rect(image, x, 0.22, x + 0.06, 0.34, (95, 85, 75))  # their windows
        _rect(image, x, 0.40, x + 0.06, 0.50, (95, 85, 75))
    _rect(image, 0.00, 0.56, 1.00, 0.72, (112, 116, 118))  # the street
    for x in range(0, 10):
        _rect(image, x / 10 + 0.02, 0.635, x / 10 + 0.07, 0.645, (200, 205, 205))  # lane marks
    _paving(image, 0.72, (150, 156, 160))  # the school's forecourt
    # Walls on both sides of the passage, with a coping along the top.
    for x0, x1 in ((0.00, 0.235), (0.765, 1.00)):
        _rect(image, x0, 0.30, x1, 0.92, (110, 130, 170))
        _rect(image, x0, 0.28, x1, 0.31, (175, 180, 185))
        for y in (0.40, 0.52, 0.64, 0.76, 0.88):
            cv2.line(image, _px(x0, y), _px(x1, y), (90, 105, 140), 1)
    # The gate posts.
    _rect(image, 0.235, 0.22, 0.255, 0.93, (185, 190, 195))
    _rect(image, 0.745, 0.22, 0.765, 0.93, (185, 190, 195))
    cv2.putText(image, "SCHOOL", _px(0.04, 0.27), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (40, 40, 120))
    return _camera_look(image, seed=4)


_PAINTERS: dict[str, Callable[[], Image]] = {
    "booth": _booth,
    "gate_side": _gate_side,
    "street": _street,
    "school_gate": _school_gate,
}
SCENE_NAMES: tuple[str, ...] = tuple(_PAINTERS)


@functools.cache
def background(scene: str) -> Image:
    """The scene's background (HEIGHT x WIDTH BGR); read-only, since it is shared."""
    try:
        painter = _PAINTERS[scene]
    except KeyError:
        raise KeyError(f"unknown scene {scene!r}; known: {', '.join(SCENE_NAMES)}") from None
    image = painter()
    image.flags.writeable = False
    return image


@functools.cache
def backdrop(scene: str | Path, width: int, height: int) -> Image:
    """The background at a camera's resolution: a drawn scene by name, or a picture file.

    A picture is scaled to the resolution as it is (its aspect ratio is not kept). Read-only.
    """
    if isinstance(scene, Path):
        picture = cv2.imread(str(scene), cv2.IMREAD_COLOR)
        if picture is None:
            raise FileNotFoundError(f"cannot read the background picture {scene}")
        source = np.asarray(picture, np.uint8)
        source.flags.writeable = False
    else:
        source = background(scene)
    if source.shape[:2] == (height, width):
        return source
    interpolation = cv2.INTER_AREA if source.shape[1] > width else cv2.INTER_LINEAR
    image = np.asarray(cv2.resize(source, (width, height), interpolation=interpolation), np.uint8)
    image.flags.writeable = False
    return image
