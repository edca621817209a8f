"""Cameras that refuse connections or never answer cost a bounded time and name no password."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from streams.errors import StreamTimeout, StreamUnreachable
from streams.rtsp import RtspSource

PASSWORD = "Planted-Secret-77xq"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_camera() -> Iterator[int]:
    """Accepts RTSP connections and never says a word, like a hung camera."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = server.accept()
                accepted.append(connection)
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join(2)
    for connection in accepted:
        connection.close()
    server.close()


def test_refused_connection_is_unreachable_quickly() -> None:
    source = RtspSource(f"rtsp://admin:{PASSWORD}@127.0.0.1:{_free_port()}/live", open_timeout_s=3)
    started = time.monotonic()
    with pytest.raises(StreamUnreachable) as caught, source.open() as stream:
        stream.keyframe()
    assert time.monotonic() - started < 3.5
    assert PASSWORD not in str(caught.value)
    assert "admin:***@127.0.0.1" in str(caught.value)


@pytest.mark.parametrize("timeout_s", [1.0, 3.0])
def test_a_camera_that_never_sends_costs_its_timeout(silent_camera: int, timeout_s: float) -> None:
    source = RtspSource(f"rtsp://admin:{PASSWORD}@127.0.0.1:{silent_camera}/live", open_timeout_s=timeout_s)
    started = time.monotonic()
    with pytest.raises(StreamTimeout) as caught, source.open() as stream:
        stream.keyframe()
    waited = time.monotonic() - started
    assert timeout_s * 0.8 <= waited <= timeout_s + 1.5
    assert PASSWORD not in str(caught.value)
