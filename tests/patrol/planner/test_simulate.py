"""`patrol plan simulate`: the real planner over a simulated county, judged from its visit log.

A county of 20 schools and 400 cameras keeps the test fast; `--capacity 10` is enough for it
with this seed, and half of it is not. The county of 153 schools is run by hand (README).
"""

from __future__ import annotations

import json
import random

import pytest

from patrol.cli import main
from patrol.planner.simulate import build_county
from patrol.types import CameraRole

ENOUGH = 10
COUNTY = [
    "--schools",
    "20",
    "--cameras",
    "400",
    "--hours",
    "24",
    "--seed",
    "5",
    "--start",
    "2026-03-02T00:00",
]


def _simulate(capsys: pytest.CaptureFixture[str], capacity: int, *extra: str) -> dict:  # type: ignore[type-arg]
    assert main(["plan", "simulate", *COUNTY, "--capacity", str(capacity), "--json", *extra]) == 0
    return dict(json.loads(capsys.readouterr().out))


@pytest.fixture(scope="module")
def enough() -> dict:  # type: ignore[type-arg]
    return _run(ENOUGH)


@pytest.fixture(scope="module")
def half() -> dict:  # type: ignore[type-arg]
    return _run(ENOUGH // 2)


def _run(capacity: int) -> dict:  # type: ignore[type-arg]
    # Module-scoped fixtures cannot use capsys; the command prints through this stand-in stdout.
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["plan", "simulate", *COUNTY, "--capacity", str(capacity), "--json"]) == 0
    return dict(json.loads(out.getvalue()))


def test_the_json_has_every_figure(enough: dict) -> None:  # type: ignore[type-arg]
    for key in (
        "coverage",
        "worst_gap_ratio",
        "peak_school_concurrency",
        "utilisation",
        "shortfall",
        "max_concurrent_per_camera",
        "unpredictability",
        "by_class",
    ):
        assert key in enough, key
    assert set(enough["by_class"]) == {"booth_gate_peak", "other"}
    assert {"ks_statistic", "ks_pvalue", "lag1_autocorrelation", "periodicity"} <= set(
        enough["unpredictability"]
    )
    assert enough["start"].startswith("2026-03-02T00:00:00+08:00")
    assert (enough["schools"], enough["cameras"]) == (20, 400)


def test_enough_capacity_covers_every_window_within_every_limit(enough: dict) -> None:  # type: ignore[type-arg]
    assert enough["coverage"] == 1.0
    assert enough["worst_gap_ratio"] <= 1.0
    assert enough["max_concurrent_per_camera"] == 1
    assert enough["peak_school_concurrency"] <= 2
    assert enough["peak_concurrency"] <= ENOUGH
    assert enough["shortfall"]["reported"] is False
    assert enough["shortfall"]["random_looks_shed"] == 0
    assert enough["follow_ups"]["requested"] > 0 and enough["follow_ups"]["early"] == 0
    assert 0 < enough["utilisation"] < 1


def test_half_the_capacity_reports_the_shortfall_and_keeps_booths_and_gates_in_peaks(half: dict) -> None:  # type: ignore[type-arg]
    shortfall = half["shortfall"]
    assert shortfall["reported"] is True
    assert shortfall["random_looks_shed"] > 0.05 * shortfall["random_looks_wanted"]
    assert shortfall["peak_demand_workers"] > ENOUGH // 2
    key = half["by_class"]["booth_gate_peak"]
    assert key["camera_windows"] > 0 and key["coverage"] == 1.0 and key["worst_gap_ratio"] <= 1.0
    assert half["max_concurrent_per_camera"] == 1
    assert half["peak_school_concurrency"] <= 2
    assert half["peak_concurrency"] <= ENOUGH // 2


@pytest.mark.parametrize("name", ["enough", "half"])
def test_visit_times_fit_the_model_with_or_without_a_shortfall(
    name: str, request: pytest.FixtureRequest
) -> None:
    figures = request.getfixturevalue(name)["unpredictability"]
    assert figures["gaps"] > 10_000
    assert figures["ks_statistic"] < 0.02
    assert figures["ks_pvalue"] > 0.001
    assert abs(figures["lag1_autocorrelation"]) < 0.03
    assert figures["next_gap_given_previous_pvalue"] > 0.001
    assert figures["periodicity"]["rescaled_gap_cv"] == pytest.approx(1.0, abs=0.05)
    assert figures["periodicity"]["phase_rayleigh_pvalue"] > 0.001


def test_the_human_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["plan", "simulate", "--schools", "3", "--cameras", "30", "--hours", "2", "--capacity", "1"])
        == 0
    )
    text = capsys.readouterr().out
    assert "3 schools, 30 cameras, 2 h" in text and "coverage:" in text and "unpredictability" in text


def _run_with(*extra: str) -> dict:  # type: ignore[type-arg]
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["plan", "simulate", *COUNTY, "--capacity", str(ENOUGH), "--json", *extra]) == 0
    return dict(json.loads(out.getvalue()))


@pytest.fixture(scope="module")
def fewest() -> dict:  # type: ignore[type-arg]
    return _run_with("--detector-fps", "5")


def test_the_detector_sets_the_machines_a_county_needs(fewest: dict) -> None:  # type: ignore[type-arg]
    needed = fewest["machines_needed"]
    assert needed is not None and 1 < needed <= ENOUGH, fewest["machines_tried"]
    assert fewest["shortfall"]["reported"] is False and fewest["coverage"] == 1.0
    assert fewest["detector"]["machines"] == needed
    assert 0 < fewest["detector"]["utilisation"] < 1
    # One machine fewer is short: its detectors stretch the looks and the planner sheds.
    short = _run_with("--detector-fps", "5", "--machines", str(needed - 1))
    assert short["shortfall"]["reported"] is True
    assert short["detector"]["clip_look_stretch"]["p95"] > fewest["detector"]["clip_look_stretch"]["p95"]


def test_a_fast_detector_leaves_the_fixed_look_times_alone(enough: dict) -> None:  # type: ignore[type-arg]
    fast = _run_with("--detector-fps", "1000", "--machines", str(ENOUGH))
    assert fast["detector"]["clip_look_stretch"]["max"] == pytest.approx(1.0)
    assert fast["shortfall"]["reported"] is False
    assert fast["coverage"] == enough["coverage"] == 1.0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--machines", "2"], "--machines needs --detector-fps"),
        (["--cameras", "5", "--schools", "3"], "two cameras per school"),
        (["--start", "monday"], "not an ISO date-time"),
        (["--timezone", "Mars/Olympus"], "unknown time zone"),
    ],
)
def test_bad_arguments_are_refused(
    capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    assert main(["plan", "simulate", "--capacity", "2", "--hours", "1", *arguments]) == 2
    assert message in capsys.readouterr().err


def test_every_simulated_school_has_a_booth_and_a_gate_camera() -> None:
    paces = build_county(153, 3100, rng=random.Random(1), timetable="school_day")
    assert len(paces) == 3100
    schools: dict[str, set[CameraRole]] = {}
    for pace in paces:
        schools.setdefault(pace.school_id, set()).add(pace.role)
    assert len(schools) == 153
    for roles in schools.values():
        assert CameraRole.BOOTH in roles and CameraRole.GATE_INSIDE in roles
