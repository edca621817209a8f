"""Who may see and do what: authentication, roles, jurisdictions, CSRF and login throttling."""

from __future__ import annotations

import threading
import time
from typing import Any, Literal

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from api import create_app
from patrol.accounts import Accounts, Jurisdictions
from patrol.store import Store
from patrol.types import EventType, Role
from tests.api.live import read_feed, served
from tests.api.support import (
    DECIDED_AT,
    LOGIN_CSRF,
    PASSWORD,
    SETTINGS,
    T0,
    SettableClock,
    Site,
    StillCameras,
    accounts_of,
    bearer_client,
    finding,
    log_in,
    login_form_token,
    make_app,
    site_config,
    token_for,
)

# Routes of one event (or camera) of the north school; {a} is a new north event with two pictures.
NORTH_ROUTES = [
    ("GET", "/api/v1/events/{a}"),
    ("GET", "/api/v1/events/{a}/evidence.jpg"),
    ("GET", "/api/v1/events/{a}/evidence/2.jpg"),
    ("GET", "/api/v1/events/{a}/decisions"),
    ("POST", "/api/v1/events/{a}/confirm"),
    ("POST", "/api/v1/events/{a}/dismiss"),
    ("GET", "/api/v1/cameras/north-booth"),
    ("GET", "/api/v1/cameras/north-booth/snapshot.jpg"),
]


@pytest.fixture
def app(store: Store, site: Site) -> Any:
    return make_app(store, snapshots=StillCameras())


# Jurisdictions ------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), NORTH_ROUTES)
def test_an_officer_of_another_station_gets_404(app: Any, site: Site, method: str, path: str) -> None:
    url = path.format(a=site.a.id)
    body = {"json": {"reason": "other", "note": "越权"}} if method == "POST" else {}
    with bearer_client(app, "south-officer") as south, bearer_client(app, "north-officer") as north:
        refused = south.request(method, url, **body)
        assert refused.status_code == 404, refused.text
        assert "not found" in refused.json()["detail"]
        if method == "GET":
            assert north.get(url).status_code == 200
    # Nothing was decided, snapshotted or viewed on the south officer's behalf.
    assert site.store.get_event(site.a.id).status.value == "new"
    entries, _ = site.store.list_audit(username="south-officer")
    assert entries == []


def test_a_station_sees_only_its_schools_in_lists_and_counts(app: Any, site: Site) -> None:
    with bearer_client(app, "north-officer") as north:
        events = north.get("/api/v1/events").json()
        assert [event["id"] for event in events["data"]] == site.by_label("eba")
        assert north.get("/api/v1/events", params={"school": "south"}).json()["count"] == 0
        assert [camera["id"] for camera in north.get("/api/v1/cameras").json()["data"]] == [
            "north-booth",
            "north-gate",
        ]
        overview = north.get("/api/v1/overview").json()
        assert [school["id"] for school in overview["schools"]] == ["north"]
        # North's open events: a and e (guard absent); south's unreachable camera is not counted.
        assert overview["open_by_type"] == {kind.value: 0 for kind in EventType} | {"guard_absent": 2}
        assert overview["unreachable_cameras"] == 0
        me = north.get("/api/v1/me").json()
        assert me["school_ids"] == ["north"]
        assert me["user"]["jurisdiction_name"] == "北关派出所"
        page = north.get("/").text
        assert "南街中学" not in page and "南门内" not in page
        assert north.get(f"/events/{site.d.id}").status_code == 404


def test_the_live_feed_carries_only_the_stations_events(app: Any, site: Site) -> None:
    with served(app) as base:
        headers = {"Authorization": f"Bearer {token_for(app, 'north-officer')}"}

        def record_later() -> None:
            time.sleep(1.0)
            site.store.record_finding(finding("south-gate", EventType("loitering"), T0, 10))
            site.store.record_finding(finding("north-gate", EventType("unregistered_entry"), T0, 20))

        writer = threading.Thread(target=record_later)
        writer.start()
        feed = read_feed(base, headers, 6.0, until='"camera_id":"north-gate","school_id":"north"')
        writer.join()
    assert "event: ready" in feed
    assert '"camera_id":"north-gate","school_id":"north"' in feed
    assert "south" not in feed


# Roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "method", "path", "body"),
    [
        ("dispatcher", "POST", "/api/v1/events/{e}/confirm", {"reason": "other"}),
        ("dispatcher", "POST", "/api/v1/events/{e}/dismiss", {"reason": "false_detection"}),
        ("dispatcher", "POST", "/api/v1/events/{b}/revise", {"status": "dismissed", "reason": "other"}),
        ("officer", "POST", "/api/v1/events/{b}/revise", {"status": "dismissed", "reason": "other"}),
        ("dispatcher", "GET", "/api/v1/cameras/north-gate/snapshot.jpg", None),
        ("dispatcher", "GET", "/api/v1/audit", None),
        ("officer", "GET", "/api/v1/audit", None),
    ],
)
def test_a_role_without_the_permission_gets_403(
    app: Any, site: Site, username: str, method: str, path: str, body: dict[str, str] | None
) -> None:
    with bearer_client(app, username) as client:
        url = path.format(e=site.e.id, b=site.b.id)
        response = client.request(method, url, json=body) if body else client.request(method, url)
        assert response.status_code == 403, response.text
        assert f"a {username}" in response.json()["detail"]
    assert site.store.get_event(site.e.id).status.value == "new"
    assert site.store.get_event(site.b.id).status.value == "confirmed"


def test_pages_a_role_may_not_see_answer_403(app: Any) -> None:
    with bearer_client(app, "officer") as client:
        assert client.get("/audit").status_code == 403


def test_a_dispatcher_sees_the_event_without_the_decision_form(app: Any, site: Site) -> None:
    with bearer_client(app, "dispatcher") as client:
        html = client.get(f"/events/{site.e.id}").text
    assert 'id="decision"' not in html and 'id="look-now"' not in html
    assert "您的角色不能处置事件" in html


def test_a_supervisor_revises_and_the_history_is_kept(app: Any, site: Site) -> None:
    with bearer_client(app, "officer") as officer, bearer_client(app, "supervisor") as supervisor:
        first = officer.post(
            f"/api/v1/events/{site.e.id}/confirm", json={"reason": "other", "note": "已通知"}
        )
        assert first.json()["decided_by"] == "officer"
        revised = supervisor.post(
            f"/api/v1/events/{site.e.id}/revise",
            json={"status": "dismissed", "reason": "guard_present_off_zone", "note": "门卫在门外"},
        )
        assert revised.status_code == 200, revised.text
        event = revised.json()
        assert (event["status"], event["decision_reason"], event["decided_by"]) == (
            "dismissed",
            "guard_present_off_zone",
            "supervisor",
        )
        again = supervisor.post(
            f"/api/v1/events/{site.e.id}/revise", json={"status": "confirmed", "reason": "other"}
        )
        assert again.status_code == 200
        history = supervisor.get(f"/api/v1/events/{site.e.id}/decisions").json()["data"]
    assert [(d["decided_by"], d["role"], d["status"], d["reason"]) for d in history] == [
        ("officer", "officer", "confirmed", "other"),
        ("supervisor", "supervisor", "dismissed", "guard_present_off_zone"),
        ("supervisor", "supervisor", "confirmed", "other"),
    ]
    assert [d["revision_of"] for d in history] == [None, history[0]["id"], history[1]["id"]]


def test_a_new_event_cannot_be_revised(app: Any, site: Site) -> None:
    with bearer_client(app, "supervisor") as client:
        response = client.post(
            f"/api/v1/events/{site.e.id}/revise", json={"status": "confirmed", "reason": "other"}
        )
    assert response.status_code == 409
    assert "decide it" in response.json()["detail"]


def test_a_station_supervisor_cannot_revise_another_stations_event(app: Any, site: Site) -> None:
    with bearer_client(app, "north-supervisor") as client:
        response = client.post(
            f"/api/v1/events/{site.c.id}/revise", json={"status": "confirmed", "reason": "other"}
        )
    assert response.status_code == 404


# Authentication ---------------------------------------------------------------------------

JSON_ROUTES = [
    ("GET", "/api/v1/events"),
    ("GET", "/api/v1/events/{a}"),
    ("GET", "/api/v1/events/{a}/evidence.jpg"),
    ("GET", "/api/v1/events/{a}/decisions"),
    ("GET", "/api/v1/events/stream"),
    ("POST", "/api/v1/events/{a}/confirm"),
    ("POST", "/api/v1/events/{a}/dismiss"),
    ("POST", "/api/v1/events/{a}/revise"),
    ("GET", "/api/v1/cameras"),
    ("GET", "/api/v1/cameras/north-booth"),
    ("GET", "/api/v1/cameras/north-booth/snapshot.jpg"),
    ("GET", "/api/v1/overview"),
    ("GET", "/api/v1/audit"),
    ("GET", "/api/v1/audit/1"),
    ("GET", "/api/v1/me"),
]


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer spt_not-a-real-token", "Basic b2ZmaWNlcjpwYXNz", "Token abc"]
)
@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
def test_no_session_or_token_is_401(
    app: Any, site: Site, method: str, path: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    with TestClient(app) as client:
        response = client.request(method, path.format(a=site.a.id), headers=headers, json={"reason": "other"})
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"


def test_sessions_expire_and_logout_ends_them(store: Store, site: Site) -> None:
    clock = SettableClock(site.e.first_seen)
    app = make_app(store, clock=clock)
    with TestClient(app) as client:
        log_in(client, "officer")
        assert client.get("/api/v1/me").status_code == 200
        clock.advance(12 * 3600 - 1)
        assert client.get("/api/v1/me").status_code == 200
        clock.advance(1)
        assert client.get("/api/v1/me").status_code == 401
        csrf = log_in(client, "officer")
        assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
        assert client.get("/api/v1/me").status_code == 401


def test_a_disabled_user_loses_sessions_and_tokens(app: Any, site: Site) -> None:
    token = token_for(app, "officer")
    with TestClient(app) as browser, TestClient(app) as api:
        log_in(browser, "officer")
        api.headers["Authorization"] = f"Bearer {token}"
        assert api.get("/api/v1/me").status_code == 200
        accounts_of(app).disable("officer", app.state.clock.now())
        assert browser.get("/api/v1/me").status_code == 401
        assert api.get("/api/v1/me").status_code == 401
        refused = browser.post(
            "/login",
            data={"username": "officer", "password": PASSWORD, "csrf_token": login_form_token(browser)},
        )
        assert refused.status_code == 401


def test_login_goes_only_to_a_path_on_this_site(app: Any) -> None:
    with TestClient(app) as client:
        for target, expected in (
            ("/audit", "/audit"),
            ("//evil.example/x", "/"),
            ("https://evil.example", "/"),
        ):
            response = client.post(
                "/login",
                data={
                    "username": "officer",
                    "password": PASSWORD,
                    "csrf_token": login_form_token(client),
                    "next": target,
                },
                follow_redirects=False,
            )
            assert response.headers["location"] == expected
            client.cookies.clear()


def test_the_session_cookie_is_httponly_and_samesite_strict(app: Any) -> None:
    with TestClient(app) as client:
        response = client.post(
            "/login",
            data={"username": "officer", "password": PASSWORD, "csrf_token": login_form_token(client)},
            follow_redirects=False,
        )
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and "patrol_session=" in v
    )
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Max-Age=43200" in cookie


# CSRF -----------------------------------------------------------------------------------


@pytest.mark.parametrize("sent", [None, "", "wrong-token"])
def test_a_cookie_request_without_its_csrf_token_is_refused(app: Any, site: Site, sent: str | None) -> None:
    with TestClient(app) as client:
        csrf = log_in(client, "officer")
        headers = {} if sent is None else {"X-CSRF-Token": sent}
        for action in ("confirm", "dismiss"):
            response = client.post(
                f"/api/v1/events/{site.e.id}/{action}", json={"reason": "other"}, headers=headers
            )
            assert response.status_code == 403, response.text
            assert "X-CSRF-Token" in response.json()["detail"]
        logout = client.post("/logout", data={} if sent is None else {"csrf_token": sent})
        assert logout.status_code == 403
        assert client.get("/api/v1/me").status_code == 200  # still logged in
        assert site.store.get_event(site.e.id).status.value == "new"
        accepted = client.post(
            f"/api/v1/events/{site.e.id}/confirm", json={"reason": "other"}, headers={"X-CSRF-Token": csrf}
        )
        assert accepted.status_code == 200


@pytest.mark.parametrize("form_token", [None, "", "not-the-cookie"])
def test_the_login_form_needs_its_csrf_token(app: Any, form_token: str | None) -> None:
    with TestClient(app) as client:
        login_form_token(client)  # sets the login cookie
        data = {"username": "officer", "password": PASSWORD}
        if form_token is not None:
            data["csrf_token"] = form_token
        response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "patrol_session" not in response.cookies


# Throttling -------------------------------------------------------------------------------


def _attempt(client: TestClient, username: str, password: str) -> Any:
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": login_form_token(client)},
        follow_redirects=False,
    )


def test_wrong_passwords_lock_the_user_out_with_a_growing_wait(store: Store, site: Site) -> None:
    clock = SettableClock(site.e.first_seen)
    app = make_app(store, clock=clock)
    policy = accounts_of(app).policy
    with TestClient(app) as client:
        for _ in range(policy.user_free_failures - 1):
            assert _attempt(client, "officer", "wrong-password").status_code == 401
        locked = _attempt(client, "officer", "wrong-password")
        assert locked.status_code == 429
        assert locked.headers["retry-after"] == "30"
        # During the lock-out the right password is refused too, and the wait shown counts down.
        clock.advance(10)
        refused = _attempt(client, "officer", PASSWORD)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "20"
        assert "patrol_session" not in refused.cookies
        clock.advance(20)
        # The lock is over; one more failure locks for twice as long.
        doubled = _attempt(client, "officer", "wrong-again")
        assert (doubled.status_code, doubled.headers["retry-after"]) == (429, "60")
        clock.advance(60)
        assert _attempt(client, "officer", PASSWORD).status_code == 303
        # Success clears the user's count: the next failure is a plain 401 again.
        client.cookies.clear()
        assert _attempt(client, "officer", "wrong-password").status_code == 401
        # Other users are not locked by the officer's failures.
        client.cookies.clear()
        assert _attempt(client, "supervisor", PASSWORD).status_code == 303


def test_one_address_guessing_many_names_is_locked_out(store: Store, site: Site) -> None:
    clock = SettableClock(site.e.first_seen)
    app = make_app(store, clock=clock)
    free = accounts_of(app).policy.address_free_failures
    with TestClient(app) as client:
        statuses = [_attempt(client, f"guess-{n}", "password-guess").status_code for n in range(free)]
        assert statuses == [401] * (free - 1) + [429]
        refused = _attempt(client, "officer", PASSWORD)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) == 30
    entries, _ = store.list_audit(action=None, username="officer")
    assert entries[0].action.value == "login_failed"
    assert entries[0].detail["throttled"] is True


def test_a_wrong_user_name_and_a_wrong_password_look_the_same(app: Any) -> None:
    with TestClient(app) as client:
        unknown = _attempt(client, "nobody-here", "wrong-password")
        wrong = _attempt(client, "officer", "wrong-password")
    assert unknown.status_code == wrong.status_code == 401
    assert "用户名或密码错误" in unknown.text and "用户名或密码错误" in wrong.text


class CountingHasher(PasswordHasher):
    """argon2 at a cost that makes each check take a while, counting the checks it makes."""

    def __init__(self) -> None:
        super().__init__(time_cost=2, memory_cost=32768, parallelism=1)
        self.verified = 0
        self._count_lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self._count_lock:
            self.verified += 1
        return super().verify(hash, password)


def test_forty_parallel_wrong_passwords_get_at_most_five_checks(store: Store, site: Site) -> None:
    hasher = CountingHasher()
    accounts = Accounts(store, hasher=hasher)
    accounts.create_schema()
    accounts.add_user("target", PASSWORD, Role.OFFICER, "county", T0)
    hasher.verified = 0
    app = create_app(
        SETTINGS,
        store,
        accounts=accounts,
        jurisdictions=Jurisdictions.from_config(site_config().jurisdictions),
        clock=SettableClock(DECIDED_AT),
    )
    attempts = 40
    start = threading.Barrier(attempts)
    statuses: list[int] = []

    def guess(n: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            form = client.get("/login")
            token = LOGIN_CSRF.search(form.text)
            assert token
            start.wait(30)
            answer = client.post(
                "/login",
                data={"username": "target", "password": f"wrong-{n}", "csrf_token": token.group(1)},
            )
            statuses.append(answer.status_code)

    with served(app) as base:
        threads = [threading.Thread(target=guess, args=(n,)) for n in range(attempts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    print(f"{hasher.verified} password checks for {attempts} parallel attempts; answers {sorted(statuses)}")
    assert len(statuses) == attempts
    assert set(statuses) <= {401, 429}
    assert hasher.verified <= accounts.policy.user_free_failures
    # The right password is refused while the lock holds.
    with TestClient(app) as client:
        assert _attempt(client, "target", PASSWORD).status_code == 429
