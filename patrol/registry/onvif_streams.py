"""Stream addresses of the rows that give an ONVIF address: asked of each device once, at import.

The address found is stored with the camera (without credentials), so the patrol never asks
ONVIF at start or before a look; importing the sheet again refreshes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from patrol.registry.rows import CameraEntry, RowIssue
from patrol.registry.stream_address import SCHEMES, without_userinfo
from streams.onvif import OnvifClient, OnvifError, StreamChoice

# Devices asked at once: each waits on the network, not on this machine.
CONCURRENT_DEVICES = 16


@dataclass(frozen=True)
class OnvifStream:
    entry: CameraEntry  # with `stream` set to the device's address
    profile: str  # the token of the profile chosen


def resolve_onvif_streams(
    entries: Sequence[CameraEntry],
    client: OnvifClient,
    environ: Mapping[str, str],
    choice: StreamChoice,
) -> tuple[list[OnvifStream], list[RowIssue]]:
    """Ask each entry's device for its `choice` stream; a device that cannot be asked is a row issue."""

    def resolve(entry: CameraEntry) -> OnvifStream | RowIssue:
        assert entry.onvif is not None
        password = environ.get(entry.credentials, "") if entry.credentials else ""
        try:
            profile = client.stream(entry.onvif, entry.username or "", password, choice)
        except OnvifError as exc:
            return RowIssue(entry.row, "onvif", str(exc))
        uri = profile.stream_uri or ""
        if uri.partition("://")[0].lower() not in SCHEMES:
            return RowIssue(
                entry.row, "onvif", f"the device's {choice.value} stream is not an rtsp:// address"
            )
        return OnvifStream(replace(entry, stream=without_userinfo(uri)), profile.token)

    if not entries:
        return [], []
    with ThreadPoolExecutor(max_workers=min(CONCURRENT_DEVICES, len(entries))) as pool:
        results = list(pool.map(resolve, entries))
    return [r for r in results if isinstance(r, OnvifStream)], [r for r in results if isinstance(r, RowIssue)]
