"""The evaluation's clock: real speed during looks, jumps between them, never backwards."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from patrol.eval.clock import ShiftedClock, VirtualClock, WallShiftedClock

START = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)


def test_it_stands_still_between_looks_and_jumps_forward() -> None:
    clock = VirtualClock(START)
    assert clock.now() == START
    time.sleep(0.05)
    assert clock.elapsed_s == 0.0
    clock.jump_to(42.5)
    assert clock.now() == START + timedelta(seconds=42.5)
    with pytest.raises(ValueError, match="cannot go back"):
        clock.jump_to(10.0)


def test_it_runs_at_real_speed_during_a_look() -> None:
    clock = VirtualClock(START)
    clock.jump_to(100.0)
    with clock.running():
        time.sleep(0.2)
        inside = clock.elapsed_s
        with pytest.raises(RuntimeError, match="cannot jump"):
            clock.jump_to(500.0)
    after = clock.elapsed_s
    assert 100.15 <= inside <= after <= 100.6
    time.sleep(0.05)
    assert clock.elapsed_s == after


def test_it_needs_an_aware_start() -> None:
    with pytest.raises(ValueError, match="aware"):
        VirtualClock(datetime(2025, 3, 3))


def test_a_shifted_clock_counts_the_same_seconds_from_its_own_start() -> None:
    clock = VirtualClock(START)
    evening = datetime(2025, 3, 6, 9, 10, tzinfo=UTC)
    shifted = ShiftedClock(clock, evening)
    clock.jump_to(30.0)
    assert shifted.now() == evening + timedelta(seconds=30)
    with clock.running():
        time.sleep(0.05)
    assert shifted.now() - evening == clock.now() - START
    with pytest.raises(ValueError, match="aware"):
        ShiftedClock(clock, datetime(2025, 3, 6, 9, 10))


def test_a_worker_process_reads_the_running_clock_from_its_epoch_on_the_wall_clock() -> None:
    clock = VirtualClock(START)
    evening = datetime(2025, 3, 6, 9, 10, tzinfo=UTC)
    with clock.running():
        elsewhere = WallShiftedClock(evening, epoch=time.time() - clock.elapsed_s)
        time.sleep(0.2)
        apart = (elsewhere.now() - evening).total_seconds() - clock.elapsed_s
    assert abs(apart) < 0.05
    with pytest.raises(ValueError, match="aware"):
        WallShiftedClock(datetime(2025, 3, 6, 9, 10), epoch=0.0)
