"""A scenario as one camera of the simulated county that `patrol eval --together` patrols."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from patrol.cameras import PatrolCamera, build_camera
from patrol.eval.harness import EvalSettings, scenario_config, scenario_start
from patrol.eval.scenario_file import EvalScenario
from patrol.look import CameraLooker, LookReport
from patrol.types import LookKind


@dataclass(frozen=True)
class CountyCamera:
    camera_id: str  # also its school's id: each scenario is a school of its own
    scenario: EvalScenario
    stream: str  # with the simulator's credentials

    def patrol_camera(self, settings: EvalSettings) -> PatrolCamera:
        config = scenario_config(
            self.scenario,
            self.camera_id,
            self.stream,
            timezone=settings.timezone,
            sampling=settings.sampling,
            detector=settings.detector,
            school_id=self.camera_id,
        )
        return build_camera(config, config.cameras[0], timetable=self.camera_id)

    def start(self, settings: EvalSettings) -> datetime:
        """Scenario second 0: its weekday and time of day, which its rules' windows read."""
        return scenario_start(self.scenario, settings.timezone)


class LookerPerCamera:
    """Each camera looked at with its own looker (each on its scenario's clock)."""

    def __init__(self, lookers: Mapping[str, CameraLooker]) -> None:
        self._lookers = lookers

    def look(self, camera: PatrolCamera, kind: LookKind) -> LookReport:
        return self._lookers[camera.id].look(camera, kind)
