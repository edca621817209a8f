"""Rule objects for one camera, built once from its config."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from patrol.config.schema import CameraConfig, PatrolConfig
from patrol.geometry import DirectedLine, Polygon
from patrol.rules.base import Rule, RuleTiming
from patrol.rules.guard_absent import GuardAbsentRule
from patrol.rules.loitering import LoiteringRule
from patrol.rules.unregistered_entry import UnregisteredEntryRule
from patrol.windows import ActiveWindows


def build_rules(config: PatrolConfig, camera: CameraConfig) -> list[Rule]:
    timezone = ZoneInfo(config.timezone)

    def timing(window_names: tuple[str, ...]) -> RuleTiming:
        spans = [span for name in window_names for span in config.windows[name]]
        return RuleTiming(ActiveWindows.of(spans), timezone)

    def zone(name: str) -> Polygon:
        return Polygon.of(name, camera.zones[name])

    rules: list[Rule] = []
    if (guard := camera.rules.guard_absent) is not None:
        rules.append(
            GuardAbsentRule(zone(guard.zone), guard.min_persons, guard.confirm_after_s, timing(guard.windows))
        )
    if (entry := camera.rules.unregistered_entry) is not None:
        line = camera.lines[entry.line]
        rules.append(
            UnregisteredEntryRule(
                DirectedLine.of(entry.line, line.points, line.inside),
                zone(entry.desk_zone),
                entry.min_desk_dwell_s,
                entry.min_observed_s,
                entry.settle_s,
                timing(entry.windows),
            )
        )
    if (loiter := camera.rules.loitering) is not None:
        rules.append(
            LoiteringRule(
                zone(loiter.zone),
                loiter.min_dwell_s,
                loiter.confirm_after_s,
                timing(loiter.windows),
                stay_reach_heights=loiter.stay_reach_heights,
                min_similarity=loiter.min_similarity,
            )
        )
    return rules
