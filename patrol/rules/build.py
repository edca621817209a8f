"""Rule objects for one camera, built once from its config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from patrol.geometry import DirectedLine, Polygon
from patrol.rules.base import Rule, RuleTiming

if TYPE_CHECKING:
    # Types only: the config reads the rule registry, which imports every module of this package.
    from patrol.config.schema import CameraConfig, PatrolConfig


@dataclass(frozen=True)
class _CameraContext:
    """A camera's zones, lines and the config's windows, as its rules are built from them."""

    config: PatrolConfig
    camera: CameraConfig

    def zone(self, name: str) -> Polygon:
        return Polygon.of(name, self.camera.zones[name])

    def line(self, name: str) -> DirectedLine:
        line = self.camera.lines[name]
        return DirectedLine.of(name, line.points, line.inside)

    def timing(self, windows: tuple[str, ...]) -> RuleTiming:
        from patrol.windows import ActiveWindows  # see the note on the config's import above

        spans = [span for name in windows for span in self.config.windows[name]]
        return RuleTiming(ActiveWindows.of(spans), ZoneInfo(self.config.timezone))


def build_rules(config: PatrolConfig, camera: CameraConfig) -> list[Rule]:
    context = _CameraContext(config, camera)
    return [spec.build(rule_config, context) for spec, rule_config in camera.rules.configured()]
