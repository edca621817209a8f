"""What a clip's picture costs to decode, beside what it costs to detect.

Run: .venv/bin/python -m tests.benchmarks.bench_decode [--backend openvino] [--seconds 10]

Encodes a moving test picture with ffmpeg (H.264, 10 frames a second, a keyframe a second, as
the simulator and most cameras send) at a sub stream's 640x360 and a main stream's 1920x1080,
then decodes it with PyAV as the patrol does and times, per picture: decoding alone; decoding
and converting to BGR at full size (what a look does today); decoding and converting straight to
the detector's 640-pixel width (swscale in one pass); and a keyframe alone with the others
skipped (a snapshot). The detector's time for one 640x360 picture is measured in the same run.
Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np

from detectors.backends import DetectorSpec
from detectors.exports import Precision
from detectors.select import open_detector
from patrol.detector_bench.frames import bench_frames
from tests.conftest import MODEL_NAME, MODELS_DIR

DETECTOR_WIDTH = 640


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", default="openvino")
    parser.add_argument("--precision", default="fp16")
    parser.add_argument("--seconds", type=int, default=10, help="length of each encoded clip")
    args = parser.parse_args()
    rows: list[tuple[str, int, float]] = []
    with tempfile.TemporaryDirectory() as work:
        for width, height in ((640, 360), (1920, 1080)):
            clip = _encode(Path(work), width, height, args.seconds)
            size = f"{width}x{height}"
            rows.append((f"{size}: decode only", *_per_picture(clip, lambda frame: None)))
            rows.append((f"{size}: decode + BGR at full size", *_per_picture(clip, _full_bgr)))
            rows.append(
                (f"{size}: decode + BGR at {DETECTOR_WIDTH} wide", *_per_picture(clip, _detector_bgr))
            )
            rows.append(
                (f"{size}: a keyframe, the rest skipped", *_per_picture(clip, _full_bgr, keyframes=True))
            )
    rows.append(_detector(args.backend, args.precision))
    print(f"| picture | n | ms per picture (median of {REPEATS} runs) |")
    print("|---|---|---|")
    for name, n, ms in rows:
        print(f"| {name} | {n} | {ms:.2f} |")


REPEATS = 3


def _encode(work: Path, width: int, height: int, seconds: int) -> Path:
    clip = work / f"clip-{width}x{height}.mp4"
    subprocess.run(
        [
            "ffmpeg", "-loglevel", "error", "-f", "lavfi",
            "-i", f"testsrc2=size={width}x{height}:rate=10:duration={seconds}",
            "-c:v", "libx264", "-preset", "veryfast", "-g", "10", "-pix_fmt", "yuv420p", str(clip),
        ],
        check=True,
    )  # fmt: skip
    return clip


def _full_bgr(frame: Any) -> object:
    return frame.to_ndarray(format="bgr24")


def _detector_bgr(frame: Any) -> object:
    height = round(frame.height * DETECTOR_WIDTH / frame.width) // 2 * 2
    return frame.to_ndarray(format="bgr24", width=DETECTOR_WIDTH, height=height)


def _per_picture(
    clip: Path, convert: Callable[[Any], object], *, keyframes: bool = False
) -> tuple[int, float]:
    """(pictures per run, median milliseconds per picture over REPEATS runs)."""
    runs = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        n = 0
        for frame in _frames(clip, keyframes):
            convert(frame)
            n += 1
        runs.append((time.perf_counter() - started) * 1000 / n)
    return n, statistics.median(runs)


def _frames(clip: Path, keyframes: bool) -> Iterator[Any]:
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        if keyframes:
            stream.codec_context.skip_frame = "NONKEY"
        yield from container.decode(stream)


def _detector(backend: str, precision: str) -> tuple[str, int, float]:
    opened = open_detector(DetectorSpec(MODELS_DIR, MODEL_NAME, precision=Precision(precision)), backend)
    pictures = [np.ascontiguousarray(image[:360, :640]) for image in bench_frames(8).images]
    opened.detector.detect(pictures[:1])  # the first call compiles
    runs = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        for picture in pictures:
            opened.detector.detect([picture])
        runs.append((time.perf_counter() - started) * 1000 / len(pictures))
    return (
        f"detector, one 640x360 picture ({opened.backend} {precision})",
        len(pictures),
        statistics.median(runs),
    )


if __name__ == "__main__":
    main()
