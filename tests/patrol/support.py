"""A patrol over real cameras as the tests build it: config text in, a stored, running Patrol out."""

from __future__ import annotations

from pathlib import Path

import yaml

from patrol.cameras import build_sites
from patrol.clock import SystemClock
from patrol.config import PatrolConfig
from patrol.look import Looker
from patrol.metrics import PatrolMetrics
from patrol.planner import SchoolCalendar
from patrol.runtime import Patrol
from patrol.store import Store, sqlite_url
from patrol.types import CameraRole


def around_the_clock(*, max_gap_s: float, looks_per_hour: float) -> dict[str, object]:
    """A calendar with one window all day, every day, the same for every camera role."""
    return {
        "default_timetable": "always",
        "timetables": {
            "always": {
                "windows": {
                    "all_day": {
                        "spans": [{"start": "00:00", "end": "24:00"}],
                        "roles": {
                            role.value: {"weight": looks_per_hour, "max_gap_s": max_gap_s}
                            for role in CameraRole
                        },
                    }
                }
            }
        },
    }


# Looks at any hour of any day, so the tests do not depend on when they run.
AROUND_THE_CLOCK = around_the_clock(max_gap_s=600, looks_per_hour=60)


def patrol_of(  # type: ignore[no-untyped-def]
    config: PatrolConfig, detector, tmp_path: Path, metrics: PatrolMetrics | None = None
) -> tuple[Patrol, Store]:
    """The real Patrol over a fresh SQLite store, wired as `patrol run` wires it."""
    store = Store(sqlite_url(tmp_path), tmp_path / "evidence")
    store.create_schema()
    schools, cameras = build_sites(config)
    store.sync_sites(schools, [camera.record() for camera in cameras])
    clock = SystemClock()
    patrol = Patrol(
        cameras,
        store,
        Looker(metrics.timed(detector) if metrics else detector, config.sampling, clock, references=store),
        clock,
        calendar=SchoolCalendar.from_config(config.calendar, config.sampling, config.timezone),
        workers=config.sampling.workers,
        max_per_school=config.sampling.max_streams_per_school,
        metrics=metrics,
    )
    return patrol, store


def booth_camera_config(camera_id: str, stream: str, *, confirm_after_s: float) -> str:
    """One school with one guard-booth camera, its stream's password in ${CAM_PW}."""
    return yaml.safe_dump(
        {
            "windows": {"always": [{"start": "00:00", "end": "24:00"}]},
            "calendar": AROUND_THE_CLOCK,
            "sampling": {"workers": 1, "max_streams_per_school": 1, "open_timeout_s": 5.0},
            "schools": [{"id": "s1", "name": "一中"}],
            "cameras": [
                {
                    "id": camera_id,
                    "school": "s1",
                    "name": "门卫室",
                    "role": "booth",
                    "stream": stream,
                    "zones": {"booth": [[0.3, 0.15], [0.7, 0.15], [0.7, 0.95], [0.3, 0.95]]},
                    "rules": {
                        "guard_absent": {
                            "zone": "booth",
                            "confirm_after_s": confirm_after_s,
                            "windows": ["always"],
                        }
                    },
                }
            ],
        },
        allow_unicode=True,
    )


# The largest maximum gap the config allows: a patrol that keeps it looks every few seconds.
MAX_GAP_S = 10


def often_looked_at(port: int) -> str:
    """One booth camera looked at about as often as a look takes."""
    return yaml.safe_dump(
        {
            "windows": {"always": [{"start": "00:00", "end": "24:00"}]},
            "calendar": around_the_clock(max_gap_s=MAX_GAP_S, looks_per_hour=3600),
            "sampling": {"workers": 1, "max_streams_per_school": 1, "open_timeout_s": 5.0},
            "schools": [{"id": "s1", "name": "一中"}],
            "cameras": [
                {
                    "id": "booth",
                    "school": "s1",
                    "name": "门卫室",
                    "role": "booth",
                    "stream": f"rtsp://patrol:${{CAM_PW}}@127.0.0.1:{port}/s1/booth",
                    "zones": {"booth": [[0.3, 0.15], [0.7, 0.15], [0.7, 0.95], [0.3, 0.95]]},
                    "rules": {
                        "guard_absent": {"zone": "booth", "confirm_after_s": 60, "windows": ["always"]}
                    },
                }
            ],
        },
        allow_unicode=True,
    )
