"""On-demand patrol requests and reference resets through the API: roles, jurisdictions, audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from patrol.records import OnDemandRecord, OnDemandRequest
from patrol.store import Store
from tests.api.support import DECIDED_AT, Site, bearer_client, make_app


class RecordingPatrol:
    """A working stand-in for the running patrol: it stores the request as the patrol does,
    without sampling cameras (the demo test covers the real looks)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def status(self) -> dict[str, object]:
        return {"running": True}

    def readiness_problem(self) -> str | None:
        return None

    def request_on_demand(self, school_id: str, requested_by: str) -> OnDemandRecord:
        cameras = [c for c in self.store.list_cameras() if c.school_id == school_id]
        if not cameras:
            raise LookupError(school_id)
        return self.store.record_on_demand(
            OnDemandRequest(
                school_id, requested_by, DECIDED_AT, DECIDED_AT + timedelta(seconds=120), len(cameras)
            )
        )


@pytest.fixture
def patrolled(store: Store, site: Site) -> Any:
    return make_app(store, patrol=RecordingPatrol(store))


def test_an_officer_asks_for_a_patrol_of_a_school_in_view_and_it_is_audited(patrolled: Any) -> None:
    with bearer_client(patrolled, "north-officer") as officer:
        asked = officer.post("/api/v1/schools/north/patrol")
        assert asked.status_code == 202, asked.text
        body = asked.json()
        assert (body["school_id"], body["requested_by"], body["cameras"]) == ("north", "north-officer", 2)
        assert officer.get(f"/api/v1/schools/north/patrols/{body['id']}").json() == body
    with bearer_client(patrolled, "supervisor") as supervisor:
        [entry] = supervisor.get("/api/v1/audit", params={"action": "on_demand_patrol"}).json()["data"]
    assert (entry["username"], entry["target"], entry["school_id"]) == (
        "north-officer",
        "school:north",
        "north",
    )


@pytest.mark.parametrize(
    ("user", "path", "expected"),
    [
        ("north-officer", "/api/v1/schools/south/patrol", 404),  # another station's school
        ("north-dispatcher", "/api/v1/schools/north/patrol", 403),  # dispatchers watch, they do not ask
        ("north-officer", "/api/v1/schools/nowhere/patrol", 404),
        ("north-officer", "/api/v1/schools/Bad%20Id/patrol", 422),
    ],
)
def test_patrol_requests_are_refused_outside_role_or_jurisdiction(
    patrolled: Any, user: str, path: str, expected: int
) -> None:
    with bearer_client(patrolled, user) as client:
        assert client.post(path).status_code == expected


def test_without_a_patrol_in_this_server_a_request_is_unavailable(store: Store, site: Site) -> None:
    with bearer_client(make_app(store), "officer") as officer:
        assert officer.post("/api/v1/schools/north/patrol").status_code == 503


def test_a_patrol_of_another_school_is_not_found_under_this_one(patrolled: Any) -> None:
    with bearer_client(patrolled, "officer") as officer:
        asked = officer.post("/api/v1/schools/south/patrol").json()
        assert officer.get(f"/api/v1/schools/north/patrols/{asked['id']}").status_code == 404


def test_only_administrators_reset_a_reference_view(store: Store, site: Site) -> None:
    app = make_app(store)
    with bearer_client(app, "supervisor") as supervisor:
        assert supervisor.post("/api/v1/cameras/north-booth/reference/reset").status_code == 403
    with bearer_client(app, "admin") as admin:
        reset = admin.post("/api/v1/cameras/north-booth/reference/reset")
        assert reset.status_code == 200, reset.text
        assert reset.json() == {"camera_id": "north-booth", "had_reference": False}
        [entry] = admin.get("/api/v1/audit", params={"action": "reference_reset"}).json()["data"]
        assert entry["target"] == "camera:north-booth"
