"""Cameras that refuse connections or never answer cost a bounded time and name no password."""

from __future__ import annotations

import time

import pytest

from streams.errors import StreamTimeout, StreamUnreachable
from streams.rtsp import RtspSource
from tests.conftest import free_port

PASSWORD = "Planted-Secret-77xq"


def test_refused_connection_is_unreachable_quickly() -> None:
    source = RtspSource(f"rtsp://admin:{PASSWORD}@127.0.0.1:{free_port()}/live", open_timeout_s=3)
    started = time.monotonic()
    with pytest.raises(StreamUnreachable) as caught, source.open() as stream:
        stream.keyframe()
    assert time.monotonic() - started < 3.5
    assert PASSWORD not in str(caught.value)
    assert "admin:***@127.0.0.1" in str(caught.value)


@pytest.mark.parametrize("timeout_s", [1.0, 3.0])
def test_a_camera_that_never_sends_costs_its_timeout(silent_camera_port: int, timeout_s: float) -> None:
    source = RtspSource(
        f"rtsp://admin:{PASSWORD}@127.0.0.1:{silent_camera_port}/live", open_timeout_s=timeout_s
    )
    started = time.monotonic()
    with pytest.raises(StreamTimeout) as caught, source.open() as stream:
        stream.keyframe()
    waited = time.monotonic() - started
    assert timeout_s * 0.8 <= waited <= timeout_s + 1.5
    assert PASSWORD not in str(caught.value)
