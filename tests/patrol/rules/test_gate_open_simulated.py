"""Gate left open over the simulator: real RTSP, the real detector, the real look and store.

Each scenario is served by the simulator's GStreamer RTSP server; the patrol's `Looker` takes
the snapshot, detects, and judges the gate against the views the scenario's administrator took
(kept in the store as the API keeps them); `Patrol.run_look` records what it finds. Looks fall
at fixed scenario seconds, a follow-up `confirm_after_s` after the first, so the test is
deterministic.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from detectors.types import PersonDetector
from patrol.cameras import build_camera
from patrol.config.schema import DetectorConfig, SamplingConfig
from patrol.eval.clock import VirtualClock
from patrol.eval.harness import (
    DEFAULT_TIMEZONE,
    SCHOOL_ID,
    scenario_config,
    scenario_start,
    start_simulator,
    take_reference_views,
)
from patrol.eval.scenario_file import parse_scenario
from patrol.look import Looker
from patrol.planner import SchoolCalendar
from patrol.records import CameraRecord, EventRecord, SchoolRecord
from patrol.runtime import Patrol
from patrol.store import Store, sqlite_url
from patrol.types import EventType, LookKind

HEAD = """
    duration_s: 120
    background: school_gate
    clock: {weekday: tue, start: "09:00"}
    windows:
      class_hours: [{start: "08:00", end: "11:30"}]
    patrol:
      max_gap_s: 60
      zones:
        gate: [[0.26, 0.36], [0.74, 0.36], [0.74, 0.92], [0.26, 0.92]]
      rules:
        gate_open: {zone: gate, windows: [class_hours], confirm_after_s: 30}
"""
VIEWS = """
    reference_views:
      closed: {gate: closed}
      open: {gate: open}
"""
OPEN_ALL_ALONG = """
    gate:
      open: [{from_s: 0, to_s: 120}]
"""
SOMEONE_IN_FRONT = """
    actors:
      - person: black_coat
        path:
          - {t: 0, x: 0.45, y: 0.97, stay_s: 120}
"""
LOOKS_AT_S = (2.0, 36.0, 70.0)  # a first look, its follow-up (a look lasts a second or two), one more


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gate-cache")


def _patrol(text: str, detector: PersonDetector, cache_dir: Path, work: Path) -> Iterator[EventRecord]:
    scenario = parse_scenario(textwrap.dedent(text), work / "gate.yaml")
    server = start_simulator({"/gate": scenario}, cache_dir)
    store = Store(sqlite_url(work), work / "evidence")
    store.create_schema()
    try:
        config = scenario_config(
            scenario,
            "gate",
            server.url("/gate"),
            timezone=DEFAULT_TIMEZONE,
            sampling=SamplingConfig(),
            detector=DetectorConfig(),
        )
        camera = build_camera(config, config.cameras[0])
        store.sync_sites(
            [SchoolRecord(SCHOOL_ID, "Evaluation")],
            [CameraRecord("gate", SCHOOL_ID, scenario.name, scenario.role, "simulator")],
        )
        start = scenario_start(scenario, DEFAULT_TIMEZONE)
        take_reference_views(scenario, "gate", store, start)
        clock = VirtualClock(start)
        calendar = SchoolCalendar.from_config(config.calendar, config.sampling, config.timezone)
        patrol = Patrol(
            [camera],
            store,
            Looker(detector, config.sampling, clock, views=store),
            clock,
            calendar=calendar,
            workers=1,
            max_per_school=1,
        )
        for index, at_s in enumerate(LOOKS_AT_S):
            clock.jump_to(at_s)
            with clock.running():
                server.seek("/gate", clock.elapsed_s)
                patrol.run_look("gate", LookKind.FOLLOW_UP if index else LookKind.RANDOM)
        records, _ = store.list_events(camera_id="gate", limit=100)
        yield from records
    finally:
        store.close()
        server.stop()


def test_an_open_gate_in_class_hours_is_one_event_after_the_follow_up(
    detector: PersonDetector, cache_dir: Path, tmp_path: Path
) -> None:
    events = list(_patrol(HEAD + VIEWS + OPEN_ALL_ALONG, detector, cache_dir, tmp_path))
    assert [event.type for event in events] == [EventType("gate_open")]
    [event] = events
    start = scenario_start(parse_scenario(textwrap.dedent(HEAD), tmp_path / "h.yaml"), DEFAULT_TIMEZONE)
    # Raised by the follow-up, not the first look; seen again by the third.
    assert 36 <= (event.first_seen - start).total_seconds() < 45
    assert event.looks == 2
    assert event.details["similarity_open"] > event.details["similarity_closed"] + 0.1
    assert event.evidence  # the picture, the closed view beside it


def test_a_closed_gate_with_someone_standing_in_front_raises_nothing(
    detector: PersonDetector, cache_dir: Path, tmp_path: Path
) -> None:
    events = list(_patrol(HEAD + VIEWS + SOMEONE_IN_FRONT, detector, cache_dir, tmp_path))
    assert events == []


def test_without_the_views_the_rule_reports_itself_unconfigured_and_never_a_finding(
    detector: PersonDetector, cache_dir: Path, tmp_path: Path
) -> None:
    events = list(_patrol(HEAD + OPEN_ALL_ALONG, detector, cache_dir, tmp_path))
    assert [event.type for event in events] == [EventType.RULE_UNCONFIGURED]
    [notice] = events
    assert notice.details["missing"] == {"gate_open": ["closed", "open"]}
    assert notice.looks == len(LOOKS_AT_S)
    assert "gate_open lacks closed, open" in notice.summary
