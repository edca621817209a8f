"""Detect persons in a clip while it is still arriving.

A camera sends a clip in real time, so reading `clip_s` of it takes `clip_s`. Detecting the
pictures only afterwards would add the detection time to every look, during which nobody
watches the camera; detecting them as they come makes a look last about `clip_s`.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from detectors.types import Detections, PersonDetector
from streams.types import Frame


@dataclass(frozen=True)
class _Failed:
    error: BaseException


_END = object()


def watch_clip(frames: Iterator[Frame], detector: PersonDetector) -> tuple[list[Frame], list[Detections]]:
    """All frames of the clip and their detections. Raises what reading the clip raised."""
    arrived: queue.Queue[object] = queue.Queue()
    stop = threading.Event()
    reader = threading.Thread(target=_read, args=(frames, arrived, stop), name="clip-reader", daemon=True)
    reader.start()
    clip: list[Frame] = []
    detections: list[Detections] = []
    try:
        ended = False
        while not ended:
            batch = [arrived.get()]
            # Pictures that came while the detector was busy go to it together.
            while not arrived.empty():
                batch.append(arrived.get_nowait())
            for item in batch:
                if isinstance(item, _Failed):
                    raise item.error
            ended = batch[-1] is _END
            pictures = [item for item in batch if isinstance(item, Frame)]
            if pictures:
                clip += pictures
                detections += detector.detect([frame.image for frame in pictures])
    finally:
        stop.set()
        reader.join()
    return clip, detections


def _read(frames: Iterator[Frame], arrived: queue.Queue[object], stop: threading.Event) -> None:
    try:
        for frame in frames:
            if stop.is_set():
                return
            arrived.put(frame)
        arrived.put(_END)
    except BaseException as exc:  # handed to the detecting thread, which raises it
        arrived.put(_Failed(exc))
