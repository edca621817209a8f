"""Liveness, readiness and metrics of the API process, over a real store."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from patrol.store import Store, sqlite_url
from tests.api.support import SETTINGS, Site, bearer_client, make_app

METRICS_TOKEN = "metrics-token-7d1f0c"


class RunningPatrol:
    """A working stand-in for the patrol's control surface: fixed aggregate figures."""

    def __init__(self, problem: str | None = None) -> None:
        self.problem = problem

    def status(self) -> dict[str, object]:
        return {"looks_done": 128, "workers_busy": 3, "workers": 8}

    def readiness_problem(self) -> str | None:
        return self.problem


def test_without_a_login_health_says_only_its_status(store: Store) -> None:
    with TestClient(make_app(store, patrol=RunningPatrol())) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_logged_in_user_sees_the_figures(store: Store) -> None:
    with bearer_client(make_app(store, patrol=RunningPatrol()), "dispatcher") as client:
        body = client.get("/healthz").json()
    assert body == {
        "status": "ok",
        "database": "ok",
        "patrol": {"running": True, "looks_done": 128, "workers_busy": 3, "workers": 8},
    }
    with bearer_client(make_app(store), "dispatcher") as client:
        assert client.get("/healthz").json()["patrol"] == {
            "running": False,
            "detail": "the patrol is not running in this process",
        }


def test_ready_at_this_releases_schema_and_not_before(store: Store) -> None:
    with TestClient(make_app(store, patrol=RunningPatrol())) as client:
        response = client.get("/readyz")
        assert (response.status_code, response.json()) == (200, {"status": "ready", "reasons": []})
        # The schema as the release before migrations left it: no version table.
        with store.engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version"))
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {
            "status": "not ready",
            "reasons": ["database schema: made before migrations (no version table yet)"],
        }
        assert client.get("/healthz").status_code == 200


def test_a_patrol_that_is_not_working_makes_the_process_not_ready(store: Store) -> None:
    with TestClient(
        make_app(store, patrol=RunningPatrol("the patrol's dispatcher thread has stopped"))
    ) as client:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["reasons"] == ["the patrol's dispatcher thread has stopped"]
        assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(
            "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=3", id="postgresql-refused"
        ),
        pytest.param(None, id="sqlite-no-directory"),
    ],
)
def test_unreachable_database(tmp_path: Path, url: str | None) -> None:
    store = Store(url or sqlite_url(tmp_path / "no" / "such" / "dir"), tmp_path / "evidence")
    try:
        with TestClient(make_app(store, with_users=False)) as client:
            alive = client.get("/healthz", headers={"Authorization": "Bearer spt_unknown"})
            ready = client.get("/readyz")
    finally:
        store.close()
    # Alive: restarting the process would not bring the database back.
    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
    assert ready.status_code == 503
    [reason] = ready.json()["reasons"]
    assert reason.startswith("database unreachable (")
    assert "127.0.0.1" not in reason


def test_metrics_need_their_token(store: Store, site: Site) -> None:
    app = make_app(store, replace(SETTINGS, metrics_token=METRICS_TOKEN))
    with bearer_client(app, "admin") as client:
        # A user's API token is not the metrics token.
        assert client.get("/metrics").status_code == 401
        for header in ("", "Bearer ", f"Basic {METRICS_TOKEN}", f"Bearer {METRICS_TOKEN}x"):
            response = client.get("/metrics", headers={"Authorization": header})
            assert response.status_code == 401, header
            assert response.headers["WWW-Authenticate"] == "Bearer"
        response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    lines = response.text.splitlines()
    # The site the store holds: events waiting for a decision by type, cameras by health.
    assert 'patrol_open_events{type="guard_absent"} 2.0' in lines
    assert 'patrol_open_events{type="camera_unreachable"} 1.0' in lines
    assert "patrol_database_up 1.0" in lines
    cameras = [line for line in lines if line.startswith("patrol_cameras{")]
    assert cameras == [
        'patrol_cameras{state="camera_unreachable"} 1.0',
        'patrol_cameras{state="not_looked_at"} 2.0',
    ]


def test_metrics_are_off_without_a_token(store: Store) -> None:
    with TestClient(make_app(store)) as client:
        response = client.get("/metrics", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 404
    assert "api.metrics_token" in response.json()["detail"]
