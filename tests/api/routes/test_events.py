from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.api.support import DECIDED_AT, T0, Site, rewrite_evidence

EVENTS = "/api/v1/events"


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, "edcba"),
        ({"school": "north"}, "eba"),
        ({"school": "south"}, "dc"),
        ({"school": "nowhere"}, ""),
        ({"camera": "north-booth"}, "ea"),
        ({"camera": "south-gate"}, "dc"),
        ({"type": "guard_absent"}, "ea"),
        ({"type": "loitering"}, "b"),
        ({"status": "new"}, "eda"),
        ({"status": "confirmed"}, "b"),
        ({"status": "dismissed"}, "c"),
        ({"school": "north", "type": "loitering"}, "b"),
        ({"school": "south", "status": "new"}, "d"),
        # since bounds last seen, until bounds first seen: events overlapping [since, until)
        ({"since": at(15)}, "edcb"),
        ({"since": at(5)}, "edcba"),
        ({"until": at(25)}, "ba"),
        ({"until": at(20)}, "a"),
        ({"since": at(25), "until": at(45)}, "dc"),
        ({"since": "2025-03-03T08:15:00+08:00"}, "edcb"),
        ({"since": "2025-03-03T00:15:00Z"}, "edcb"),
        ({"since": at(61)}, ""),
    ],
)
def test_filters_narrow_newest_first(
    client: TestClient, site: Site, params: dict[str, str], expected: str
) -> None:
    response = client.get(EVENTS, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [event["id"] for event in body["data"]] == site.by_label(expected)
    assert body["count"] == len(expected)


@pytest.mark.parametrize(
    ("offset", "limit", "expected"),
    [
        (0, 2, "ed"),
        (2, 2, "cb"),
        (4, 2, "a"),
        (5, 2, ""),
        (10, 200, ""),
        (1, 1, "d"),
        (0, 50, "edcba"),
    ],
)
def test_pagination_counts_all_matches(
    client: TestClient, site: Site, offset: int, limit: int, expected: str
) -> None:
    body = client.get(EVENTS, params={"offset": offset, "limit": limit}).json()
    assert [event["id"] for event in body["data"]] == site.by_label(expected)
    assert body["count"] == 5


def test_event_in_full(client: TestClient, site: Site) -> None:
    response = client.get(f"{EVENTS}/{site.a.id}")
    assert response.status_code == 200
    event = response.json()
    assert event["type"] == "guard_absent"
    assert event["status"] == "new"
    assert (event["camera_id"], event["school_id"]) == ("north-booth", "north")
    assert event["looks"] == 2
    assert event["ongoing"] is False
    assert event["details"]["latest"] == {"rule": "guard_absent", "persons": 0}
    assert event["model_sha256"] == site.a.model_sha256
    # Times are ISO 8601 in UTC, with the zone spelled out.
    for key, minutes in (("first_seen", 0), ("last_seen", 5), ("ended_at", 10)):
        assert event[key].endswith("Z"), event[key]
        assert datetime.fromisoformat(event[key]) == T0 + timedelta(minutes=minutes)
    assert [item["sha256"] for item in event["evidence"]] == [item.sha256 for item in site.a.evidence]
    assert [item["url"] for item in event["evidence"]] == [
        f"{EVENTS}/{site.a.id}/evidence/1.jpg",
        f"{EVENTS}/{site.a.id}/evidence/2.jpg",
    ]
    assert event["evidence_url"] == f"{EVENTS}/{site.a.id}/evidence.jpg"
    assert datetime.fromisoformat(event["evidence"][1]["created_at"]) == T0 + timedelta(minutes=5)


def test_event_without_evidence(client: TestClient, site: Site) -> None:
    event = client.get(f"{EVENTS}/{site.d.id}").json()
    assert event["evidence"] == []
    assert event["evidence_url"] is None
    assert event["ongoing"] is True


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/events/999999"),
        ("GET", "/api/v1/events/999999/evidence.jpg"),
        ("GET", "/api/v1/events/999999/evidence/1.jpg"),
        ("GET", "/api/v1/events/{d}/evidence.jpg"),
        ("GET", "/api/v1/events/{a}/evidence/3.jpg"),
        ("GET", "/api/v1/events/{b}/evidence/2.jpg"),
        ("POST", "/api/v1/events/999999/confirm"),
        ("POST", "/api/v1/events/999999/dismiss"),
        ("GET", "/api/v1/nothing-here"),
    ],
)
def test_not_found(client: TestClient, site: Site, method: str, path: str) -> None:
    url = path.format(a=site.a.id, b=site.b.id, d=site.d.id)
    response = client.request(method, url, json={"note": "有原因"})
    assert response.status_code == 404
    assert response.json()["detail"]


# Evidence ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "index"), [("evidence.jpg", 0), ("evidence/1.jpg", 0), ("evidence/2.jpg", 1)]
)
def test_evidence_served_as_stored(client: TestClient, site: Site, path: str, index: int) -> None:
    response = client.get(f"{EVENTS}/{site.a.id}/{path}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert hashlib.sha256(response.content).hexdigest() == site.a.evidence[index].sha256
    picture = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR)
    assert picture.shape == (72, 128, 3)


def test_the_two_pictures_differ(client: TestClient, site: Site) -> None:
    first = client.get(f"{EVENTS}/{site.a.id}/evidence/1.jpg").content
    second = client.get(f"{EVENTS}/{site.a.id}/evidence/2.jpg").content
    assert first != second


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda data: data[:-10], id="truncated"),
        pytest.param(lambda data: data[:200] + bytes([data[200] ^ 1]) + data[201:], id="one-bit"),
        pytest.param(lambda data: b"", id="emptied"),
    ],
)
def test_tampered_evidence_is_refused(client: TestClient, site: Site, tamper: Any) -> None:
    rewrite_evidence(site.store, site.a.evidence[0], tamper)
    response = client.get(f"{EVENTS}/{site.a.id}/evidence.jpg")
    assert response.status_code == 409
    assert "fails its integrity check" in response.json()["detail"]
    # The untouched second picture is still served.
    assert client.get(f"{EVENTS}/{site.a.id}/evidence/2.jpg").status_code == 200


def test_missing_evidence_file_is_not_found(client: TestClient, site: Site) -> None:
    rewrite_evidence(site.store, site.b.evidence[0], None)
    response = client.get(f"{EVENTS}/{site.b.id}/evidence.jpg")
    assert response.status_code == 404
    assert "missing" in response.json()["detail"]


# Decisions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("action", "status"), [("confirm", "confirmed"), ("dismiss", "dismissed")])
def test_decision_updates_the_event(client: TestClient, site: Site, action: str, status: str) -> None:
    note = "门卫已到岗，系误报" if action == "dismiss" else "已电话通知学校"
    response = client.post(f"{EVENTS}/{site.e.id}/{action}", json={"note": note})
    assert response.status_code == 200, response.text
    event = response.json()
    assert event["status"] == status
    assert event["decision_note"] == note
    assert datetime.fromisoformat(event["decided_at"]) == DECIDED_AT
    assert client.get(f"{EVENTS}/{site.e.id}").json() == event


def test_confirm_needs_no_note(client: TestClient, site: Site) -> None:
    response = client.post(f"{EVENTS}/{site.e.id}/confirm", json={})
    assert response.status_code == 200
    assert response.json()["decision_note"] == ""


def test_note_of_the_longest_length_is_kept(client: TestClient, site: Site) -> None:
    note = "巡" * 2000
    response = client.post(f"{EVENTS}/{site.e.id}/confirm", json={"note": note})
    assert response.status_code == 200
    assert response.json()["decision_note"] == note


@pytest.mark.parametrize(
    ("label", "action"),
    [
        ("b", "confirm"),  # already confirmed
        ("b", "dismiss"),
        ("c", "dismiss"),  # already dismissed
        ("c", "confirm"),
    ],
)
def test_second_decision_conflicts(client: TestClient, site: Site, label: str, action: str) -> None:
    event_id = getattr(site, label).id
    before = client.get(f"{EVENTS}/{event_id}").json()
    response = client.post(f"{EVENTS}/{event_id}/{action}", json={"note": "再次处理"})
    assert response.status_code == 409
    assert "already" in response.json()["detail"]
    assert client.get(f"{EVENTS}/{event_id}").json() == before


def test_deciding_twice_through_the_api_conflicts(client: TestClient, site: Site) -> None:
    assert client.post(f"{EVENTS}/{site.e.id}/confirm", json={"note": "首次"}).status_code == 200
    response = client.post(f"{EVENTS}/{site.e.id}/dismiss", json={"note": "第二次"})
    assert response.status_code == 409
    assert client.get(f"{EVENTS}/{site.e.id}").json()["decision_note"] == "首次"


# Malformed input ---------------------------------------------------------------------------

BAD_REQUESTS: list[tuple[str, str, dict[str, Any], int]] = [
    # method, path ({e} is a real undecided event), request keywords, expected status
    ("GET", "/api/v1/events/abc", {}, 422),
    ("GET", "/api/v1/events/0", {}, 422),
    ("GET", "/api/v1/events/-1", {}, 422),
    ("GET", "/api/v1/events/1.5", {}, 422),
    ("GET", "/api/v1/events/2147483648", {}, 422),
    ("GET", "/api/v1/events/99999999999999999999999999", {}, 422),
    ("GET", "/api/v1/events/%00", {}, 422),
    ("GET", "/api/v1/events/abc/evidence.jpg", {}, 422),
    ("GET", "/api/v1/events/99999999999999999999999999/evidence.jpg", {}, 422),
    ("GET", "/api/v1/events/{e}/evidence/abc.jpg", {}, 422),
    ("GET", "/api/v1/events/{e}/evidence/0.jpg", {}, 422),
    ("GET", "/api/v1/events/{e}/evidence/-1.jpg", {}, 422),
    ("GET", "/api/v1/events/{e}/evidence/99999999999999999999999.jpg", {}, 422),
    ("GET", "/api/v1/events", {"params": {"type": "fire"}}, 422),
    ("GET", "/api/v1/events", {"params": {"status": "closed"}}, 422),
    ("GET", "/api/v1/events", {"params": {"limit": 0}}, 422),
    ("GET", "/api/v1/events", {"params": {"limit": 201}}, 422),
    ("GET", "/api/v1/events", {"params": {"limit": "ten"}}, 422),
    ("GET", "/api/v1/events", {"params": {"offset": -1}}, 422),
    ("GET", "/api/v1/events", {"params": {"offset": 10**30}}, 422),
    ("GET", "/api/v1/events", {"params": {"since": "yesterday"}}, 422),
    ("GET", "/api/v1/events", {"params": {"since": "2025-03-03T08:00:00"}}, 422),
    ("GET", "/api/v1/events", {"params": {"until": "2025-03-03"}}, 422),
    ("GET", "/api/v1/events", {"params": {"since": "2025-03-03T08:00:00 08:00"}}, 422),
    ("GET", "/api/v1/events", {"params": {"since": "0001-01-01T00:00:00+14:00"}}, 422),
    ("GET", "/api/v1/events", {"params": {"until": "9999-12-31T23:59:59-14:00"}}, 422),
    ("GET", "/api/v1/events", {"params": {"school": "a\x00b"}}, 422),
    ("GET", "/api/v1/events", {"params": {"school": "x" * 65}}, 422),
    ("GET", "/api/v1/events", {"params": {"camera": "../etc/passwd"}}, 422),
    ("GET", "/api/v1/events", {"params": {"camera": "北门"}}, 422),
    ("GET", "/api/v1/cameras", {"params": {"school": "a\x00b"}}, 422),
    ("POST", "/api/v1/events/{e}/confirm", {}, 422),
    ("POST", "/api/v1/events/{e}/confirm", {"content": b"{bad json"}, 422),
    (
        "POST",
        "/api/v1/events/{e}/confirm",
        {"content": b"\xff\xfe", "headers": {"content-type": "application/json"}},
        422,
    ),
    ("POST", "/api/v1/events/{e}/confirm", {"json": []}, 422),
    ("POST", "/api/v1/events/{e}/confirm", {"json": "note"}, 422),
    ("POST", "/api/v1/events/{e}/confirm", {"json": {"note": 5}}, 422),
    ("POST", "/api/v1/events/{e}/confirm", {"json": {"note": None}}, 422),
    ("POST", "/api/v1/events/{e}/confirm", {"json": {"note": "x" * 2001}}, 422),
    ("POST", "/api/v1/events/{e}/confirm", {"json": {"note": "a\x00b"}}, 422),
    (
        "POST",
        "/api/v1/events/{e}/confirm",
        {"content": b'{"note": "\\ud800"}', "headers": {"content-type": "application/json"}},
        422,
    ),
    ("POST", "/api/v1/events/{e}/confirm", {"json": {"note": "ok", "status": "confirmed"}}, 422),
    ("POST", "/api/v1/events/{e}/confirm", {"data": {"note": "form"}}, 422),
    ("POST", "/api/v1/events/{e}/dismiss", {"json": {"note": "   "}}, 422),
    ("POST", "/api/v1/events/{e}/dismiss", {"json": {}}, 422),
    ("POST", "/api/v1/events/abc/confirm", {"json": {"note": "x"}}, 422),
    ("POST", "/api/v1/events/99999999999999999999/dismiss", {"json": {"note": "x"}}, 422),
    ("DELETE", "/api/v1/events/{e}", {}, 405),
    ("PUT", "/api/v1/events/{e}/confirm", {"json": {"note": "x"}}, 405),
    ("GET", "/api/v1/events/{e}/confirm", {}, 405),
]


@pytest.mark.parametrize(("method", "path", "request_kwargs", "expected"), BAD_REQUESTS)
def test_malformed_input_is_a_client_error(
    client: TestClient, site: Site, method: str, path: str, request_kwargs: dict[str, Any], expected: int
) -> None:
    response = client.request(method, path.format(e=site.e.id), **request_kwargs)
    assert response.status_code == expected, response.text
    # Nothing was decided by a refused request.
    assert client.get(f"{EVENTS}/{site.e.id}").json()["status"] == "new"


def test_naive_datetime_is_refused_with_a_clear_message(client: TestClient, site: Site) -> None:
    response = client.get(EVENTS, params={"since": "2025-03-03T08:00:00"})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "since"]
    assert "needs a timezone" in error["msg"]


def test_dismissal_without_reason_says_why(client: TestClient, site: Site) -> None:
    response = client.post(f"{EVENTS}/{site.e.id}/dismiss", json={"note": ""})
    assert response.status_code == 422
    [error] = response.json()["detail"]  # shaped as every other 422
    assert error["loc"] == ["body", "reason"] and "needs a reason code" in error["msg"]


# Reasons and history -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reason", ["false_detection", "authorised_person", "guard_present_off_zone", "camera_problem", "other"]
)
def test_dismissal_with_each_reason_code(client: TestClient, site: Site, reason: str) -> None:
    response = client.post(f"{EVENTS}/{site.e.id}/dismiss", json={"reason": reason})
    assert response.status_code == 200, response.text
    event = response.json()
    assert (event["status"], event["decision_reason"], event["decided_by"]) == (
        "dismissed",
        reason,
        "officer",
    )
    (decision,) = client.get(f"{EVENTS}/{site.e.id}/decisions").json()["data"]
    assert (decision["reason"], decision["role"], decision["revision_of"]) == (reason, "officer", None)


def test_a_note_alone_still_dismisses_as_other(client: TestClient, site: Site) -> None:
    event = client.post(f"{EVENTS}/{site.e.id}/dismiss", json={"note": "家长，已登记"}).json()
    assert (event["decision_reason"], event["decision_note"]) == ("other", "家长，已登记")


def test_confirmation_with_a_reason(client: TestClient, site: Site) -> None:
    event = client.post(f"{EVENTS}/{site.d.id}/confirm", json={"reason": "camera_problem"}).json()
    assert (event["status"], event["decision_reason"]) == ("confirmed", "camera_problem")


@pytest.mark.parametrize(
    "body", [{"reason": "bored"}, {"reason": ""}, {"reason": 3}, {"reason": None, "note": ""}]
)
def test_unknown_reasons_are_refused(client: TestClient, site: Site, body: dict[str, Any]) -> None:
    assert client.post(f"{EVENTS}/{site.e.id}/dismiss", json=body).status_code == 422
    assert client.get(f"{EVENTS}/{site.e.id}").json()["status"] == "new"
