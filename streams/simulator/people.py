"""Person cut-outs taken from real pictures.

The detector under test must find these people, so they are photo pixels with a
segmentation mask, not drawings. Two sources:

- ultralytics' bundled ``bus.jpg``: it ships with the ultralytics package we depend on
  anyway, so no download is needed. Of its pedestrians only two are whole: a third, cut
  in half by the photo's edge, gave weak and doubled detections (confidence down to
  0.25), so it is not used.
- the CC BY footage ``desk_visits_intel_cc-by.mp4`` in the media folder beside the
  project (``../shared/media``, or ``$PATROL_MEDIA_DIR``): six more people, cut out by
  subtracting the empty room (``desk_room_empty.png``). That folder is not part of the
  repository, so these people exist only where it does (``footage_available()``).
"""

from __future__ import annotations

import functools
import importlib.util
import os
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

# Frame indices of the footage where each person stands still at the table, whole in view.
_FOOTAGE_PEOPLE: dict[str, int] = {
    "grey_cardigan": 100,
    "black_hoodie": 400,
    "long_hair": 600,
    "black_tshirt": 800,
    "grey_sweater": 1000,
    "grey_shirt": 1300,
}
FOOTAGE_FILE = "desk_visits_intel_cc-by.mp4"
FOOTAGE_BACKGROUND_FILE = "desk_room_empty.png"
MEDIA_DIR_VARIABLE = "PATROL_MEDIA_DIR"

BUS_PERSON_NAMES: tuple[str, ...] = tuple(_BUS_PEOPLE)
FOOTAGE_PERSON_NAMES: tuple[str, ...] = tuple(_FOOTAGE_PEOPLE)
PERSON_NAMES: tuple[str, ...] = BUS_PERSON_NAMES + FOOTAGE_PERSON_NAMES


class MissingMedia(FileNotFoundError):
    """A person from the shared footage was asked for, but the footage is not here."""


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
    """One person, segmented once per process and then cached.

    Raises MissingMedia for a footage person when the footage is absent.
    """
    if mirrored:
        return cutout(name).mirrored()
    if name in _FOOTAGE_PEOPLE:
        return _footage_cutout(name)
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


# ---------------------------------------------------------------- people from the footage


def media_dir() -> Path:
    """The shared media folder: ``$PATROL_MEDIA_DIR``, else ``../shared/media`` from the repository."""
    configured = os.environ.get(MEDIA_DIR_VARIABLE)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "shared" / "media"


def footage_paths() -> tuple[Path, Path]:
    folder = media_dir()
    return folder / FOOTAGE_FILE, folder / FOOTAGE_BACKGROUND_FILE


def footage_available() -> bool:
    return all(path.is_file() for path in footage_paths())


def missing_footage_reason() -> str | None:
    """Why footage people cannot be drawn here, or None when they can."""
    missing = [path for path in footage_paths() if not path.is_file()]
    if not missing:
        return None
    names = ", ".join(path.name for path in missing)
    return (
        f"{names} not found in {media_dir()} (the shared media folder beside the project; "
        f"set ${MEDIA_DIR_VARIABLE} to point elsewhere)"
    )


@functools.cache
def _footage_frames() -> tuple[dict[int, NDArray[np.uint8]], NDArray[np.uint8]]:
    """The frames the people are cut from, and the empty room."""
    reason = missing_footage_reason()
    if reason is not None:
        raise MissingMedia(f"people from the desk footage are not available: {reason}")
    import av  # only needed for footage people

    video, empty = footage_paths()
    room = cv2.imread(str(empty))
    if room is None:
        raise MissingMedia(f"cannot read {empty}")
    wanted = set(_FOOTAGE_PEOPLE.values())
    frames: dict[int, NDArray[np.uint8]] = {}
    with av.open(str(video)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index in wanted:
                frames[index] = np.asarray(frame.to_ndarray(format="bgr24"), np.uint8)
            if len(frames) == len(wanted):
                break
    if len(frames) != len(wanted):
        raise MissingMedia(f"{video} is shorter than expected")
    return frames, np.asarray(room, np.uint8)


# Where the wall of the empty room meets its floor (in its 432 rows): shadows fall below it.
_FLOOR_ROW = 245


def _subtract(frame: NDArray[np.uint8], room: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """0/1 mask of the one person in ``frame``: what differs from the empty room, less shadows."""
    seen = cv2.GaussianBlur(frame, (5, 5), 0).astype(np.float32) + 1.0
    empty = cv2.GaussianBlur(room, (5, 5), 0).astype(np.float32) + 1.0
    changed = np.abs(seen - empty).max(axis=2) > 30
    # A shadow on the floor darkens it by a similar share in every channel.
    ratio = seen / empty
    shadow = (ratio.max(axis=2) < 0.95) & (ratio.min(axis=2) > 0.25) & (np.ptp(ratio, axis=2) < 0.25)
    shadow[:_FLOOR_ROW] = False
    mask = (changed & ~shadow).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
    if count < 2:
        raise ValueError("nobody differs from the empty room in this frame")
    mask = (labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint8)
    # Fill small holes (speckles on the clothes), not the gap between the legs.
    count, labels, stats, _ = cv2.connectedComponentsWithStats(1 - mask)
    for label in range(1, count):
        if stats[label, cv2.CC_STAT_AREA] < 300:
            mask[labels == label] = 1
    return mask


def _footage_cutout(name: str) -> Cutout:
    frames, room = _footage_frames()
    frame = frames[_FOOTAGE_PEOPLE[name]]
    mask = _subtract(frame, room)
    x, y, w, h = cv2.boundingRect(mask)
    blurred = cv2.GaussianBlur(mask.astype(np.float32), (3, 3), 0)
    return Cutout(
        name=name,
        image=_read_only(frame[y : y + h, x : x + w]),
        alpha=_read_only(np.asarray(blurred, np.float32)[y : y + h, x : x + w]),
        faces_left=False,  # seen from behind: either way reads the same
    )
