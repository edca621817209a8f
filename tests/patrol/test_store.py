"""The event store on SQLite and on the machine's PostgreSQL."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, event

from patrol.records import CameraRecord, Finding, LookRecord, OnDemandRequest, SchoolRecord
from patrol.store import AlreadyDecided, OnDemandNotFound, Store, sqlite_url
from patrol.store.tables import LookRow
from patrol.types import CameraRole, EventStatus, EventType, LookKind, LookOutcome

T0 = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)


@pytest.fixture
def booth_store(store: Store) -> Store:
    store.sync_sites(
        [SchoolRecord("s1", "School 1")],
        [CameraRecord("booth-1", "s1", "Booth", CameraRole.BOOTH, "rtsp://admin:***@127.0.0.1/x")],
    )
    return store


def _finding(at: datetime, jpeg: bytes | None = b"\xff\xd8jpeg\xff\xd9") -> Finding:
    return Finding(
        "booth-1", EventType("guard_absent"), at, "booth empty", {"persons_in_zone": 0}, jpeg, "m", "0" * 64
    )


def test_an_ongoing_condition_is_one_event(booth_store: Store) -> None:
    store = booth_store
    first = store.record_finding(_finding(T0))
    second = store.record_finding(_finding(T0 + timedelta(minutes=5)))
    assert second.id == first.id
    assert second.looks == 2
    assert second.first_seen == T0 and second.last_seen == T0 + timedelta(minutes=5)
    assert store.list_events()[1] == 1


def test_a_condition_that_ends_and_returns_is_a_new_event(booth_store: Store) -> None:
    store = booth_store
    first = store.record_finding(_finding(T0))
    ended = store.end_condition("booth-1", EventType("guard_absent"), T0 + timedelta(minutes=10))
    assert ended is not None and ended.ended_at == T0 + timedelta(minutes=10)
    again = store.record_finding(_finding(T0 + timedelta(minutes=20)))
    assert again.id != first.id
    assert store.end_condition("booth-1", EventType("loitering"), T0) is None


def test_evidence_pictures_are_kept_with_their_sha256(booth_store: Store) -> None:
    """In the evidence folder with SQLite; in the database with PostgreSQL, where every machine reads them."""
    store = booth_store
    jpeg = b"\xff\xd8" + bytes(range(256)) + b"\xff\xd9"
    event = store.record_finding(_finding(T0, jpeg))
    [evidence] = event.evidence
    assert store.evidence_picture(evidence) == jpeg
    assert evidence.sha256 == hashlib.sha256(jpeg).hexdigest()
    in_folder = store.evidence_file(evidence).is_file()
    assert in_folder is not store.pictures_in_database


def test_a_decision_is_made_once(booth_store: Store) -> None:
    store = booth_store
    event = store.record_finding(_finding(T0))
    decided = store.decide(event.id, EventStatus.CONFIRMED, "guard was at lunch", T0 + timedelta(hours=1))
    assert decided.status is EventStatus.CONFIRMED and decided.decision_note == "guard was at lunch"
    with pytest.raises(AlreadyDecided):
        store.decide(event.id, EventStatus.DISMISSED, "", T0 + timedelta(hours=2))


def test_times_come_back_aware_and_in_utc(booth_store: Store) -> None:
    store = booth_store
    shanghai = T0.astimezone(ZoneInfo("Asia/Shanghai"))
    event = store.record_finding(_finding(shanghai))
    assert store.get_event(event.id).first_seen == T0
    assert store.get_event(event.id).first_seen.tzinfo is not None


def test_a_killed_writer_loses_no_recorded_event(tmp_path: Path) -> None:
    """Each finding is committed before the writer moves on: kill -9 right after keeps it."""
    script = textwrap.dedent(
        f"""
        import os, signal
        from datetime import UTC, datetime
        from pathlib import Path
        from patrol.records import CameraRecord, Finding, SchoolRecord
        from patrol.store import Store, sqlite_url
        from patrol.types import CameraRole, EventType
        store = Store(sqlite_url(Path({str(tmp_path)!r})), Path({str(tmp_path / "evidence")!r}))
        store.create_schema()
        store.sync_sites([SchoolRecord("s1", "S")], [CameraRecord("c1", "s1", "C", CameraRole.BOOTH, "rtsp://x")])
        for minute in range(3):
            store.record_finding(Finding("c1", EventType("loitering"), datetime(2026, 11, 30, 0, minute, tzinfo=UTC),
                                         "someone outside", {{}}, b"\\xff\\xd8x\\xff\\xd9"))
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2], timeout=60
    )
    assert result.returncode == -9
    reopened = Store(sqlite_url(tmp_path), tmp_path / "evidence")
    [event], total = reopened.list_events()
    assert total == 1 and event.looks == 3 and len(event.evidence) == 3
    assert all(reopened.evidence_file(e).is_file() for e in event.evidence)


def test_two_officers_deciding_at_once_one_wins(booth_store: Store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    event = booth_store.record_finding(_finding(T0))
    outcomes = []

    def decide(status: EventStatus) -> None:
        try:
            booth_store.decide(event.id, status, "", T0)
            outcomes.append("won")
        except AlreadyDecided:
            outcomes.append("refused")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(decide, [EventStatus.CONFIRMED, EventStatus.DISMISSED] * 8))
    assert sorted(outcomes) == ["refused"] * 15 + ["won"]


def test_an_on_demand_patrol_is_kept_with_who_asked_when_and_when_it_was_done(booth_store: Store) -> None:
    store = booth_store
    asked = store.record_on_demand(
        OnDemandRequest("s1", "officer Wang", T0, T0 + timedelta(seconds=120), cameras=1)
    )
    assert (asked.school_id, asked.requested_by, asked.requested_at, asked.cameras) == (
        "s1",
        "officer Wang",
        T0,
        1,
    )
    assert asked.deadline_at == T0 + timedelta(seconds=120)
    assert asked.completed_at is None and asked.on_time is None
    done = store.complete_on_demand(asked.id, T0 + timedelta(seconds=75))
    assert done.completed_at == T0 + timedelta(seconds=75) and done.on_time is True
    assert store.get_on_demand(asked.id) == done
    an_hour_on = T0 + timedelta(hours=1)
    later = store.record_on_demand(
        OnDemandRequest("s1", "officer Li", an_hour_on, an_hour_on + timedelta(seconds=120), cameras=1)
    )
    assert store.list_on_demand(school_id="s1") == [later, done]
    assert store.list_on_demand(school_id="s2") == []
    with pytest.raises(OnDemandNotFound):
        store.get_on_demand(asked.id + 100)
    with pytest.raises(OnDemandNotFound):
        store.complete_on_demand(asked.id + 100, T0)


def test_schools_with_open_hazards_are_those_with_an_ongoing_undismissed_event(booth_store: Store) -> None:
    store = booth_store
    assert store.schools_with_open_hazards() == set()
    event = store.record_finding(_finding(T0))
    assert store.schools_with_open_hazards() == {"s1"}
    store.decide(event.id, EventStatus.DISMISSED, "a shadow", T0 + timedelta(minutes=1))
    assert store.schools_with_open_hazards() == set()
    store.end_condition("booth-1", EventType("guard_absent"), T0 + timedelta(minutes=2))
    store.record_finding(_finding(T0 + timedelta(minutes=3)))
    assert store.schools_with_open_hazards() == {"s1"}
    store.end_condition("booth-1", EventType("guard_absent"), T0 + timedelta(minutes=4))
    assert store.schools_with_open_hazards() == set()


def test_camera_health_follows_each_look_without_reading_the_looks(booth_store: Store) -> None:
    [before] = booth_store.camera_health()
    assert (before.last_look_at, before.last_outcome, before.last_ok_at) == (None, None, None)

    def look(minute: int, outcome: LookOutcome) -> None:
        at = T0 + timedelta(minutes=minute)
        booth_store.record_look(LookRecord("booth-1", LookKind.RANDOM, at, at, outcome))

    look(0, LookOutcome.OK)
    look(1, LookOutcome.OK)
    look(2, LookOutcome.UNREACHABLE)
    [health] = booth_store.camera_health()
    assert health.last_outcome is LookOutcome.UNREACHABLE
    assert (health.last_look_at, health.last_ok_at) == (T0 + timedelta(minutes=2), T0 + timedelta(minutes=1))
    # What the dashboard shows comes from camera_status: the looks themselves may be pruned.
    with booth_store.database.sessions.begin() as session:
        session.execute(delete(LookRow))
    assert booth_store.camera_health() == [health]
    look(3, LookOutcome.OK)
    [health] = booth_store.camera_health()
    assert (health.last_outcome, health.last_ok_at) == (LookOutcome.OK, T0 + timedelta(minutes=3))


@contextmanager
def _statements(store: Store) -> Iterator[list[str]]:
    """Every SQL statement the store sends while the block runs."""
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(store.engine, "before_cursor_execute", count)


def test_listing_events_reads_evidence_and_decisions_for_the_whole_page_at_once(booth_store: Store) -> None:
    store = booth_store
    for n in range(60):
        at = T0 + timedelta(hours=n)
        event = store.record_finding(_finding(at, b"\xff\xd8%d\xff\xd9" % n))
        store.record_finding(_finding(at + timedelta(minutes=1), b"\xff\xd8%d+\xff\xd9" % n))
        store.end_condition("booth-1", EventType("guard_absent"), at + timedelta(minutes=2))
        if n % 2:
            store.decide(event.id, EventStatus.DISMISSED, "no", at + timedelta(minutes=3))

    def listing(limit: int) -> tuple[int, list[int]]:
        with _statements(store) as sent:
            events, total = store.list_events(limit=limit)
        assert total == 60 and len(events) == limit
        assert all(len(e.evidence) == 2 for e in events)
        assert [e.decision is not None for e in events] == [e.status is EventStatus.DISMISSED for e in events]
        return len(sent), [e.id for e in events]

    # The page, its count, its evidence, its decisions: the same four statements for 5 events or 50.
    few, first_five = listing(5)
    many, first_fifty = listing(50)
    assert few == many == 4
    assert first_fifty[:5] == first_five
    # The last page is short: its count needs no query.
    with _statements(store) as sent:
        last, total = store.list_events(offset=55, limit=50)
    assert (len(last), total, len(sent)) == (5, 60, 3)
