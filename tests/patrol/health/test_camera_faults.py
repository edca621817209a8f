"""Each camera-health finding, made for real over the RTSP simulator, and closed when the fault goes.

The camera is a booth with its guard in place. It is served well (the first good look takes the
reference view), then broken as a real camera breaks (its path gone, its password changed, a black
picture, a stuck encoder, a hand over the lens, a knocked focus ring, turned away), then mended.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from patrol.config import parse_config
from patrol.runtime import Patrol
from patrol.store import Store
from patrol.types import EventType, LookKind
from streams.simulator import SCENARIOS, SimulatorServer
from streams.simulator.faults import Fault
from tests.conftest import free_port
from tests.patrol.support import booth_camera_config, patrol_of

PASSWORD = "Planted-Health-Secret-7e2"
HEALTHY = SCENARIOS["booth_staffed"]


class Camera:
    """One simulated camera on a fixed port, served as healthy or with a fault."""

    def __init__(self, port: int, cache_dir: Path) -> None:
        self.port = port
        self.cache_dir = cache_dir
        self.server: SimulatorServer | None = None

    def serve(self, *, fault: Fault | None = None, path: str = "/cam", password: str = PASSWORD) -> None:
        self.stop()
        scenario = replace(HEALTHY, fault=fault) if fault else HEALTHY
        self.server = SimulatorServer(
            {path: scenario}, port=self.port, username="patrol", password=password, cache_dir=self.cache_dir
        )
        self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@pytest.fixture
def camera(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Camera]:
    served = Camera(free_port(), tmp_path_factory.getbasetemp() / "fault-cache")
    yield served
    served.stop()


def _patrol(camera: Camera, detector, tmp_path: Path) -> tuple[Patrol, Store]:  # type: ignore[no-untyped-def]
    config = booth_camera_config(
        "cam", f"rtsp://patrol:${{CAM_PW}}@127.0.0.1:{camera.port}/cam", confirm_after_s=60
    )
    return patrol_of(parse_config(config, environ={"CAM_PW": PASSWORD}), detector, tmp_path)


def _ongoing(store: Store) -> set[EventType]:
    events, _ = store.list_events(camera_id="cam", limit=100)
    return {event.type for event in events if event.ongoing}


@pytest.mark.parametrize(
    ("breakage", "looks", "expected"),
    [
        ({"path": "/elsewhere"}, 1, EventType.CAMERA_UNREACHABLE),  # the stream path stopped
        ({"password": "changed-on-the-camera"}, 1, EventType.CAMERA_AUTH_REFUSED),
        ({"fault": Fault.BLACK}, 1, EventType.CAMERA_BLANK),
        ({"fault": Fault.FROZEN}, 2, EventType.CAMERA_FROZEN),  # the same picture on the next look
        ({"fault": Fault.COVERED}, 1, EventType.CAMERA_OBSTRUCTED),
        ({"fault": Fault.DEFOCUSED}, 1, EventType.CAMERA_OBSTRUCTED),
        ({"fault": Fault.MOVED}, 1, EventType.CAMERA_MOVED),
    ],
)
def test_a_fault_becomes_its_event_and_the_event_closes_when_the_camera_is_mended(
    camera: Camera, detector, tmp_path: Path, breakage: dict[str, object], looks: int, expected: EventType
) -> None:  # type: ignore[no-untyped-def]
    patrol, store = _patrol(camera, detector, tmp_path)
    camera.serve()
    patrol.run_look("cam", LookKind.RANDOM)
    assert store.get_reference("cam") is not None, "the first good look takes the reference view"
    assert _ongoing(store) == set()

    camera.serve(**breakage)  # type: ignore[arg-type]
    for _ in range(looks):
        report = patrol.run_look("cam", LookKind.RANDOM)
    assert _ongoing(store) == {expected}, report.record.detail
    # A broken picture is not judged by the person rules: no guard_absent from a dead lens.
    assert report.verdicts == ()
    [event] = store.list_events(camera_id="cam", event_type=expected)[0]
    assert event.summary and PASSWORD not in event.summary + str(event.details)
    if expected not in (EventType.CAMERA_UNREACHABLE, EventType.CAMERA_AUTH_REFUSED):
        assert event.evidence, "the faulty picture is kept as evidence"

    camera.serve()
    patrol.run_look("cam", LookKind.RANDOM)
    assert _ongoing(store) == set()
    assert store.get_event(event.id).ended_at is not None


def test_a_frozen_camera_is_found_on_its_second_look_and_stays_found(
    camera: Camera, detector, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A stuck encoder sends the same settled picture for ever: the second look finds it, and no
    later look closes the event while the picture stays stuck."""
    patrol, store = _patrol(camera, detector, tmp_path)
    camera.serve(fault=Fault.FROZEN)
    patrol.run_look("cam", LookKind.RANDOM)
    assert _ongoing(store) == set(), "one look alone cannot tell a frozen picture from a still scene"
    for look in range(2, 11):
        report = patrol.run_look("cam", LookKind.RANDOM)
        assert _ongoing(store) == {EventType.CAMERA_FROZEN}, f"look {look}: {report.record.detail}"
    [event] = store.list_events(camera_id="cam", event_type=EventType.CAMERA_FROZEN)[0]
    assert event.ongoing and event.looks == 9
