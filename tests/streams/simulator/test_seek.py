"""Seeking a path's scenario clock over the real RTSP server, as the evaluation does between looks."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest
from numpy.typing import NDArray

from streams.simulator import SimulatorError, SimulatorServer
from streams.simulator.scenarios import Actor, Scenario, Waypoint, render
from streams.simulator.server import unavailable_reason
from tests.conftest import free_port

OPEN_OPTIONS = {"rtsp_transport": "tcp", "analyzeduration": "0", "probesize": "32"}
# One walk across the picture, played once: every second shows the walker somewhere else.
WALK = Scenario(
    "walk_once",
    "gate_side",
    40.0,
    (Actor("fur_coat", (Waypoint(0, -0.1), Waypoint(40, 1.1))),),
    loop=False,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorServer]:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"no GStreamer RTSP server here: {reason}")
    simulator = SimulatorServer(
        {"/walk": WALK, "/booth": "booth_staffed"},
        port=free_port(),
        username="eval",
        password="seek-test-pw",
        cache_dir=tmp_path_factory.mktemp("seek-cache"),
    )
    with simulator:
        yield simulator


def _first_picture(url: str) -> NDArray[np.int16]:
    with av.open(url, options=OPEN_OPTIONS, timeout=(5, 5)) as container:
        frame = next(container.decode(video=0))
        return np.asarray(frame.to_ndarray(format="bgr24"), np.int16)


def _matching_time(picture: NDArray[np.int16]) -> float:
    """The scenario second (to a tenth) whose rendered picture looks most like this one."""
    times = np.arange(0.0, 40.0, 0.1)
    diffs = [float(np.abs(picture - render(WALK, float(t), noise=False)).mean()) for t in times]
    return float(times[int(np.argmin(diffs))])


@pytest.mark.parametrize("target_s", [5.0, 31.0, 12.0])
def test_after_a_seek_a_new_client_sees_that_moment(server: SimulatorServer, target_s: float) -> None:
    started = time.monotonic()
    server.seek("/walk", target_s)
    picture = _first_picture(server.url("/walk"))
    waited = time.monotonic() - started
    seen = _matching_time(picture)
    # The first picture is the next keyframe: at most a GOP (1 s) after the sought time.
    assert target_s - 0.05 <= seen <= target_s + waited + 0.15, (target_s, seen, waited)


def test_a_seek_moves_one_path_only(server: SimulatorServer) -> None:
    server.seek("/walk", 20.0)
    booth = _first_picture(server.url("/booth"))
    assert booth.shape == (360, 640, 3)
    assert abs(_matching_time(_first_picture(server.url("/walk"))) - 20.0) < 1.5


def test_the_clock_runs_on_after_a_seek(server: SimulatorServer) -> None:
    server.seek("/walk", 10.0)
    time.sleep(3.0)
    seen = _matching_time(_first_picture(server.url("/walk")))
    assert 12.9 <= seen <= 14.5, seen


def test_bad_seeks_are_refused(server: SimulatorServer) -> None:
    with pytest.raises(ValueError, match="no simulated camera"):
        server.seek("/nowhere", 1.0)
    with pytest.raises(SimulatorError, match="finite"):
        server.seek("/walk", float("nan"))
    # A malformed line is answered on the server's output and changes nothing.
    process = server._process
    assert process is not None and process.stdin is not None
    process.stdin.write("not json\n" + json.dumps({"id": 99, "jump": 3}) + "\n")
    process.stdin.flush()
    server.seek("/walk", 2.0)  # the pipe still takes commands
    assert "ERROR - not a command" in server.output
    assert server.running


def test_seeking_a_stopped_server_is_an_error(tmp_path: Path) -> None:
    stopped = SimulatorServer({"/walk": WALK}, port=1, username="u", password="p", cache_dir=tmp_path)
    with pytest.raises(SimulatorError, match="not running"):
        stopped.seek("/walk", 1.0)
