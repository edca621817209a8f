"""Cross-reference checks: names used in one place must be defined in another.

They read the file as written, not the validated tree, so they still report when other
parts of the file are malformed: a user fixing a config sees every problem at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator
from typing import Any

from patrol.config.issues import ConfigIssue, key_path
from patrol.rules.registry import RULES

# rule -> (key, where the name must be defined on the camera), as each rule's config declares it
_RULE_REFERENCES = {spec.name: spec.references() for spec in RULES}


def cross_reference_issues(raw: dict[str, Any]) -> list[ConfigIssue]:
    return [
        *duplicate_ids(raw, "schools"),
        *duplicate_ids(raw, "cameras"),
        *camera_schools_exist(raw),
        *rule_names_defined(raw),
        *template_names_defined(raw),
        *simulator_scenarios_exist(raw),
        *jurisdiction_issues(raw),
        *timetables_defined(raw),
    ]


def _items(raw: dict[str, Any], section: str) -> list[tuple[int, dict[str, Any]]]:
    items = raw.get(section)
    if not isinstance(items, list):
        return []
    return [(index, item) for index, item in enumerate(items) if isinstance(item, dict)]


def _mapping(node: Any) -> dict[str, Any]:
    return node if isinstance(node, dict) else {}


def duplicate_ids(raw: dict[str, Any], section: str) -> Iterator[ConfigIssue]:
    counts = Counter(item.get("id") for _, item in _items(raw, section))
    for index, item in _items(raw, section):
        if counts[item.get("id")] > 1:
            yield ConfigIssue(key_path((section, index, "id"), raw), "duplicate id", item["id"], True)


def camera_schools_exist(raw: dict[str, Any]) -> Iterator[ConfigIssue]:
    school_ids = {item.get("id") for _, item in _items(raw, "schools")}
    for index, camera in _items(raw, "cameras"):
        if "school" in camera and camera["school"] not in school_ids:
            path = key_path(("cameras", index, "school"), raw)
            yield ConfigIssue(path, "no school with this id", camera["school"], True)


def rule_names_defined(raw: dict[str, Any]) -> Iterator[ConfigIssue]:
    windows = _mapping(raw.get("windows"))
    for index, camera in _items(raw, "cameras"):
        yield from camera_names_defined(camera, ("cameras", index), raw, windows)


def template_names_defined(raw: dict[str, Any]) -> Iterator[ConfigIssue]:
    """A template's rules name its own zones and lines, and windows that exist, as a camera's do."""
    windows = _mapping(raw.get("windows"))
    for name, template in _mapping(raw.get("templates")).items():
        yield from camera_names_defined(template, ("templates", name), raw, windows)


def camera_names_defined(
    camera: Any, loc: tuple[Any, ...], root: Any, windows: Collection[str]
) -> Iterator[ConfigIssue]:
    """A camera's rules name zones and lines of that camera and windows that exist.

    ``camera`` is the camera's mapping as written, found at ``loc`` under ``root``.
    """
    camera = _mapping(camera)
    for rule_name, rule in _mapping(camera.get("rules")).items():
        rule = _mapping(rule)
        for key, defined_in in _RULE_REFERENCES.get(rule_name, ()):
            name = rule.get(key)
            if isinstance(name, str) and name not in _mapping(camera.get(defined_in)):
                where = (*loc, "rules", rule_name, key)
                noun = "zone" if defined_in == "zones" else "line"
                message = f"no {noun} of this camera has this name"
                yield ConfigIssue(key_path(where, root), message, name, True, where)
        rule_windows = rule.get("windows")
        for position, window in enumerate(rule_windows if isinstance(rule_windows, list) else []):
            if isinstance(window, str) and window not in windows:
                where = (*loc, "rules", rule_name, "windows", position)
                message = "no window with this name under windows"
                yield ConfigIssue(key_path(where, root), message, window, True, where)


def simulator_scenarios_exist(raw: dict[str, Any]) -> Iterator[ConfigIssue]:
    paths = _mapping(_mapping(raw.get("simulator")).get("paths"))
    if not paths:
        return
    # Imported here: the simulator matters only to configs that use it.
    from streams.simulator.scenarios import SCENARIOS

    for path, scenario in paths.items():
        if scenario not in SCENARIOS:
            message = f"unknown scenario; known: {', '.join(sorted(SCENARIOS))}"
            yield ConfigIssue(key_path(("simulator", "paths", path), raw), message, scenario, True)


def jurisdiction_issues(raw: dict[str, Any]) -> Iterator[ConfigIssue]:
    """Station ids are unique and differ from the county's; each school belongs to at most one station."""
    jurisdictions = _mapping(raw.get("jurisdictions"))
    county_id = _mapping(jurisdictions.get("county")).get("id", "county")
    school_ids = {item.get("id") for _, item in _items(raw, "schools")}
    stations = _items(jurisdictions, "stations")
    counts = Counter(station.get("id") for _, station in stations)
    claimed: dict[str, Any] = {}
    for index, station in stations:
        where = ("jurisdictions", "stations", index)
        station_id = station.get("id")
        if counts[station_id] > 1:
            yield ConfigIssue(key_path((*where, "id"), raw), "duplicate id", station_id, True)
        elif station_id == county_id:
            yield ConfigIssue(key_path((*where, "id"), raw), "same id as the county", station_id, True)
        schools = station.get("schools")
        for position, school in enumerate(schools if isinstance(schools, list) else []):
            path = key_path((*where, "schools", position), raw)
            if school not in school_ids:
                yield ConfigIssue(path, "no school with this id", school, True)
            elif school in claimed and claimed[school] != station_id:
                yield ConfigIssue(path, f"already covered by station {claimed[school]!r}", school, True)
            else:
                claimed[school] = station_id


def timetables_defined(raw: dict[str, Any]) -> Iterator[ConfigIssue]:
    calendar = _mapping(raw.get("calendar"))
    if "timetables" in calendar:
        names = set(_mapping(calendar.get("timetables")))
    else:
        from patrol.config.schema import default_calendar

        names = set(default_calendar().timetables)
    default = calendar.get("default_timetable", "school_day")
    # The default matters only when some school relies on it.
    relies = any(not isinstance(school.get("timetable"), str) for _, school in _items(raw, "schools"))
    if isinstance(default, str) and default not in names and (relies or "default_timetable" in calendar):
        path = key_path(("calendar", "default_timetable"), raw)
        yield ConfigIssue(path, "no timetable with this name under calendar -> timetables", default, True)
    for index, school in _items(raw, "schools"):
        name = school.get("timetable")
        if isinstance(name, str) and name not in names:
            path = key_path(("schools", index, "timetable"), raw)
            yield ConfigIssue(path, "no timetable with this name under calendar -> timetables", name, True)
