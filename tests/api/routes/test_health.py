from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from patrol.store import Store, sqlite_url
from tests.api.support import make_app


class RunningPatrol:
    """A working stand-in for the patrol's control surface: fixed aggregate figures."""

    def status(self) -> dict[str, object]:
        return {"looks_done": 128, "workers_busy": 3, "workers": 8}


def test_healthy(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "patrol": {"running": False, "detail": "the patrol is not running in this process"},
    }


def test_patrol_figures_are_reported(store: Store) -> None:
    with TestClient(make_app(store, patrol=RunningPatrol())) as client:
        body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["patrol"] == {"running": True, "looks_done": 128, "workers_busy": 3, "workers": 8}


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
            response = client.get("/healthz")
    finally:
        store.close()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"].startswith("unreachable")
    assert "127.0.0.1" not in body["database"]
