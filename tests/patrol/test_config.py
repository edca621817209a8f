"""Config loading: valid files load, and every problem is named by its key path and value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from patrol.config import ConfigError, load_config, parse_config

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
            "cameras -> gate-1 -> zones",
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
        "cameras -> gate-1 -> zones: " in result.stderr
        and "'desk' needs at least 3 points, got 2" in result.stderr
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
