"""The demo county of config.yaml in a store, and findings with real evidence pictures: the
simulator's scenes, the people in them boxed, zones and lines drawn by patrol.evidence."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from detectors.types import Detections
from patrol.cameras import PatrolCamera, build_sites
from patrol.config import PatrolConfig, load_config
from patrol.evidence import evidence_jpeg
from patrol.records import Finding
from patrol.rules import Look, ObservedFrame, Verdict, VerdictState
from patrol.store import Store
from patrol.types import EventType
from streams.simulator.scenarios import SCENARIOS, people_at, render
from tests.conftest import REPO

# The rules write local clock times of the config's zone (Asia/Shanghai) in their summaries.
ZONE = ZoneInfo("Asia/Shanghai")
MODEL = ("person-fall-v8", "5f6f620d0fa574ed80d8348bb8d46060148eb0ba24e3eea00d31a30cdadba41d")


def county_config() -> PatrolConfig:
    return load_config(REPO / "config.yaml", environ={"PATROL_CAMERA_PASSWORD": "Scene-Secret-5k2"})


def county_site(store: Store) -> dict[str, PatrolCamera]:
    schools, cameras = build_sites(county_config())
    store.sync_sites(schools, [camera.record() for camera in cameras])
    return {camera.id: camera for camera in cameras}


def _evidence(camera: PatrolCamera, kind: EventType, scenario: str, t: float, seen_at: datetime) -> bytes:
    people = people_at(SCENARIOS[scenario], t)
    boxes = np.asarray(
        [(p.x - p.height * 0.2, p.y - p.height, p.x + p.height * 0.2, p.y) for p in people], np.float32
    ).reshape(-1, 4)
    detections = Detections(
        np.clip(boxes, 0, 1),
        np.full(len(people), 0.9, np.float32),
        np.zeros(len(people), np.int32),
        np.arange(1, len(people) + 1, dtype=np.int32),
    )
    look = Look(camera.id, seen_at, (ObservedFrame(0.0, detections),))
    verdict = Verdict(kind, VerdictState.FINDING, tracks=tuple(range(1, len(people) + 1)))
    caption = f"{camera.id} {kind} {seen_at:%Y-%m-%d %H:%M:%S} UTC"
    return evidence_jpeg(render(SCENARIOS[scenario], t), look, verdict, camera.drawing, caption)


def guard_absent(camera: PatrolCamera, seen_at: datetime) -> Finding:
    first = seen_at - timedelta(seconds=30)
    details = {
        "zone": "booth",
        "persons_in_zone": 0,
        "min_persons": 1,
        "confirm_after_s": 30.0,
        "first_short_at": first.isoformat(),
        "model": MODEL[0],
    }
    summary = f"booth empty at {first.astimezone(ZONE):%H:%M} and again at {seen_at.astimezone(ZONE):%H:%M}; required 1 person, saw 0"
    jpeg = _evidence(camera, EventType("guard_absent"), "booth_empty", 2.0, seen_at)
    return Finding(camera.id, EventType("guard_absent"), seen_at, summary, details, jpeg, *MODEL)


def walk_in(camera: PatrolCamera, seen_at: datetime) -> Finding:
    details = {
        "line": "gate",
        "desk_zone": "desk",
        "min_desk_dwell_s": 3.0,
        "entries": [{"track": 1, "at": seen_at.isoformat(), "desk_dwell_s": 0.5}],
        "model": MODEL[0],
    }
    summary = f"1 person(s) entered at {seen_at.astimezone(ZONE):%H:%M:%S} without registering: stopped 0.5 s at the desk, required 3 s"
    jpeg = _evidence(camera, EventType("unregistered_entry"), "gate_walk_in", 6.0, seen_at)
    return Finding(camera.id, EventType("unregistered_entry"), seen_at, summary, details, jpeg, *MODEL)


def loitering(camera: PatrolCamera, seen_at: datetime) -> Finding:
    suspected = seen_at - timedelta(seconds=30)
    details = {
        "zone": "outside",
        "first_stay_s": 11.0,
        "follow_up_stay_s": 9.0,
        "similarity": 0.991,
        "min_similarity": 0.97,
        "min_dwell_s": 8.0,
        "confirm_after_s": 30.0,
        "suspected_at": suspected.isoformat(),
        "model": MODEL[0],
    }
    summary = (
        f"someone stayed 11 s in the outside zone at {suspected.astimezone(ZONE):%H:%M:%S}; the same person "
        f"(appearance similarity 0.991) stayed 9 s again at {seen_at.astimezone(ZONE):%H:%M:%S} "
        "(a stay counts from 8 s)"
    )
    jpeg = _evidence(camera, EventType("loitering"), "outside_loiter", 7.0, seen_at)
    return Finding(camera.id, EventType("loitering"), seen_at, summary, details, jpeg, *MODEL)


def unreachable(camera: PatrolCamera, seen_at: datetime) -> Finding:
    reason = f"{camera.record().stream_redacted}: no answer within 8 s"
    details = {"outcome": "unreachable", "reason": reason, "waited_s": 8.0}
    return Finding(
        camera.id, EventType.CAMERA_UNREACHABLE, seen_at, f"camera could not be looked at: {reason}", details
    )
