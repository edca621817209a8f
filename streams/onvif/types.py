"""What an ONVIF device tells about itself: who made it, and its media profiles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from streams.onvif.address import OnvifAddress
from streams.onvif.errors import OnvifError

# Encodings an RTSP look decodes well; a JPEG-only profile is chosen only when nothing else is offered.
VIDEO_ENCODINGS = ("H264", "H265")


class StreamChoice(StrEnum):
    """Which of a camera's streams to take: the largest picture (main) or the next one down (sub).

    The patrol wants the sub stream: a school's thin uplink carries it easily, and the detector
    scales pictures down to 640 pixels anyway.
    """

    MAIN = "main"
    SUB = "sub"


@dataclass(frozen=True)
class DeviceInformation:
    manufacturer: str
    model: str
    firmware: str
    serial: str


@dataclass(frozen=True)
class MediaProfile:
    token: str
    name: str
    encoding: str | None  # H264, H265, JPEG; None: the profile has no video encoder
    width: int | None
    height: int | None
    fps: float | None
    stream_uri: str | None
    snapshot_uri: str | None

    @property
    def pixels(self) -> int:
        return (self.width or 0) * (self.height or 0)

    @property
    def resolution(self) -> str:
        return f"{self.width}x{self.height}" if self.width and self.height else "-"


@dataclass(frozen=True)
class ProbedDevice:
    address: OnvifAddress
    information: DeviceInformation
    profiles: tuple[MediaProfile, ...]


def choose_profile(profiles: Sequence[MediaProfile], choice: StreamChoice) -> MediaProfile:
    """The main stream is the largest picture; the sub stream the largest one below it (the
    camera's second encoder), or the main stream when the camera has only one size.

    Only profiles with a stream address count, H.264/H.265 ones before any other, and profiles
    that say their size before those that do not.
    """
    usable = [profile for profile in profiles if profile.stream_uri]
    video = [profile for profile in usable if profile.encoding in VIDEO_ENCODINGS] or usable
    if not video:
        raise OnvifError("the device offers no profile with a stream address")
    # A profile that does not say its size is taken only when none does. Stable: among profiles
    # of one size, the device's own order decides.
    sized = [profile for profile in video if profile.pixels] or video
    by_size = sorted(sized, key=lambda profile: profile.pixels, reverse=True)
    if choice is StreamChoice.MAIN:
        return by_size[0]
    smaller = [profile for profile in by_size if profile.pixels < by_size[0].pixels]
    return smaller[0] if smaller else by_size[0]
