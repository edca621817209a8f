"""A hazard cleared by the patrol's own re-inspection look, over the real RTSP simulator and detector."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest

from patrol.clock import SystemClock
from patrol.config import parse_config
from patrol.hazards import EscalationLevel, HazardRegister, HazardState
from patrol.runtime import Patrol
from patrol.store import Store
from patrol.types import EventStatus, EventType, LookKind
from tests.conftest import free_port
from tests.patrol.support import booth_camera_config, patrol_of

PASSWORD = "Planted-Hazard-Secret-4c1"


def _config(port: int) -> str:
    return booth_camera_config(
        "booth", f"rtsp://patrol:${{CAM_PW}}@127.0.0.1:{port}/s1/booth", confirm_after_s=1
    )


@pytest.mark.slow
def test_a_hazard_goes_through_every_state_and_clears_on_the_next_look_once_the_guard_is_back(
    tmp_path: Path, detector
) -> None:  # type: ignore[no-untyped-def]
    from streams.simulator import SimulatorServer

    port = free_port()

    def serve(scenario: str) -> SimulatorServer:
        server = SimulatorServer(
            {"/s1/booth": scenario},
            port=port,
            username="patrol",
            password=PASSWORD,
            cache_dir=tmp_path / "sim",
        )
        server.start()
        return server

    simulator = serve("booth_empty")
    config = parse_config(_config(port), environ={"CAM_PW": PASSWORD})
    patrol, store = patrol_of(config, detector, tmp_path)
    clock = SystemClock()
    register = HazardRegister(store)
    try:
        events = _raise_finding(patrol, store)
    except BaseException:
        simulator.stop()
        raise
    [event] = events
    # the first look suspects, a confirming look raises the finding
    store.decide(event.id, EventStatus.CONFIRMED, "门卫不在岗", clock.now())
    now = clock.now()
    hazard = register.create(
        event.id,
        level=EscalationLevel.NOTICE,
        deadline=now + timedelta(days=1),
        owner="门卫队长",
        by="boss",
        now=now,
    )
    assert store.schools_with_open_hazards() == {"s1"}
    register.advance(hazard.id, HazardState.RECTIFYING, by="boss", now=clock.now())
    # Still empty: the look sees the problem and clears nothing.
    patrol.run_look("booth", LookKind.RANDOM)
    register.advance(hazard.id, HazardState.RECTIFIED, by="boss", now=clock.now())
    assert register.get(hazard.id).state is HazardState.RECTIFIED

    # The guard is back: the same camera's path now shows a staffed booth, on the same port.
    simulator.stop()
    simulator = serve("booth_staffed")
    try:
        patrol.run_look("booth", LookKind.RANDOM)
    finally:
        simulator.stop()
    cleared = register.get(hazard.id)
    assert cleared.state is HazardState.CLEARED
    assert cleared.evidence_look_id is not None and cleared.cleared_at is not None
    assert [t.to_state for t in cleared.history] == [
        HazardState.NOTIFIED,
        HazardState.RECTIFYING,
        HazardState.RECTIFIED,
        HazardState.CLEARED,
    ]
    assert cleared.history[-1].by == "patrol"
    assert store.get_event(event.id).ended_at is not None
    assert store.schools_with_open_hazards() == set()


def _raise_finding(patrol: Patrol, store: Store) -> list:  # type: ignore[type-arg]
    """The first look suspects; a confirming look raises the finding."""
    for _ in range(4):
        patrol.run_look("booth", LookKind.FOLLOW_UP)
        events, _ = store.list_events(camera_id="booth", event_type=EventType("guard_absent"))
        if events:
            return events
        time.sleep(1.2)  # past confirm_after_s
    return []
