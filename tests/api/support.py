"""The site and events the API tests run against, built through the store's own API."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast
from urllib.parse import quote, urlsplit, urlunsplit

import cv2
import numpy as np
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api import ApiSettings, PatrolControl, SnapshotTaker, create_app
from patrol.accounts import Accounts, Jurisdictions
from patrol.clock import Clock
from patrol.config import PatrolConfig, parse_config
from patrol.metrics import PatrolMetrics
from patrol.records import CameraRecord, EventRecord, EvidenceRecord, Finding, SchoolRecord
from patrol.registry.importer import CameraImporter
from patrol.store import Store
from patrol.store.tables import EvidenceRow
from patrol.stream_slots import StreamSlots
from patrol.types import EventStatus, EventType, Role
from streams.redact import NO_SECRETS, Secrets

# Exists only in the config the tests build; no API answer may ever contain it.
PLANTED_PASSWORD = "Pl4nted-S3cret-7f3a"
T0 = datetime(2025, 3, 3, 0, 0, tzinfo=UTC)  # a Monday, 08:00 in Asia/Shanghai
DECIDED_AT = T0 + timedelta(hours=2)
SETTINGS = ApiSettings(title="School Patrol", timezone="Asia/Shanghai", dashboard_refresh_s=5)

CONFIG_YAML = """
schools:
  - {id: north, name: 北关小学}
  - {id: south, name: 南街中学}
cameras:
  - {id: north-booth, school: north, name: 北门门卫室, role: booth,
     stream: "rtsp://admin:${CAM_PASSWORD}@10.20.1.11:554/Streaming/Channels/101"}
  - {id: north-gate, school: north, name: 北门外, role: gate_outside,
     stream: "rtsp://admin:${CAM_PASSWORD}@10.20.1.12:554/Streaming/Channels/101"}
  - {id: south-gate, school: south, name: 南门内, role: gate_inside,
     stream: "rtsp://operator:${CAM_PASSWORD}@10.20.2.11/h264/ch1/main"}
jurisdictions:
  county: {id: county, name: 某县公安局}
  stations:
    - {id: north-station, name: 北关派出所, schools: [north]}
    - {id: south-station, name: 南街派出所, schools: [south]}
"""

# Every test user has this password; argon2 at its cheapest, for tests only.
PASSWORD = "correct-horse-battery-9"
TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
USERS: dict[str, tuple[Role, str]] = {
    "officer": (Role.OFFICER, "county"),
    "dispatcher": (Role.DISPATCHER, "county"),
    "supervisor": (Role.SUPERVISOR, "county"),
    "admin": (Role.ADMINISTRATOR, "county"),
    "north-officer": (Role.OFFICER, "north-station"),
    "north-dispatcher": (Role.DISPATCHER, "north-station"),
    "north-supervisor": (Role.SUPERVISOR, "north-station"),
    "south-officer": (Role.OFFICER, "south-station"),
}


class SettableClock:
    """A working clock that stands still until a test moves it."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def site_config() -> PatrolConfig:
    return parse_config(CONFIG_YAML, environ={"CAM_PASSWORD": PLANTED_PASSWORD})


def redacted(stream: str) -> str:
    parts = urlsplit(stream)
    host = parts.hostname or ""
    netloc = f"{quote(parts.username or '')}@{host}" if parts.username else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def site_records(config: PatrolConfig) -> tuple[list[SchoolRecord], list[CameraRecord]]:
    schools = [SchoolRecord(school.id, school.name) for school in config.schools]
    cameras = [
        CameraRecord(
            camera.id, camera.school, camera.name, camera.role, redacted(camera.stream.get_secret_value())
        )
        for camera in config.cameras
    ]
    return schools, cameras


def jpeg(shade: int) -> bytes:
    image = np.full((72, 128, 3), shade, dtype=np.uint8)
    cv2.rectangle(image, (20, 10), (60, 60), (0, 0, 255), 2)
    ok, encoded = cv2.imencode(".jpg", image)
    assert ok
    return encoded.tobytes()


@dataclass(frozen=True)
class Site:
    """Five events on three cameras at two schools, newest first: e, d, c, b, a."""

    store: Store
    a: EventRecord  # north-booth guard absent, 2 looks, 2 pictures, ended, new
    b: EventRecord  # north-gate loitering, ongoing, confirmed
    c: EventRecord  # south-gate unregistered entry, ended, dismissed
    d: EventRecord  # south-gate camera unreachable, no picture, ongoing, new
    e: EventRecord  # north-booth guard absent again, ongoing, new

    def by_label(self, labels: str) -> list[int]:
        return [getattr(self, label).id for label in labels]


def finding(camera: str, kind: EventType, at: datetime, shade: int | None) -> Finding:
    return Finding(
        camera_id=camera,
        type=kind,
        seen_at=at,
        summary=f"{kind.value} on {camera}",
        details={"rule": kind.value, "persons": 0},
        evidence_jpeg=None if shade is None else jpeg(shade),
        model_name="person-fall-v8",
        model_sha256="5f6f620d0fa574ed80d8348bb8d46060148eb0ba24e3eea00d31a30cdadba41d",
    )


def populate(store: Store) -> Site:
    store.sync_sites(*site_records(site_config()))

    def minutes(n: int) -> datetime:
        return T0 + timedelta(minutes=n)

    store.record_finding(finding("north-booth", EventType("guard_absent"), minutes(0), 40))
    store.record_finding(finding("north-booth", EventType("guard_absent"), minutes(5), 90))
    a = store.end_condition("north-booth", EventType("guard_absent"), minutes(10))
    b = store.record_finding(finding("north-gate", EventType("loitering"), minutes(20), 120))
    c = store.record_finding(finding("south-gate", EventType("unregistered_entry"), minutes(30), 160))
    store.end_condition("south-gate", EventType("unregistered_entry"), minutes(31))
    d = store.record_finding(finding("south-gate", EventType.CAMERA_UNREACHABLE, minutes(40), None))
    e = store.record_finding(finding("north-booth", EventType("guard_absent"), minutes(60), 200))
    b = store.decide(b.id, EventStatus.CONFIRMED, "已通报学校", minutes(25))
    c = store.decide(c.id, EventStatus.DISMISSED, "登记过的家长", minutes(35))
    assert a is not None
    return Site(store, a, b, c, d, e)


def make_accounts(store: Store) -> Accounts:
    accounts = Accounts(store, hasher=TEST_HASHER)
    accounts.create_schema()
    for username, (role, jurisdiction) in USERS.items():
        if accounts.get_user(username) is None:
            accounts.add_user(username, PASSWORD, role, jurisdiction, T0, display_name=username)
    return accounts


def make_app(
    store: Store,
    settings: ApiSettings = SETTINGS,
    patrol: PatrolControl | None = None,
    *,
    snapshots: SnapshotTaker | None = None,
    clock: Clock | None = None,
    with_users: bool = True,
    jurisdictions: Jurisdictions | None = None,
    metrics: PatrolMetrics | None = None,
    stream_slots: StreamSlots | None = None,
    secrets: Secrets = NO_SECRETS,
    camera_import: CameraImporter | None = None,
) -> FastAPI:
    """The app with the test users; its clock stands at DECIDED_AT unless given one."""
    return create_app(
        settings,
        store,
        patrol,
        accounts=make_accounts(store) if with_users else Accounts(store, hasher=TEST_HASHER),
        jurisdictions=jurisdictions or Jurisdictions.from_config(site_config().jurisdictions),
        snapshots=snapshots,
        clock=clock or SettableClock(DECIDED_AT),
        metrics=metrics,
        stream_slots=stream_slots,
        secrets=secrets,
        camera_import=camera_import,
    )


def accounts_of(app: FastAPI) -> Accounts:
    return cast(Accounts, app.state.accounts)


def token_for(app: FastAPI, username: str) -> str:
    return accounts_of(app).issue_token(username, app.state.clock.now(), label="tests")


def bearer_client(app: FastAPI, username: str = "officer") -> TestClient:
    """A client that authenticates as an API client does, with a bearer token."""
    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {token_for(app, username)}"
    return client


LOGIN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def login_form_token(client: TestClient) -> str:
    page = client.get("/login")
    assert page.status_code == 200, page.text
    match = LOGIN_CSRF.search(page.text)
    assert match, "the login form carries a CSRF token"
    return match.group(1)


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Logs the client's browser session in through the form; returns the session's CSRF token."""
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": login_form_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    me = client.get("/api/v1/me").json()
    return str(me["csrf_token"])


class StillCameras:
    """A working stand-in for the cameras behind "look now": a real JPEG from each live camera,
    StreamTimeout from `dead` ones. The real one (patrol.snapshots) is tested over RTSP."""

    def __init__(self, dead: frozenset[str] = frozenset()) -> None:
        self.dead = dead
        self.taken: list[str] = []

    def snapshot(self, camera_id: str) -> bytes:
        from streams.errors import StreamTimeout

        if camera_id in self.dead:
            raise StreamTimeout(f"rtsp://admin:***@10.20.1.12:554/{camera_id}: no answer within 8 s")
        self.taken.append(camera_id)
        return jpeg(30 + len(self.taken))


def rewrite_evidence(store: Store, evidence: EvidenceRecord, change: Callable[[bytes], bytes] | None) -> None:
    """Change a stored evidence picture behind the store's back, or lose it (`change` None), where
    it is kept: the evidence folder (SQLite) or the database (PostgreSQL)."""
    if store.pictures_in_database:
        with store.engine.begin() as connection:
            content = connection.scalar(select(EvidenceRow.content).where(EvidenceRow.id == evidence.id))
            new = None if change is None else change(content)
            connection.execute(update(EvidenceRow).where(EvidenceRow.id == evidence.id).values(content=new))
        return
    path = store.evidence_file(evidence)
    if change is None:
        path.unlink()
    else:
        path.write_bytes(change(path.read_bytes()))
