"""The audit log: every decision, evidence view, snapshot and login, with who and when; read-only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, update
from sqlalchemy.exc import DatabaseError

from patrol.store import Store
from patrol.store.tables import AuditRow
from tests.api.support import (
    PASSWORD,
    SettableClock,
    Site,
    StillCameras,
    bearer_client,
    log_in,
    login_form_token,
    make_app,
)


@pytest.fixture
def clock(site: Site) -> SettableClock:
    return SettableClock(site.e.first_seen + timedelta(minutes=5))


@pytest.fixture
def app(store: Store, site: Site, clock: SettableClock) -> Any:
    return make_app(store, snapshots=StillCameras(), clock=clock)


def _entries(app: Any, **params: str) -> list[dict[str, Any]]:
    with bearer_client(app, "supervisor") as supervisor:
        response = supervisor.get("/api/v1/audit", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def test_each_action_is_logged_with_who_and_when(app: Any, site: Site, clock: SettableClock) -> None:
    with TestClient(app) as browser:
        failed = browser.post(
            "/login",
            data={
                "username": "officer",
                "password": "not-it-at-all",
                "csrf_token": login_form_token(browser),
            },
        )
        assert failed.status_code == 401
        clock.advance(1)
        csrf = log_in(browser, "officer")
        clock.advance(1)
        assert browser.get(f"/api/v1/events/{site.a.id}/evidence/2.jpg").status_code == 200
        clock.advance(1)
        assert browser.get("/api/v1/cameras/north-gate/snapshot.jpg").status_code == 200
        clock.advance(1)
        decided = browser.post(
            f"/api/v1/events/{site.e.id}/dismiss",
            json={"reason": "authorised_person", "note": "校长"},
            headers={"X-CSRF-Token": csrf},
        )
        assert decided.status_code == 200
    start = site.e.first_seen + timedelta(minutes=5)
    entries = _entries(app, user="officer")
    got = [(e["action"], e["target"], e["role"], datetime.fromisoformat(e["at"])) for e in reversed(entries)]
    assert got == [
        ("login_failed", "", "", start),
        ("login", "user:officer", "officer", start + timedelta(seconds=1)),
        ("evidence_view", f"event:{site.a.id}/evidence:2", "officer", start + timedelta(seconds=2)),
        ("snapshot", "camera:north-gate", "officer", start + timedelta(seconds=3)),
        ("decision", f"event:{site.e.id}", "officer", start + timedelta(seconds=4)),
    ]
    decision = entries[0]
    assert decision["detail"] == {"status": "dismissed", "reason": "authorised_person", "note": "校长"}
    assert decision["school_id"] == "north"
    assert decision["client"] == "testclient"
    assert entries[-1]["jurisdiction_id"] == "county"


def test_revisions_and_failed_snapshots_are_logged(store: Store, site: Site, clock: SettableClock) -> None:
    app = make_app(store, snapshots=StillCameras(dead=frozenset({"south-gate"})), clock=clock)
    with bearer_client(app, "supervisor") as supervisor:
        dead = supervisor.get("/api/v1/cameras/south-gate/snapshot.jpg")
        assert dead.status_code == 504
        assert "did not answer in time" in dead.json()["detail"]
        revised = supervisor.post(
            f"/api/v1/events/{site.b.id}/revise", json={"status": "dismissed", "reason": "other"}
        )
        assert revised.status_code == 200
    entries = _entries(app, user="supervisor")
    assert [(e["action"], e["detail"].get("outcome")) for e in entries[:2]] == [
        ("decision_revised", None),
        ("snapshot", "timeout"),
    ]


def test_filters_by_user_action_and_time(app: Any, site: Site, clock: SettableClock) -> None:
    start = clock.now()
    with bearer_client(app, "officer") as officer, bearer_client(app, "dispatcher") as dispatcher:
        officer.get(f"/api/v1/events/{site.a.id}/evidence.jpg")
        clock.advance(60)
        dispatcher.get(f"/api/v1/events/{site.b.id}/evidence.jpg")
        clock.advance(60)
        officer.get(f"/api/v1/events/{site.c.id}/evidence.jpg")
    assert [e["username"] for e in _entries(app, action="evidence_view")] == [
        "officer",
        "dispatcher",
        "officer",
    ]
    assert [e["target"] for e in _entries(app, user="dispatcher")] == [f"event:{site.b.id}/evidence:1"]
    window = {
        "since": (start + timedelta(seconds=30)).isoformat(),
        "until": (start + timedelta(seconds=90)).isoformat(),
    }
    assert [e["username"] for e in _entries(app, **window)] == ["dispatcher"]
    assert _entries(app, action="snapshot") == []


def test_a_station_supervisor_reads_only_the_stations_entries(app: Any, site: Site) -> None:
    with bearer_client(app, "officer") as officer:
        officer.get(f"/api/v1/events/{site.a.id}/evidence.jpg")  # north
        officer.get(f"/api/v1/events/{site.c.id}/evidence.jpg")  # south
    with TestClient(app) as browser:
        log_in(browser, "north-officer")
    with bearer_client(app, "north-supervisor") as supervisor:
        entries = supervisor.get("/api/v1/audit").json()["data"]
    assert [(e["username"], e["action"], e["school_id"]) for e in entries] == [
        ("north-officer", "login", None),
        ("officer", "evidence_view", "north"),
    ]


def test_the_audit_page_lists_and_filters(app: Any, site: Site) -> None:
    with TestClient(app) as browser:
        log_in(browser, "supervisor")
        browser.get(f"/api/v1/events/{site.a.id}/evidence.jpg")
        html = browser.get("/audit").text
        assert "查看证据" in html and "登录" in html and f"event:{site.a.id}/evidence:1" in html
        filtered = browser.get("/audit", params={"action": "login", "lang": "en"}).text
        assert "Login" in filtered and f"event:{site.a.id}/evidence:1" not in filtered


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/api/v1/audit", "/api/v1/audit/1"])
def test_no_route_changes_the_log(app: Any, site: Site, method: str, path: str) -> None:
    with TestClient(app) as browser:
        log_in(browser, "admin")
    with bearer_client(app, "admin") as admin:
        before = admin.get("/api/v1/audit").json()
        response = admin.request(method, path, json={"action": "login"})
        assert response.status_code == 405
        assert admin.get("/api/v1/audit").json() == before


def test_the_database_refuses_to_change_or_delete_entries(store: Store, site: Site, app: Any) -> None:
    with TestClient(app) as browser:
        log_in(browser, "officer", PASSWORD)
    for statement in (update(AuditRow).values(username="someone-else"), delete(AuditRow)):
        with pytest.raises(DatabaseError, match="append-only"), store.database.sessions.begin() as session:
            session.execute(statement)
    entries, count = store.list_audit()
    assert count == 1 and entries[0].username == "officer"
