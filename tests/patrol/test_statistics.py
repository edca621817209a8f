"""The statistics agree with counts taken straight from the database."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import text

from patrol.reports.statistics import compute
from patrol.store import Store
from patrol.types import EventStatus, EventType
from tests.api.support import T0, finding, site_config, site_records

CAMERAS = {
    "north-booth": EventType("guard_absent"),
    "north-gate": EventType("loitering"),
    "south-gate": EventType("unregistered_entry"),
}


def test_statistics_match_raw_sql_over_a_few_hundred_generated_events(store: Store) -> None:
    store.sync_sites(*site_records(site_config()))
    rng = random.Random(20250303)
    at = T0
    for _ in range(300):
        camera = rng.choice(sorted(CAMERAS))
        at += timedelta(minutes=rng.randint(1, 90))
        event = store.record_finding(finding(camera, CAMERAS[camera], at, None))
        store.end_condition(camera, CAMERAS[camera], at + timedelta(minutes=1))
        roll = rng.random()
        if roll < 0.7:
            status = EventStatus.CONFIRMED if roll < 0.3 else EventStatus.DISMISSED
            store.decide(event.id, status, "", at + timedelta(minutes=rng.randint(1, 120)))
    since, until = T0 + timedelta(days=2), T0 + timedelta(days=10)
    stats = compute(store, since, until, now=until)

    window = "first_seen >= :since AND first_seen < :until"
    with store.engine.connect() as db:
        params = {"since": since, "until": until}
        by_type = dict(
            db.execute(text(f"SELECT type, COUNT(*) FROM events WHERE {window} GROUP BY type"), params).all()
        )
        by_school = dict(
            db.execute(
                text(f"SELECT school_id, COUNT(*) FROM events WHERE {window} GROUP BY school_id"), params
            ).all()
        )
        per_rule = db.execute(
            text(f"SELECT type, status, COUNT(*) FROM events WHERE {window} GROUP BY type, status"), params
        ).all()
        per_camera = db.execute(
            text(f"SELECT camera_id, status, COUNT(*) FROM events WHERE {window} GROUP BY camera_id, status"),
            params,
        ).all()
    assert 50 < stats.found < 300
    assert stats.by_type == by_type
    assert stats.by_school == by_school
    assert sum(stats.by_day.values()) == stats.found
    for kind, status, count in per_rule:
        rates = stats.by_rule[kind]
        assert {
            "new": rates.found - rates.decided,
            "confirmed": rates.confirmed,
            "dismissed": rates.dismissed,
        }[status] == count
    for camera, status, count in per_camera:
        rates = stats.by_camera[camera]
        if status == "dismissed":
            assert rates.dismissed == count
            assert rates.dismissal_rate == rates.dismissed / rates.decided
