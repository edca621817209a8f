"""Person cut-outs taken from a real photograph.

The detector under test must find these people, so they are photo pixels with a
segmentation mask, not drawings. The source is ultralytics' bundled ``bus.jpg``: it
ships with the ultralytics package we depend on anyway, so no download is needed. Of its pedestrians
only two are whole: a third, cut in half by the photo's edge, gave weak and doubled
detections (confidence down to 0.25), so it is not used.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np
from numpy.typing import NDArray

Point = tuple[int, int]
_Scalar = TypeVar("_Scalar", bound=np.generic)


@dataclass(frozen=True)
class _Hints:
    """Hand-picked grabCut hints for one pedestrian, in bus.jpg pixels.

    ``box`` bounds the person; ``body`` strokes are certainly the person (head, torso,
    legs); ``background`` polygons are certainly not (bus parts, ground between the legs).
    GrabCut initialised from the box alone keeps bus panels and loses dark legs.
    """

    box: tuple[int, int, int, int]
    body: tuple[tuple[Point, ...], ...]
    background: tuple[tuple[Point, ...], ...]
    faces_left: bool


_BUS_PEOPLE: dict[str, _Hints] = {
    # The man in the fur coat, walking towards the camera and to its left.
    "fur_coat": _Hints(
        box=(40, 385, 222, 906),
        body=(
            ((128, 412), (125, 520), (125, 660)),
            ((115, 700), (80, 870)),
            ((160, 700), (195, 860)),
            ((70, 880), (90, 885)),
            ((190, 880), (215, 880)),
        ),
        background=(
            ((40, 690), (92, 690), (55, 850), (40, 850)),
            ((130, 712), (138, 712), (142, 745), (178, 840), (180, 855), (105, 855), (115, 790)),
            ((100, 884), (165, 880), (165, 906), (100, 906)),
        ),
        faces_left=True,
    ),
    # The man in the black coat, turned slightly to his left (the picture's right).
    "black_coat": _Hints(
        box=(205, 390, 352, 880),
        body=(
            ((285, 422), (285, 520), (280, 650)),
            ((245, 500), (330, 500)),
            ((250, 525), (290, 525)),
            ((270, 700), (265, 830)),
            ((310, 700), (290, 800)),
            ((255, 850), (290, 850)),
        ),
        background=(
            ((205, 385), (259, 385), (259, 462), (250, 488), (205, 488)),
            ((305, 800), (352, 785), (352, 880), (295, 880), (295, 862)),
        ),
        faces_left=False,
    ),
}

PERSON_NAMES: tuple[str, ...] = tuple(_BUS_PEOPLE)


@dataclass(frozen=True)
class Cutout:
    """A person: BGR pixels and an alpha mask (0..1) of the same size, cropped tight.

    The tight crop makes the bottom-centre of the image the person's feet, which is
    where scenarios place them.
    """

    name: str
    image: NDArray[np.uint8]
    alpha: NDArray[np.float32]
    faces_left: bool

    def mirrored(self) -> Cutout:
        """The same person walking the other way."""
        return Cutout(
            name=self.name,
            image=_read_only(self.image[:, ::-1]),
            alpha=_read_only(self.alpha[:, ::-1]),
            faces_left=not self.faces_left,
        )


def _read_only(array: NDArray[_Scalar]) -> NDArray[_Scalar]:
    """Cached pixels are shared by every caller, so nobody may draw on them."""
    copy = np.ascontiguousarray(array)
    copy.flags.writeable = False
    return copy


def source_photo_path() -> Path:
    """Where ultralytics keeps bus.jpg in this installation.

    Found without importing ultralytics, which would pull in torch (over a second).
    """
    spec = importlib.util.find_spec("ultralytics")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("ultralytics is not installed, so bus.jpg is missing")
    return Path(spec.submodule_search_locations[0]) / "assets" / "bus.jpg"


@functools.cache
def _source_photo() -> NDArray[np.uint8]:
    path = source_photo_path()
    image = cv2.imread(str(path))
    if image is None:
        raise FileNotFoundError(f"cannot read the source photo {path}")
    return np.asarray(image, np.uint8)


def _segment(photo: NDArray[np.uint8], hints: _Hints) -> NDArray[np.uint8]:
    """GrabCut on a crop around the box; returns the 0/1 mask of the crop region."""
    x0, y0, x1, y1 = hints.box
    margin = 30  # background samples around the box help grabCut; the crop keeps it fast
    h, w = photo.shape[:2]
    cx0, cy0 = max(0, x0 - margin), max(0, y0 - margin)
    cx1, cy1 = min(w, x1 + margin), min(h, y1 + margin)
    crop = np.ascontiguousarray(photo[cy0:cy1, cx0:cx1])
    origin = np.array([cx0, cy0])

    mask = np.full(crop.shape[:2], cv2.GC_BGD, np.uint8)
    mask[y0 - cy0 : y1 - cy0, x0 - cx0 : x1 - cx0] = cv2.GC_PR_BGD
    for polygon in hints.background:
        cv2.fillPoly(mask, [np.array(polygon) - origin], cv2.GC_BGD)
    for stroke in hints.body:
        cv2.polylines(mask, [np.array(stroke) - origin], False, cv2.GC_FGD, 12)

    background_model = np.zeros((1, 65), np.float64)
    foreground_model = np.zeros((1, 65), np.float64)
    no_rect = (0, 0, 0, 0)  # the mask, not a rectangle, initialises grabCut
    cv2.grabCut(crop, mask, no_rect, background_model, foreground_model, 6, cv2.GC_INIT_WITH_MASK)
    person = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)

    # Keep the largest blob: stray bus fragments would otherwise widen the box.
    count, labels, stats, _ = cv2.connectedComponentsWithStats(person)
    if count < 2:
        raise ValueError("grabCut found no person inside the box")
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    full = np.zeros(photo.shape[:2], np.uint8)
    full[cy0:cy1, cx0:cx1] = labels == largest
    return full


@functools.cache
def cutout(name: str, *, mirrored: bool = False) -> Cutout:
    """One person from bus.jpg, segmented once per process and then cached."""
    if mirrored:
        return cutout(name).mirrored()
    try:
        hints = _BUS_PEOPLE[name]
    except KeyError:
        raise KeyError(f"unknown person {name!r}; known: {', '.join(PERSON_NAMES)}") from None
    photo = _source_photo()
    mask = _segment(photo, hints)
    x, y, w, h = cv2.boundingRect(mask)
    # A slight blur of the mask softens the cut edge the way a real scene would.
    blurred = cv2.GaussianBlur(mask.astype(np.float32), (3, 3), 0)
    alpha = np.asarray(blurred, np.float32)[y : y + h, x : x + w]
    return Cutout(
        name=name,
        image=_read_only(photo[y : y + h, x : x + w]),
        alpha=_read_only(alpha),
        faces_left=hints.faces_left,
    )
