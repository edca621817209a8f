"""The simulator: rendering, encoding, and the real RTSP server on loopback."""

from __future__ import annotations

import base64
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import av
import av.container
import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from streams.simulator import SCENARIOS, SimulatorError, SimulatorServer
from streams.simulator.encode import (
    FPS,
    cached_loop,
    encode_loop,
    loop_frames,
    read_access_units,
)
from streams.simulator.scenarios import people_at, render
from streams.simulator.scene import HEIGHT, WIDTH, background
from streams.simulator.server import unavailable_reason

USERNAME = "officer"
PASSWORD = "S3cret:pw@1/x"  # characters that must be escaped in a URL
PATHS = {"/school-a/booth": "booth_staffed", "/school-a/gate": "gate_walk_in"}
OPEN_OPTIONS = {"rtsp_transport": "tcp", "analyzeduration": "0", "probesize": "32"}


# ---------------------------------------------------------------- rendering


def _person_mask(frame: NDArray[np.uint8], scene: str) -> NDArray[np.bool_]:
    diff = np.abs(frame.astype(np.int16) - background(scene).astype(np.int16)).max(axis=2)
    # Above the sensor noise (2.5 levels) by far, so no noisy pixel counts as a person.
    return np.asarray(diff > 24)


def _feet(mask: NDArray[np.bool_]) -> tuple[float, float]:
    """Bottom-centre of the mask's bounding box, normalized."""
    ys, xs = np.nonzero(mask)
    return (xs.min() + xs.max() + 1) / 2 / WIDTH, (ys.max() + 1) / HEIGHT


def test_the_six_scenarios_and_what_they_should_raise() -> None:
    truths = {name: s.truth for name, s in SCENARIOS.items()}
    assert truths == {
        "booth_staffed": (),
        "booth_empty": ("guard_absent",),
        "gate_registered": (),
        "gate_walk_in": ("unregistered_entry",),
        "outside_loiter": ("loitering",),
        "outside_passersby": (),
    }


@pytest.mark.parametrize("t", [0.0, 1.3, 2.5, 5.0, 7.7, 9.9])
def test_the_guard_stands_where_the_booth_zone_is(t: float) -> None:
    frame = render(SCENARIOS["booth_staffed"], t)
    assert frame.shape == (HEIGHT, WIDTH, 3) and frame.dtype == np.uint8
    x, y = _feet(_person_mask(frame, "booth"))
    assert abs(x - 0.5) <= 0.03
    assert abs(y - 0.9) <= 0.02


def test_the_empty_booth_is_the_background_with_sensor_noise() -> None:
    for t in (0.0, 4.2, 9.9):
        assert np.array_equal(render(SCENARIOS["booth_empty"], t, noise=False), background("booth"))
        frame = render(SCENARIOS["booth_empty"], t).astype(np.int16)
        assert 1.0 < np.abs(frame - background("booth")).mean() < 3.0


@pytest.mark.parametrize(
    ("scenario", "t", "expected_x"),
    [
        ("gate_registered", 4.0, 0.40),  # arrived at the desk
        ("gate_registered", 8.0, 0.40),
        ("gate_registered", 12.0, 0.75),  # walking in through the gate
        ("gate_walk_in", 7.0, 0.50),  # no stop at the desk
        ("outside_loiter", 3.0, 0.50),
        ("outside_passersby", 3.0, 0.50),
        ("outside_passersby", 11.0, 0.50),  # the second walks right to left
    ],
)
def test_people_are_drawn_where_their_waypoints_say(scenario: str, t: float, expected_x: float) -> None:
    chosen = SCENARIOS[scenario]
    x, y = _feet(_person_mask(render(chosen, t), chosen.scene))
    assert abs(x - expected_x) <= 0.03
    assert abs(y - 0.92) <= 0.02


def test_nobody_is_at_the_gate_after_the_visitor_went_in() -> None:
    assert np.array_equal(render(SCENARIOS["gate_registered"], 15.0, noise=False), background("gate_side"))


def test_the_loiterer_never_leaves_the_outside_zone() -> None:
    scenario = SCENARIOS["outside_loiter"]
    for t in np.arange(0.0, scenario.loop_s, 0.1):
        (person,) = people_at(scenario, float(t))
        assert 0.15 <= person.x <= 0.85 and 0.4 <= person.y <= 1.0


def test_rendering_loops() -> None:
    scenario = SCENARIOS["gate_walk_in"]
    assert np.array_equal(render(scenario, 3.3), render(scenario, 3.3 + scenario.loop_s))


# ---------------------------------------------------------------- encoding


def _nal_types(annexb: bytes) -> list[int]:
    types, at = [], 0
    while (at := annexb.find(b"\x00\x00\x01", at)) >= 0:
        types.append(annexb[at + 3] & 0x1F)
        at += 3
    return types


def test_a_loop_is_encoded_like_a_fast_opening_camera() -> None:
    scenario = SCENARIOS["booth_staffed"]
    units = encode_loop(scenario)
    assert len(units) == loop_frames(scenario) == 100
    assert [i for i, u in enumerate(units) if u.keyframe] == list(range(0, 100, FPS))
    for unit in units:
        nals = _nal_types(unit.data)
        assert unit.data.startswith(b"\x00\x00\x00\x01")  # Annex-B
        slices = [n for n in nals if n in (1, 5)]
        assert slices == ([5] if unit.keyframe else [1])  # one slice, no B-frames
        if unit.keyframe:
            assert {7, 8} <= set(nals)  # SPS and PPS before every keyframe


def test_loops_are_cached_by_content(tmp_path: Path) -> None:
    scenario = SCENARIOS["booth_empty"]
    first = cached_loop(scenario, tmp_path)
    made = first.stat().st_mtime_ns
    assert cached_loop(scenario, tmp_path) == first
    assert first.stat().st_mtime_ns == made
    assert len(read_access_units(first)) == 100
    assert cached_loop(SCENARIOS["booth_staffed"], tmp_path) != first


# ---------------------------------------------------------------- RTSP server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def rtsp_available() -> None:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"no GStreamer RTSP server here: {reason}")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("simulator-cache")


@pytest.fixture(scope="module")
def server(rtsp_available: None, cache_dir: Path) -> Iterator[SimulatorServer]:
    simulator = SimulatorServer(
        PATHS, port=_free_port(), username=USERNAME, password=PASSWORD, cache_dir=cache_dir
    )
    with simulator:
        yield simulator


def _open(url: str) -> av.container.InputContainer:
    return av.open(url, options=OPEN_OPTIONS, timeout=(5, 5))


def _frames(url: str, count: int) -> list[tuple[float, NDArray[np.uint8]]]:
    """(wall time when decoded, BGR picture) for the first ``count`` pictures."""
    pictures = []
    with _open(url) as container:
        for frame in container.decode(video=0):
            pictures.append((time.time(), np.asarray(frame.to_ndarray(format="bgr24"), np.uint8)))
            if len(pictures) == count:
                break
    return pictures


def test_each_path_serves_its_own_scenario(server: SimulatorServer) -> None:
    firsts = {}
    for path in PATHS:
        started = time.monotonic()
        with _open(server.url(path)) as container:
            frames = container.decode(video=0)
            first = next(frames)
            took = time.monotonic() - started
            later = [next(frames) for _ in range(3)]
        assert first.key_frame, "a client must start at a keyframe"
        assert took < 3.0, f"first picture of {path} took {took:.2f} s"
        for frame in (first, *later):
            assert (frame.width, frame.height) == (WIDTH, HEIGHT)
        firsts[path] = first.to_ndarray(format="bgr24").astype(np.int16)
    booth, gate = firsts.values()
    assert np.abs(booth - gate).mean() > 20


def test_the_server_wants_the_right_password(server: SimulatorServer) -> None:
    path = "/school-a/booth"
    with pytest.raises(av.error.HTTPUnauthorizedError):
        _open(f"rtsp://{USERNAME}:wrong@{server.host}:{server.port}{path}")
    with pytest.raises(av.error.HTTPUnauthorizedError):
        _open(server.url(path, with_credentials=False))
    assert len(_frames(server.url(path), 1)) == 1


def _gray(image: NDArray[np.uint8]) -> NDArray[np.float32]:
    small = cv2.resize(image, (160, 90), interpolation=cv2.INTER_AREA)
    return np.asarray(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), np.float32)


def test_what_a_client_sees_follows_the_wall_clock(server: SimulatorServer) -> None:
    """Clients joining at different moments see the loop at the same phase."""
    scenario = SCENARIOS["gate_walk_in"]
    loop_s = scenario.loop_s
    step = 1 / FPS
    renders = [_gray(render(scenario, i * step)) for i in range(loop_frames(scenario))]
    for _client in range(2):  # the second opens about a second after the first
        for seen_at, picture in _frames(server.url("/school-a/gate"), 10)[4::5]:
            seen = _gray(picture)
            diffs = [float(np.abs(seen - r).mean()) for r in renders]
            best = int(np.argmin(diffs))
            # How far the matching loop time trails the wall clock (a frame or two).
            lag = (seen_at % loop_s - best * step + loop_s / 2) % loop_s - loop_s / 2
            assert -step / 2 <= lag <= 0.5, f"picture is {lag:.2f} s behind the wall clock"
            three_s_off = renders[round((seen_at % loop_s - 3.0) / step) % len(renders)]
            assert diffs[best] < 0.5 * float(np.abs(seen - three_s_off).mean())


def test_credentials_stay_out_of_the_server_output_and_command_line(
    server: SimulatorServer,
) -> None:
    assert server.pid is not None
    command_line = Path(f"/proc/{server.pid}/cmdline").read_bytes().decode()
    basic = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    for secret in (PASSWORD, basic):
        assert secret not in command_line
        assert secret not in server.output
    assert server.output.splitlines()[0] == f"READY {server.port}"


def test_a_busy_port_is_a_clear_error(rtsp_available: None, cache_dir: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = int(squatter.getsockname()[1])
        simulator = SimulatorServer(
            PATHS, port=port, username=USERNAME, password=PASSWORD, cache_dir=cache_dir
        )
        with pytest.raises(SimulatorError, match=f"cannot listen on 127.0.0.1:{port}") as error:
            simulator.start(timeout_s=30)
    assert PASSWORD not in str(error.value)
    assert not simulator.running


def test_unknown_scenarios_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown scenario 'gate_party'"):
        SimulatorServer({"/x": "gate_party"}, port=1, username="u", password="p", cache_dir=tmp_path)


def test_a_missing_system_python_is_named(monkeypatch: pytest.MonkeyPatch, cache_dir: Path) -> None:
    missing = str(cache_dir / "no-such-python3")
    monkeypatch.setattr("streams.simulator.server.SYSTEM_PYTHON", missing)
    reason = unavailable_reason()
    assert reason is not None and missing in reason
    simulator = SimulatorServer(
        {"/x": "booth_empty"}, port=1, username="u", password=PASSWORD, cache_dir=cache_dir
    )
    with pytest.raises(SimulatorError, match="cannot run") as error:
        simulator.start()
    assert PASSWORD not in str(error.value)
