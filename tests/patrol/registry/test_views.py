"""Camera views saved at once by several administrators, over the real store on SQLite and
PostgreSQL: the saves take turns, each is one version, numbered without a gap, whose "before" is
the view the one before it left; the camera's view is the newest version's."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from itertools import pairwise

import yaml

from patrol.config import parse_config
from patrol.registry.actor import Actor
from patrol.registry.importer import CameraImporter
from patrol.registry.views import CameraViews
from patrol.store import Store
from patrol.store.camera_imports import CameraImports
from patrol.store.camera_views import ViewChangedMeanwhile, ViewVersionRecord
from tests.patrol.registry.county import csv_bytes

CAMERA = "34020200001310000055"
COLUMNS = ("id", "school", "name", "role", "stream", "username", "credentials", "template")
SAVES = 8


def _views(store: Store) -> CameraViews:
    config = parse_config(
        yaml.safe_dump(
            {
                "schools": [{"id": "s1", "name": "一中"}],
                "cameras": [],
                "templates": {"booth": {"zones": {"booth": [[0.1, 0.1], [0.9, 0.1], [0.5, 0.9]]}}},
            }
        ),
        environ={},
    )
    row = {
        "id": CAMERA,
        "school": "s1",
        "name": "门卫室",
        "role": "booth",
        "stream": "rtsp://127.0.0.1:554/s1/booth",
        "username": "",
        "credentials": "",
        "template": "booth",
    }
    report = CameraImporter(config, store, environ={}).run(csv_bytes([row], COLUMNS), Actor("admin", "x"))
    assert report.created == 1, report.issues
    return CameraViews(config, store)


def test_saves_at_once_are_numbered_without_a_gap_and_the_last_one_holds(store: Store) -> None:
    views = _views(store)
    saved: list[ViewVersionRecord] = []
    lost: list[int] = []
    start = threading.Barrier(SAVES)

    def save(n: int) -> None:
        view = {"zones": {"booth": [[0.1, 0.1], [0.9, 0.1], [0.5, round(0.5 + n / 100, 2)]]}}
        start.wait()
        try:
            saved.append(
                views.save(CAMERA, "s1", view, Actor(f"admin-{n}", "administrator"), datetime.now(UTC))
            )
        except ViewChangedMeanwhile:
            lost.append(n)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(SAVES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(saved) + len(lost) == SAVES and saved
    versions = views.versions(CAMERA)
    assert [v.version for v in versions] == list(range(len(saved), 0, -1))
    # Each version's "before" is the one before it: no save overwrote another unseen.
    for newer, older in pairwise(versions):
        assert newer.before == older.after
    (record,) = CameraImports(store).list()
    assert record.view == versions[0].after
    assert lost == []  # without If-Match the saves take turns: none is refused
