"""Config loading: valid files load, and every problem is named by its key path and value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from patrol.config import ConfigError, config_secrets, load_config, parse_config

REPO = Path(__file__).resolve().parents[2]
ENV = {"PATROL_CAMERA_PASSWORD": "Planted-Secret-9f3k"}

MINIMAL = {
    "windows": {"always": [{"start": "00:00", "end": "24:00"}]},
    "schools": [{"id": "s1", "name": "School 1"}],
    "cameras": [
        {
            "id": "gate-1",
            "school": "s1",
            "name": "Gate",
            "role": "booth",
            "stream": "rtsp://admin:${PATROL_CAMERA_PASSWORD}@127.0.0.1:8554/a",
            "zones": {"booth": [[0.1, 0.1], [0.9, 0.1], [0.5, 0.9]]},
            "rules": {"guard_absent": {"zone": "booth", "windows": ["always"]}},
        }
    ],
}


def _with(path: tuple[object, ...], value: object) -> str:
    data = yaml.safe_load(yaml.safe_dump(MINIMAL))
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return yaml.safe_dump(data, allow_unicode=True)


def test_the_project_config_loads() -> None:
    config = load_config(REPO / "config.yaml", environ=ENV)
    assert {c.id for c in config.cameras} >= {"xihe-booth", "xihe-gate", "xihe-street"}
    assert config.cameras[0].stream.get_secret_value().count(ENV["PATROL_CAMERA_PASSWORD"]) == 1


def test_the_project_config_has_a_county_and_a_station_per_school() -> None:
    jurisdictions = load_config(REPO / "config.yaml", environ=ENV).jurisdictions
    assert jurisdictions.county.id == "county"
    assert {school for station in jurisdictions.stations for school in station.schools} == {
        "dongcheng-primary",
        "xihe-middle",
    }
    assert all(len(station.schools) == 1 for station in jurisdictions.stations)


def test_placeholders_expand_and_secrets_stay_out_of_repr() -> None:
    config = parse_config(_with(("timezone",), "Asia/Shanghai"), environ=ENV)
    assert ENV["PATROL_CAMERA_PASSWORD"] in config.cameras[0].stream.get_secret_value()
    assert ENV["PATROL_CAMERA_PASSWORD"] not in repr(config)


def test_placeholder_defaults_apply_only_when_the_variable_is_unset() -> None:
    text = _with(("api",), {"host": "${PATROL_API_HOST:-127.0.0.1}"})
    assert parse_config(text, environ=ENV).api.host == "127.0.0.1"
    assert parse_config(text, environ={**ENV, "PATROL_API_HOST": "0.0.0.0"}).api.host == "0.0.0.0"


@pytest.mark.parametrize(
    ("text", "expected_path", "expected_words"),
    [
        (_with(("cameras", 0, "colour"), "red"), "cameras -> gate-1 -> colour", "unknown key"),
        (
            _with(("cameras", 0, "zones", "booth"), [[0.1, 0.1], [0.5, 0.5]]),
            "cameras -> gate-1 -> zones -> booth",
            "at least 3 points",
        ),
        (
            _with(("cameras", 0, "zones", "booth"), [[0.1, 0.1], [1.5, 0.5], [0.2, 0.9]]),
            "cameras -> gate-1 -> zones -> booth -> [1] -> [0]",
            "less than or equal to 1",
        ),
        (
            _with(("cameras", 0, "rules", "guard_absent", "zone"), "desk"),
            "cameras -> gate-1 -> rules -> guard_absent -> zone",
            "no zone",
        ),
        (
            _with(("cameras", 0, "rules", "guard_absent", "windows"), ["night"]),
            "cameras -> gate-1 -> rules -> guard_absent -> windows -> [0]",
            "no window",
        ),
        (_with(("cameras", 0, "school"), "s9"), "cameras -> gate-1 -> school", "no school"),
        (
            _with(("windows", "always", 0, "end"), "25:00"),
            "windows -> always -> [0] -> end",
            "expected a time of day as HH:MM",
        ),
        (_with(("sampling",), {"workers": 0}), "sampling -> workers", "greater than or equal to 1"),
        (
            _with(("detector",), {"backend": "tflite"}),
            "detector -> backend",
            "unknown detector backend 'tflite'",
        ),
        (_with(("detector",), {"half": True, "int8": True}), "detector", "half and int8 exclude each other"),
        (_with(("detector",), {"batch": 0}), "detector -> batch", "greater than or equal to 1"),
        (_with(("cameras", 0, "role"), "roof"), "cameras -> gate-1 -> role", "Input should be"),
        (
            _with(("cameras", 0, "stream"), "rtsp://a:${NOT_SET_ANYWHERE}@h/x"),
            "cameras -> gate-1 -> stream",
            "NOT_SET_ANYWHERE is not set",
        ),
        (
            _with(("simulator",), {"password": "x", "paths": {"/a": "no_such_scene"}}),
            "simulator -> paths -> /a",
            "unknown scenario",
        ),
        (
            _with(("jurisdictions",), {"stations": [{"id": "ps1", "name": "P1", "schools": ["s9"]}]}),
            "jurisdictions -> stations -> ps1 -> schools -> [0]",
            "no school with this id",
        ),
        (
            _with(("jurisdictions",), {"stations": [{"id": "ps1", "name": "P1", "schools": []}]}),
            "jurisdictions -> stations -> ps1 -> schools",
            "at least 1 item",
        ),
        (
            _with(
                ("jurisdictions",),
                {
                    "stations": [
                        {"id": "ps1", "name": "P1", "schools": ["s1"]},
                        {"id": "ps2", "name": "P2", "schools": ["s1"]},
                    ]
                },
            ),
            "jurisdictions -> stations -> ps2 -> schools -> [0]",
            "already covered by station 'ps1'",
        ),
        (
            _with(
                ("jurisdictions",),
                {
                    "stations": [
                        {"id": "ps1", "name": "P1", "schools": ["s1"]},
                        {"id": "ps1", "name": "P1 again", "schools": ["s1"]},
                    ]
                },
            ),
            "jurisdictions -> stations -> ps1 -> id",
            "duplicate id",
        ),
        (
            _with(("jurisdictions",), {"stations": [{"id": "county", "name": "P", "schools": ["s1"]}]}),
            "jurisdictions -> stations -> county -> id",
            "same id as the county",
        ),
        (
            _with(("jurisdictions",), {"county": {"id": "c", "name": "C", "seat": "x"}}),
            "jurisdictions -> county -> seat",
            "unknown key",
        ),
        (_with(("api",), {"max_body_bytes": 10}), "api -> max_body_bytes", "greater than or equal to 1024"),
        (
            _with(("api",), {"live_feeds_per_user": 0}),
            "api -> live_feeds_per_user",
            "greater than or equal to 1",
        ),
        (
            _with(
                ("templates",), {"gate": {"rules": {"loitering": {"zone": "outside", "windows": ["always"]}}}}
            ),
            "templates -> gate -> rules -> loitering -> zone",
            "no zone",
        ),
        (_with(("templates",), {"Gate 1": {}}), "templates -> Gate 1 -> [key]", "should match pattern"),
        (
            _with(("simulator",), {"password": "x", "paths": {"/a": "booth_staffed"}, "onvif_port": 8554}),
            "simulator",
            "take the RTSP port 8554",
        ),
        (
            _with(
                ("simulator",),
                {"password": "x", "paths": {"/a": "booth_staffed", "/b": "booth_empty"}, "onvif_port": 65535},
            ),
            "simulator",
            "leaves no port for path 2",
        ),
        ("cameras: [unclosed", "", "not valid YAML"),
        ("- just\n- a list\n", "", "mapping of sections"),
    ],
)
def test_each_problem_is_named_by_key_path(text: str, expected_path: str, expected_words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, environ=ENV)
    rendered = [str(issue) for issue in caught.value.issues]
    matching = [line for line in rendered if line.startswith(f"{expected_path or '(top level)'}:")]
    assert matching, rendered
    assert any(expected_words in line for line in matching), rendered
    assert ENV["PATROL_CAMERA_PASSWORD"] not in str(caught.value)


def _calendar(**windows: object) -> dict[str, object]:
    """A calendar with one timetable `t` of the given windows."""
    return {"default_timetable": "t", "timetables": {"t": {"windows": windows}}}


def _window(start: str, end: str, days: list[str] | None = None, **roles: object) -> dict[str, object]:
    span: dict[str, object] = {"start": start, "end": end}
    if days is not None:
        span["days"] = days
    return {"spans": [span], "roles": roles or {"booth": {"weight": 4, "max_gap_s": 900}}}


CALENDAR_PROBLEMS = [
    pytest.param(
        _with(("calendar",), _calendar(a=_window("07:00", "08:30"), b=_window("08:00", "09:00"))),
        "calendar -> timetables -> t",
        "windows 'a' and 'b' overlap on mon at 08:00",
        id="overlapping windows",
    ),
    pytest.param(
        _with(
            ("calendar",),
            _calendar(a=_window("22:00", "02:00", ["fri"]), b=_window("01:00", "03:00", ["sat"])),
        ),
        "calendar -> timetables -> t",
        "overlap on sat at 01:00",
        id="a span across midnight overlaps the next day",
    ),
    pytest.param(
        _with(("calendar",), _calendar(a=_window("08:00", "08:00"))),
        "calendar -> timetables -> t",
        "is empty",
        id="empty span",
    ),
    pytest.param(
        _with(("calendar",), _calendar(a=_window("08:00", "09:00", booth={"weight": 0}))),
        "calendar -> timetables -> t -> windows -> a -> roles -> booth -> weight",
        "greater than 0",
        id="weight 0",
    ),
    pytest.param(
        _with(("calendar",), _calendar(a=_window("08:00", "09:00", booth={"weight": 1, "max_gap_s": 5}))),
        "calendar -> timetables -> t -> windows -> a -> roles -> booth -> max_gap_s",
        "greater than or equal to 10",
        id="gap too short",
    ),
    pytest.param(
        _with(("calendar",), _calendar(a=_window("08:00", "09:00", roof={"weight": 1}))),
        "calendar -> timetables -> t -> windows -> a -> roles -> roof -> [key]",
        "Input should be",
        id="unknown role",
    ),
    pytest.param(
        _with(("calendar",), {**_calendar(a=_window("08:00", "09:00")), "default_timetable": "weekday"}),
        "calendar -> default_timetable",
        "no timetable with this name",
        id="unknown default timetable",
    ),
    pytest.param(
        _with(("schools", 0, "timetable"), "boarding"),
        "schools -> s1 -> timetable",
        "no timetable with this name under calendar -> timetables (got 'boarding')",
        id="unknown school timetable",
    ),
    pytest.param(
        _with(("calendar",), {"holidays": [{"start": "2026-05-05", "end": "2026-05-01"}]}),
        "calendar -> holidays -> [0]",
        "end 2026-05-01 is before start 2026-05-05",
        id="holiday ending before it starts",
    ),
    pytest.param(
        _with(("calendar",), {"terms": [{"start": "2026-09-31"}]}),
        "calendar -> terms -> [0] -> start",
        "date",
        id="no such date",
    ),
    pytest.param(
        _with(("sampling",), {"on_demand_within_s": 5}),
        "sampling -> on_demand_within_s",
        "greater than or equal to 10",
        id="on-demand bound too short",
    ),
]


@pytest.mark.parametrize(("text", "expected_path", "expected_words"), CALENDAR_PROBLEMS)
def test_calendar_problems_are_named_by_key_path(text: str, expected_path: str, expected_words: str) -> None:
    test_each_problem_is_named_by_key_path(text, expected_path, expected_words)


def test_a_config_without_a_calendar_gets_the_built_in_school_day() -> None:
    config = parse_config(yaml.safe_dump(MINIMAL), environ=ENV)
    assert config.calendar.default_timetable == "school_day"
    windows = config.calendar.timetables["school_day"].windows
    assert {"arrival_peak", "class_hours", "lunch", "dismissal_peak", "evening", "night"} == set(windows)
    assert windows["arrival_peak"].peak and not windows["class_hours"].peak
    assert config.calendar.terms == () and config.calendar.holidays == ()


def test_schools_may_share_a_named_timetable() -> None:
    data = yaml.safe_load(_with(("calendar",), _calendar(a=_window("08:00", "09:00"))))
    data["calendar"]["timetables"]["boarding"] = {"windows": {"all": _window("00:00", "24:00")}}
    data["schools"] = [
        {"id": "s1", "name": "One", "timetable": "boarding"},
        {"id": "s2", "name": "Two", "timetable": "boarding"},
        {"id": "s3", "name": "Three"},
    ]
    config = parse_config(yaml.safe_dump(data), environ=ENV)
    assert [school.timetable for school in config.schools] == ["boarding", "boarding", None]


def test_the_demo_config_looks_around_the_clock_at_most_90_s_apart() -> None:
    config = load_config(REPO / "config.yaml", environ=ENV)
    timetable = config.calendar.timetables[config.calendar.default_timetable]
    [window] = timetable.windows.values()
    [span] = window.spans
    assert (span.start, span.end, len(span.days)) == ("00:00", "24:00", 7)
    assert {role.max_gap_s for role in window.roles.values()} == {90}
    assert len(window.roles) == 4


def test_validate_config_reports_all_three_problems_and_fails(tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(MINIMAL))
    camera = data["cameras"][0]
    camera["colour"] = "red"  # unknown key
    camera["zones"]["desk"] = [[0.1, 0.1], [0.2, 0.2]]  # a polygon with two points
    camera["rules"]["guard_absent"]["zone"] = "lobby"  # a zone that does not exist
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "patrol.cli", "validate-config", str(path)],
        capture_output=True,
        text=True,
        env={**ENV, "PATH": "/usr/bin:/bin"},
        cwd=REPO,
        timeout=60,
    )

    assert result.returncode != 0
    assert "cameras -> gate-1 -> colour: unknown key (got 'red')" in result.stderr
    assert (
        "cameras -> gate-1 -> zones -> desk: " in result.stderr
        and "needs at least 3 points, got 2" in result.stderr
    )
    assert (
        "cameras -> gate-1 -> rules -> guard_absent -> zone: no zone of this camera has this name (got 'lobby')"
        in result.stderr
    )
    assert ENV["PATROL_CAMERA_PASSWORD"] not in result.stderr + result.stdout


def test_validate_config_accepts_the_project_config() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "patrol.cli", "validate-config", "config.yaml"],
        capture_output=True,
        text=True,
        env={**ENV, "PATH": "/usr/bin:/bin"},
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "OK (2 schools, 6 cameras)" in result.stdout


def test_the_secrets_are_what_the_environment_put_into_secret_fields() -> None:
    data = yaml.safe_load(_with(("timezone",), "Asia/Shanghai"))
    data["cameras"][0]["stream"] = "rtsp://${CAM_HOST}:${CAM_PORT}/user=admin&password=${CAM_PW}&channel=1"
    data["schools"][0]["name"] = "${SCHOOL_NAME}"
    data["notify"] = {
        "mqtt": {"password": "${MQTT_PW}"},
        "webhooks": [{"url": "https://h/x", "secret_header": "X-Key", "secret": "literal-hook-key"}],
    }
    environ = {
        "CAM_HOST": "10.20.1.11",
        "CAM_PORT": "554",
        "CAM_PW": "path-Pw-1",
        "SCHOOL_NAME": "北关小学",
        "MQTT_PW": "mqtt-Pw-2",
    }
    config = parse_config(yaml.safe_dump(data, allow_unicode=True), environ=environ)
    secrets = config_secrets(config)
    # In secret fields: the stream's password (by its shape and by value), its host (a ${VAR} in a
    # secret field), the MQTT password and the webhook's key. Not the school's name (no secret
    # field), nor the port (too short to mask by value without masking every such number).
    assert secrets.values >= {"path-Pw-1", "10.20.1.11", "mqtt-Pw-2", "literal-hook-key"}
    assert not secrets.values & {"北关小学", "554"}
    assert secrets.mask("x path-Pw-1 y mqtt-Pw-2 z 554") == "x *** y *** z 554"
