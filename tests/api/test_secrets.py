"""No answer of the API may carry a camera password, a user's password or password hash, a
session cookie's hash, or an API token's hash."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from patrol.hazards import EscalationLevel, HazardRegister
from patrol.records import CameraRecord, Finding, OnDemandRequest, ReferenceRecord
from patrol.registry.importer import CameraImporter
from patrol.store import Store
from patrol.store.account_tables import ApiTokenRow, SessionRow, UserRow
from patrol.types import CameraRole, EventType
from tests.api.live import read_feed, served
from tests.api.support import (
    DECIDED_AT,
    PASSWORD,
    PLANTED_PASSWORD,
    SETTINGS,
    T0,
    Site,
    StillCameras,
    bearer_client,
    jpeg,
    log_in,
    make_app,
    site_config,
    site_records,
    token_for,
)

METRICS_TOKEN = "metrics-token-for-secrets-test"


def test_the_password_is_in_the_config_the_test_built() -> None:
    streams = [camera.stream.get_secret_value() for camera in site_config().cameras]
    assert all(PLANTED_PASSWORD in stream for stream in streams)


def _stored_secrets(store: Store) -> list[str]:
    with store.database.sessions() as session:
        hashes = list(session.scalars(select(UserRow.password_hash)))
        hashes += list(session.scalars(select(ApiTokenRow.token_hash)))
        hashes += list(session.scalars(select(SessionRow.id)))
    assert hashes
    return hashes


def test_no_answer_carries_a_password_or_a_hash(store: Store, site: Site) -> None:
    # With the docs pages on (api.docs), so they are searched too.
    app = make_app(
        store,
        replace(SETTINGS, metrics_token=METRICS_TOKEN, docs=True),
        snapshots=StillCameras(),
        camera_import=CameraImporter(site_config(), store),
    )
    store.set_reference(ReferenceRecord("north-gate", jpeg(60), T0, sharpness=40.0, dark_share=0.1))
    events = [site.a, site.b, site.c, site.d, site.e]
    hazard = HazardRegister(store).create(
        site.b.id,
        level=EscalationLevel.NOTICE,
        deadline=DECIDED_AT + timedelta(days=3),
        owner="x",
        by="t",
        now=DECIDED_AT,
    )
    patrol = store.record_on_demand(
        OnDemandRequest("north", "officer", DECIDED_AT, DECIDED_AT + timedelta(minutes=2), 2)
    )
    period = "from=2025-03-03T00:00:00Z&to=2025-03-04T00:00:00Z"
    urls: dict[str, list[str]] = {
        "/api/v1/hazards": ["/api/v1/hazards"],
        "/api/v1/hazards/{hazard_id}": [f"/api/v1/hazards/{hazard.id}"],
        "/api/v1/hazards/{hazard_id}/notice.pdf": [f"/api/v1/hazards/{hazard.id}/notice.pdf"],
        "/api/v1/reports": [f"/api/v1/reports?{period}&format={f}" for f in ("csv", "xlsx", "pdf")],
        "/api/v1/stats": [f"/api/v1/stats?{period}"],
        "/api/v1/schools/{school_id}/patrols/{request_id}": [f"/api/v1/schools/north/patrols/{patrol.id}"],
        "/api/v1/events": ["/api/v1/events", "/api/v1/events?school=north&limit=200"],
        "/api/v1/events/{event_id}": [f"/api/v1/events/{event.id}" for event in events],
        "/api/v1/events/{event_id}/decisions": [f"/api/v1/events/{event.id}/decisions" for event in events],
        "/api/v1/events/{event_id}/evidence.jpg": [f"/api/v1/events/{site.a.id}/evidence.jpg"],
        "/api/v1/events/{event_id}/evidence/{n}.jpg": [
            f"/api/v1/events/{site.a.id}/evidence/{n}.jpg" for n in (1, 2)
        ],
        "/api/v1/cameras": ["/api/v1/cameras", "/api/v1/cameras?school=south"],
        "/api/v1/cameras/{camera_id}": ["/api/v1/cameras/north-gate"],
        "/api/v1/cameras/{camera_id}/snapshot.jpg": ["/api/v1/cameras/north-gate/snapshot.jpg"],
        "/api/v1/cameras/{camera_id}/reference.jpg": ["/api/v1/cameras/north-gate/reference.jpg"],
        "/api/v1/cameras/{camera_id}/view": ["/api/v1/cameras/north-gate/view"],
        "/api/v1/cameras/{camera_id}/view/versions": ["/api/v1/cameras/north-gate/view/versions"],
        "/cameras/{camera_id}": ["/cameras/north-gate", "/cameras/north-gate?lang=en"],
        "/api/v1/overview": ["/api/v1/overview"],
        "/api/v1/me": ["/api/v1/me"],
        "/api/v1/audit": ["/api/v1/audit", "/api/v1/audit?action=login"],
        "/api/v1/audit/{entry_id}": ["/api/v1/audit/1"],
        "/healthz": ["/healthz"],
        "/readyz": ["/readyz"],
        "/": ["/", "/?lang=en"],
        "/events/{event_id}": [f"/events/{event.id}" for event in events],
        "/dashboard/rows": ["/dashboard/rows", "/dashboard/rows?school=north"],
        "/dashboard/rows/{event_id}": [f"/dashboard/rows/{event.id}" for event in events],
        "/audit": ["/audit"],
        "/login": ["/login"],
        "/openapi.json": ["/openapi.json"],
        "/docs": ["/docs"],
        "/docs/oauth2-redirect": ["/docs/oauth2-redirect"],
        "/redoc": ["/redoc"],
        "/static": ["/static/dashboard.js", "/static/event.js", "/static/zone_editor.js", "/static/app.css"],
    }
    streamed = "/api/v1/events/stream"  # read from a real server below
    metered = "/metrics"  # read with its own token below
    # Every GET operation the API documents, and the pages FastAPI and the dashboard add.
    documented = {path for path, operations in app.openapi()["paths"].items() if "get" in operations}
    undocumented = {
        "/", "/events/{event_id}", "/cameras/{camera_id}", "/dashboard/rows", "/dashboard/rows/{event_id}",
        "/audit", "/login", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/static",
    }  # fmt: skip
    assert documented | undocumented == set(urls) | {streamed, metered}, (
        "every GET route is searched; add new ones"
    )

    bodies: list[bytes] = []
    with TestClient(app) as browser, bearer_client(app, "admin") as api:
        # A failed login, a real one, a decision and a revision, so every table has rows.
        failed = browser.post("/login", data={"username": "admin", "password": "wrong-password!"})
        bodies.append(failed.content)
        csrf = log_in(browser, "admin")
        decided = browser.post(
            f"/api/v1/events/{site.e.id}/confirm",
            json={"reason": "other", "note": "已通知"},
            headers={"X-CSRF-Token": csrf},
        )
        revised = api.post(
            f"/api/v1/events/{site.e.id}/revise", json={"status": "dismissed", "reason": "false_detection"}
        )
        assert (decided.status_code, revised.status_code) == (200, 200)
        bodies += [decided.content, revised.content]
        for client in (browser, api):
            for url in (url for group in urls.values() for url in group):
                response = client.get(url)
                assert response.status_code == 200, (url, response.text[:300])
                bodies.append(response.content)
                bodies.append(str(response.headers).encode())
        metrics = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert metrics.status_code == 200
        bodies.append(metrics.content)
        token_for(app, "officer")
        with served(app) as base:
            bodies.append(read_feed(base, {"Authorization": api.headers["Authorization"]}, 1.5).encode())

    secrets = [PLANTED_PASSWORD, PASSWORD, METRICS_TOKEN, *_stored_secrets(store)]
    # Argon2 hashes are searched whole and by their salt-and-digest tail alone.
    secrets += [secret.rsplit("$", 2)[-1] for secret in secrets if secret.startswith("$argon2")]
    for body in bodies:
        for secret in secrets:
            assert secret.encode() not in body, secret[:20]


def test_the_cookie_and_the_token_are_stored_only_as_hashes(store: Store, site: Site) -> None:
    app = make_app(store)
    token = token_for(app, "officer")
    with TestClient(app) as browser:
        log_in(browser, "officer")
        cookie = browser.cookies["patrol_session"]
    stored = _stored_secrets(store)
    assert token not in stored and cookie not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert hashlib.sha256(cookie.encode()).hexdigest() in stored
    assert not any(PASSWORD in value for value in stored)


def test_a_password_that_reached_the_store_is_still_masked(store: Store) -> None:
    # An upstream redaction bug: the raw stream in the store, and in an event's text.
    raw = f"rtsp://admin:{PLANTED_PASSWORD}@10.20.9.9:554/ch1"
    schools, _ = site_records(site_config())
    store.sync_sites(schools, [CameraRecord("leaky", "north", "漏", CameraRole.GATE_OUTSIDE, raw)])
    event = store.record_finding(
        Finding(
            "leaky",
            EventType.CAMERA_UNREACHABLE,
            T0,
            summary=f"cannot open {raw}",
            details={"error": f"timeout opening {raw}", "tries": [raw], "reason": raw},
        )
    )
    with bearer_client(make_app(store)) as client:
        urls = (
            "/api/v1/cameras",
            "/api/v1/events",
            "/",
            f"/events/{event.id}",
            f"/events/{event.id}?lang=en",
        )
        bodies = [client.get(url).content for url in urls]
    for body in bodies:
        assert PLANTED_PASSWORD.encode() not in body
    assert re.search(rb"rtsp://admin:\*\*\*@10\.20\.9\.9:554/ch1", bodies[0])
