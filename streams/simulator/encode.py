"""Pre-encode each scenario's timeline once, so serving it costs no encoding at all.

The RTSP server replays these access units in real time. The encoder settings are
what a camera tuned for fast opens sends: a keyframe every GOP (a second by default), no
B-frames, and SPS/PPS in front of every keyframe so a client can start at any keyframe.
Resolution, frame rate, GOP and compression (CRF) are the scenario's camera traits.

File format (``.au``): the magic ``SPAU\\x01``, then per access unit a 4-byte
big-endian length, a 1-byte flag (1 = keyframe) and the Annex-B bytes.
``rtsp_server.py`` reads it with its own copy of this small reader, because it runs
under a different Python without this package.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import struct
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

from streams.simulator.faults import Fault
from streams.simulator.people import FOOTAGE_PERSON_NAMES, footage_paths, source_photo_path
from streams.simulator.scenarios import Scenario, render

# Bump when rendering or encoding changes, so cached timelines are made again.
RENDERER_VERSION = "3"
FPS = 10  # the default camera's frame rate
# A timeline played once is encoded this much longer, so a look that runs past its end
# still sees the scene as the paths leave it rather than the start again.
TAIL_S = 20.0
# GOPs a stuck encoder is fed before its output counts as settled.
_FROZEN_WARM_UP_GOPS = 8
MAGIC = b"SPAU\x01"
_HEADER = struct.Struct(">IB")
# One slice per picture: zerolatency's sliced threads split frames into several slices,
# and rtph264pay (config-interval=-1) then puts SPS/PPS before each IDR slice, which
# makes FFmpeg decode every slice of a keyframe as a separate, half-grey picture.
_X264_PARAMS = "scenecut=0:repeat-headers=1:bframes=0:sliced-threads=0"


@dataclass(frozen=True)
class AccessUnit:
    """One encoded picture, Annex-B framed, as a camera would send it."""

    data: bytes
    keyframe: bool


def loop_frames(scenario: Scenario) -> int:
    """How many frames the encoded timeline has; the server replays them in a loop.

    A loop must hold whole GOPs to wrap cleanly. A timeline played once gets a tail and is
    rounded up to whole GOPs.
    """
    fps = scenario.camera.fps
    gop = scenario.camera.gop_frames
    if not scenario.loop:
        return math.ceil((scenario.loop_s + TAIL_S) * fps / gop) * gop
    frames = scenario.loop_s * fps
    if abs(frames - round(frames)) > 1e-6 or round(frames) % gop:
        raise ValueError(f"{scenario.name}: {frames:g} frames is not a whole number of GOPs ({gop})")
    return round(frames)


def encode_loop(scenario: Scenario) -> list[AccessUnit]:
    """Render and encode the timeline; frame i shows ``render(scenario, i / fps)``."""
    frames = loop_frames(scenario)
    if scenario.fault is Fault.FROZEN:
        return _stuck_encoder_loop(scenario, frames)
    codec = _encoder(scenario)
    fps = scenario.camera.fps
    units: list[AccessUnit] = []
    for index in range(frames):
        units.extend(_encode(codec, render(scenario, index / fps), index))
    units.extend(_units(codec.encode(None)))
    if len(units) != frames:
        raise RuntimeError(f"{scenario.name}: encoder gave {len(units)} pictures for {frames}")
    return units


def _stuck_encoder_loop(scenario: Scenario, frames: int) -> list[AccessUnit]:
    """A stuck encoder: one settled GOP of the same picture, sent again and again.

    An encoder fed one picture refines it for a few GOPs before its output settles, and a
    camera that froze long ago is past that. Looping the first GOPs instead would make
    every pass over the loop start with a visibly different keyframe, which no frozen
    camera sends.
    """
    codec = _encoder(scenario)
    picture = render(scenario, 0.0)
    gop = scenario.camera.gop_frames
    settled = (_FROZEN_WARM_UP_GOPS + 1) * gop
    units: list[AccessUnit] = []
    for index in range(settled):
        units.extend(_encode(codec, picture, index))
    units.extend(_units(codec.encode(None)))
    if len(units) != settled or not units[-gop].keyframe:
        raise RuntimeError(f"{scenario.name}: encoder gave {len(units)} pictures for {settled}")
    return units[-gop:] * (frames // gop)


def _encoder(scenario: Scenario) -> av.VideoCodecContext:
    camera = scenario.camera
    codec = av.CodecContext.create("libx264", "w")
    assert isinstance(codec, av.VideoCodecContext)
    codec.width, codec.height = camera.width, camera.height
    codec.pix_fmt = "yuv420p"
    codec.time_base = Fraction(1, camera.fps)
    codec.framerate = Fraction(camera.fps, 1)
    codec.gop_size = camera.gop_frames
    codec.max_b_frames = 0
    codec.options = {
        "preset": "veryfast",
        "tune": "zerolatency",
        "crf": str(camera.quality),
        "x264-params": _X264_PARAMS,
    }
    return codec


def _encode(codec: av.VideoCodecContext, picture: NDArray[np.uint8], index: int) -> Iterator[AccessUnit]:
    frame = av.VideoFrame.from_ndarray(picture, format="bgr24")
    frame.pts = index
    return _units(codec.encode(frame))


def _units(packets: Iterable[av.Packet]) -> Iterator[AccessUnit]:
    for packet in packets:
        yield AccessUnit(bytes(packet), bool(packet.is_keyframe))


def write_access_units(path: Path, units: Iterable[AccessUnit]) -> None:
    """Write atomically: servers started in parallel must never read half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(MAGIC)
            for unit in units:
                out.write(_HEADER.pack(len(unit.data), int(unit.keyframe)))
                out.write(unit.data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_access_units(path: Path) -> list[AccessUnit]:
    data = path.read_bytes()
    if not data.startswith(MAGIC):
        raise ValueError(f"{path} is not an access-unit file")
    units = []
    offset = len(MAGIC)
    while offset < len(data):
        if offset + _HEADER.size > len(data):
            raise ValueError(f"{path} is truncated")
        length, flags = _HEADER.unpack_from(data, offset)
        offset += _HEADER.size
        if offset + length > len(data):
            raise ValueError(f"{path} is truncated")
        units.append(AccessUnit(data[offset : offset + length], bool(flags & 1)))
        offset += length
    return units


@functools.cache
def _file_digest(path: Path, size: int, mtime_ns: int) -> bytes:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.digest()


def _digest_of(path: Path) -> bytes:
    stat = path.stat()
    return _file_digest(path.resolve(), stat.st_size, stat.st_mtime_ns)


def cache_key(scenario: Scenario) -> str:
    """Everything the encoded bytes depend on: the scenario, the code, the pictures it uses."""
    digest = hashlib.sha256()
    for part in (repr(scenario), RENDERER_VERSION, _X264_PARAMS, av.__version__):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(_digest_of(source_photo_path()))
    if isinstance(scenario.scene, Path):
        digest.update(_digest_of(scenario.scene))
    if scenario.people & set(FOOTAGE_PERSON_NAMES):
        for path in footage_paths():
            digest.update(_digest_of(path))
    return digest.hexdigest()[:20]


def cache_file_name(scenario: Scenario) -> str:
    # Scenario names from files may hold any character; the file name keeps a safe part.
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in scenario.name)[:60]
    return f"{safe}-{cache_key(scenario)}.au"


def cached_loop(scenario: Scenario, cache_dir: Path) -> Path:
    """The timeline's ``.au`` file, encoded now unless an identical one is cached."""
    path = cache_dir / cache_file_name(scenario)
    if not path.exists():
        write_access_units(path, encode_loop(scenario))
    return path
