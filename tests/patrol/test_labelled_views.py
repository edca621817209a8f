"""Labelled reference views: kept per camera and label, replaced by a newer one, forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from patrol.records import CameraRecord, SchoolRecord
from patrol.store import Store
from patrol.store.labelled_views import LabelledView
from patrol.types import CameraRole

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _site(store: Store) -> None:
    store.sync_sites(
        [SchoolRecord("north", "North")],
        [
            CameraRecord("gate", "north", "Gate", CameraRole.GATE_INSIDE, "rtsp://x/1"),
            CameraRecord("yard", "north", "Yard", CameraRole.YARD, "rtsp://x/2"),
        ],
    )


def test_views_are_kept_by_camera_and_label_and_a_newer_one_replaces_the_older(store: Store) -> None:
    _site(store)
    views = store.views
    views.save(LabelledView("gate", "closed", b"closed-1", T0, "admin"))
    views.save(LabelledView("gate", "open", b"open-1", T0, "admin"))
    views.save(LabelledView("gate", "closed", b"closed-2", T0 + timedelta(days=1), "admin2"))
    kept = views.of_camera("gate")
    assert sorted(kept) == ["closed", "open"]
    assert (kept["closed"].jpeg, kept["closed"].taken_at, kept["closed"].taken_by) == (
        b"closed-2",
        T0 + timedelta(days=1),
        "admin2",
    )
    assert views.of_camera("yard") == {}
    # What a look asks the store for: the JPEGs by label.
    assert store.labelled_views("gate") == {"closed": b"closed-2", "open": b"open-1"}


def test_a_forgotten_view_is_gone_and_forgetting_it_twice_says_so(store: Store) -> None:
    _site(store)
    views = store.views
    views.save(LabelledView("gate", "open", b"open-1", T0, "admin"))
    assert views.forget("gate", "open") is True
    assert views.forget("gate", "open") is False
    assert views.of_camera("gate") == {}
