"""Hazards, notices, reports and statistics through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from patrol.hazards import HazardRegister
from patrol.records import LookRecord
from patrol.types import AuditAction, EventStatus, EventType, LookKind, LookOutcome
from tests.api.pdfs import pdf_text
from tests.api.support import DECIDED_AT, T0, SettableClock, Site, bearer_client, finding, make_app

API = "/api/v1"
DEADLINE = (DECIDED_AT + timedelta(days=3)).isoformat()


def _create(client, event_id: int, level: str = "notice"):  # type: ignore[no-untyped-def]
    return client.post(
        f"{API}/hazards", json={"event_id": event_id, "level": level, "deadline": DEADLINE, "owner": "王校长"}
    )


def test_a_hazard_walks_every_state_and_clears_only_with_evidence(site: Site) -> None:
    clock = SettableClock(DECIDED_AT)
    app = make_app(site.store, clock=clock)
    with (
        bearer_client(app, "supervisor") as boss,
        bearer_client(app, "officer") as officer,
        bearer_client(app, "dispatcher") as dispatcher,
    ):
        assert _create(dispatcher, site.b.id).status_code == 403
        assert _create(boss, site.a.id).status_code == 409  # not confirmed
        created = _create(boss, site.b.id)
        assert created.status_code == 201, created.text
        hazard = created.json()
        assert hazard["state"] == "notified" and hazard["reference_number"].startswith("巡查〔2025〕第")
        assert _create(boss, site.b.id).status_code == 409  # one hazard per event
        url = f"{API}/hazards/{hazard['id']}"
        assert boss.post(f"{url}/advance", json={"state": "rectified"}).status_code == 409
        assert officer.post(f"{url}/advance", json={"state": "rectifying"}).status_code == 403
        assert (
            boss.post(f"{url}/advance", json={"state": "rectifying", "note": "学校已安排"}).status_code == 200
        )
        assert boss.post(f"{url}/advance", json={"state": "rectified"}).status_code == 200
        refused = boss.post(f"{url}/advance", json={"state": "cleared"})
        assert refused.status_code == 409 and "evidence" in refused.json()["detail"]
        # A later patrol look no longer showing the problem clears the rectified hazard.
        seen = DECIDED_AT + timedelta(hours=1)
        look = site.store.record_look(LookRecord("north-gate", LookKind.RANDOM, seen, seen, LookOutcome.OK))
        [cleared] = HazardRegister(site.store).clear_by_look("north-gate", EventType("loitering"), seen, look)
        assert cleared.state == "cleared" and cleared.evidence_look_id == look
        body = dispatcher.get(url).json()
        assert [h["to_state"] for h in body["history"]] == ["notified", "rectifying", "rectified", "cleared"]
        assert [h["by"] for h in body["history"]] == ["supervisor", "supervisor", "supervisor", "patrol"]
        assert boss.post(f"{url}/advance", json={"state": "rectifying"}).status_code == 409


def test_overdue_hazards_are_flagged_and_escalated_with_a_new_deadline_and_verified_by_an_officer(
    site: Site,
) -> None:
    clock = SettableClock(DECIDED_AT)
    app = make_app(site.store, clock=clock)
    with bearer_client(app, "supervisor") as boss, bearer_client(app, "officer") as officer:
        hazard = _create(boss, site.b.id, "on_the_spot").json()
        url = f"{API}/hazards/{hazard['id']}"
        assert boss.get(f"{API}/hazards", params={"overdue": "true"}).json()["count"] == 0
        clock.advance(4 * 86400)
        listed = boss.get(f"{API}/hazards", params={"overdue": "true"}).json()
        assert listed["count"] == 1 and listed["overdue"] == 1 and listed["data"][0]["overdue"]
        stale = boss.post(f"{url}/escalate", json={"deadline": DEADLINE})
        assert stale.status_code == 409  # a new deadline in the past
        new_deadline = (clock.now() + timedelta(days=7)).isoformat()
        escalated = boss.post(f"{url}/escalate", json={"deadline": new_deadline, "note": "逾期未改"}).json()
        assert escalated["level"] == "notice" and not escalated["overdue"]
        boss.post(f"{url}/escalate", json={"deadline": new_deadline})
        assert boss.post(f"{url}/escalate", json={"deadline": new_deadline}).status_code == 409
        assert boss.get(url).json()["level"] == "education_department"
        assert officer.post(f"{url}/verify", json={"note": "x"}).status_code == 409  # not rectified yet
        boss.post(f"{url}/advance", json={"state": "rectifying"})
        boss.post(f"{url}/advance", json={"state": "rectified"})
        assert officer.post(f"{url}/verify", json={"note": ""}).status_code == 422
        verified = officer.post(f"{url}/verify", json={"note": "现场核查，门卫已在岗"})
        assert verified.status_code == 200 and verified.json()["state"] == "cleared"
        assert "officer" in verified.json()["evidence_note"]


def test_hazards_outside_the_jurisdiction_are_not_found_and_bad_input_is_4xx(site: Site) -> None:
    app = make_app(site.store)
    with bearer_client(app, "supervisor") as boss, bearer_client(app, "south-officer") as south:
        hazard = _create(boss, site.b.id).json()
        assert south.get(f"{API}/hazards/{hazard['id']}").status_code == 404
        assert south.get(f"{API}/hazards").json()["count"] == 0
        assert south.post(f"{API}/hazards/{hazard['id']}/verify", json={"note": "x"}).status_code == 404
        for bad in ("/hazards/0", "/hazards/99999999999", "/hazards?state=gone", "/hazards?school=A%20B"):
            assert boss.get(API + bad).status_code == 422, bad
        naive = {"event_id": site.b.id, "deadline": "2025-03-10T08:00:00", "owner": "x"}
        assert boss.post(f"{API}/hazards", json=naive).status_code == 422
        assert (
            boss.post(
                f"{API}/hazards", json={"event_id": 999999, "deadline": DEADLINE, "owner": "x"}
            ).status_code
            == 404
        )
        assert (
            boss.get(
                f"{API}/reports", params={"from": "2025-03-04T00:00:00Z", "to": "2025-03-03T00:00:00Z"}
            ).status_code
            == 422
        )
        assert (
            boss.get(f"{API}/stats", params={"from": "garbage", "to": "2025-03-03T00:00:00Z"}).status_code
            == 422
        )


def test_the_notice_and_the_report_read_back_with_the_expected_chinese_and_figures(
    site: Site, tmp_path: Path
) -> None:
    app = make_app(site.store)
    period = {"from": T0.isoformat(), "to": (T0 + timedelta(days=1)).isoformat()}
    with bearer_client(app, "supervisor") as boss, bearer_client(app, "dispatcher") as dispatcher:
        hazard = _create(boss, site.b.id).json()
        notice = boss.get(f"{API}/hazards/{hazard['id']}/notice.pdf")
        assert notice.status_code == 200 and notice.headers["content-type"] == "application/pdf"
        text = pdf_text(notice.content, tmp_path)
        for expected in (
            "隐患整改通知书",
            "北关小学",
            "北门外",
            "可疑人员徘徊",
            "某县公安局",
            "王校长",
            hazard["reference_number"],
        ):
            assert expected in text.replace(" ", ""), expected
        assert dispatcher.get(f"{API}/hazards/{hazard['id']}/notice.pdf").status_code == 403
        assert dispatcher.get(f"{API}/reports", params=period).status_code == 403

        report = boss.get(f"{API}/reports", params={**period, "format": "pdf"})
        assert report.status_code == 200
        text = pdf_text(report.content, tmp_path).replace(" ", "")
        for expected in ("视频巡查工作报告", "发现并通报问题5个", "门卫脱岗", "南街中学", "已通报", "已排除"):
            assert expected in text, expected

        book = load_workbook(
            io.BytesIO(boss.get(f"{API}/reports", params={**period, "format": "xlsx"}).content)
        )
        summary, findings = book["汇总"], book["发现问题"]
        assert summary.freeze_panes == "A2" and findings.freeze_panes == "A2"
        assert [summary.cell(2, c).value for c in range(1, 5)] == ["合计", "发现问题", 5, 0]
        rows = list(findings.iter_rows(min_row=2, values_only=True))
        assert len(rows) == 5
        assert all(isinstance(row[0], int) and isinstance(row[1], datetime) for row in rows)
        assert rows[0][1] == datetime(2025, 3, 3, 8, 0)  # local time of the first finding
        assert {row[7] for row in rows} == {"已通报", None}
        assert len(findings._images) == 4  # every finding with a picture has its thumbnail

        csv_text = boss.get(f"{API}/reports", params={**period, "format": "csv"}).content.decode("utf-8-sig")
        assert "合计,发现问题,5,0" in csv_text
        exports = site.store.list_audit(action=AuditAction.EXPORT)[1]
        assert exports == 4  # the notice and three reports


def test_stats_are_scoped_and_compare_with_the_previous_period(site: Site) -> None:
    app = make_app(site.store)
    period = {"from": T0.isoformat(), "to": (T0 + timedelta(days=1)).isoformat()}
    with bearer_client(app, "dispatcher") as county, bearer_client(app, "north-dispatcher") as north:
        stats = county.get(f"{API}/stats", params=period).json()
        assert stats["found"] == 5 and stats["previous_found"] == 0
        assert stats["by_school"] == {"north": 3, "south": 2}
        assert stats["by_rule"]["loitering"]["confirmation_rate"] == 1.0
        assert stats["by_rule"]["unregistered_entry"]["dismissal_rate"] == 1.0
        assert stats["mean_decision_s"] == pytest.approx(5 * 60)
        assert north.get(f"{API}/stats", params=period).json()["by_school"] == {"north": 3}


def test_each_hazard_step_is_audited(site: Site) -> None:
    clock = SettableClock(DECIDED_AT)
    app = make_app(site.store, clock=clock)
    with bearer_client(app, "supervisor") as boss, bearer_client(app, "officer") as officer:
        hazard = _create(boss, site.b.id).json()
        url = f"{API}/hazards/{hazard['id']}"
        later = (DECIDED_AT + timedelta(days=7)).isoformat()
        assert boss.post(f"{url}/escalate", json={"deadline": later}).status_code == 200
        assert boss.post(f"{url}/advance", json={"state": "rectifying"}).status_code == 200
        assert boss.post(f"{url}/advance", json={"state": "rectified"}).status_code == 200
        assert officer.post(f"{url}/verify", json={"note": "现场核查"}).status_code == 200
    entries, _ = site.store.list_audit()
    logged = [(e.username, e.action.value, e.target, e.school_id) for e in reversed(entries)]
    target = f"hazard:{hazard['id']}"
    assert logged == [
        ("supervisor", "hazard_created", target, "north"),
        ("supervisor", "hazard_escalated", target, "north"),
        ("supervisor", "hazard_advanced", target, "north"),
        ("supervisor", "hazard_advanced", target, "north"),
        ("officer", "hazard_verified", target, "north"),
    ]
    assert entries[-1].detail["event_id"] == site.b.id


@pytest.mark.parametrize("bad", ["nul\x00here", "lone \ud800 surrogate"], ids=["nul", "surrogate"])
def test_owner_and_notes_that_no_store_can_hold_are_422(site: Site, bad: str) -> None:
    app = make_app(site.store)
    body = {"event_id": site.b.id, "deadline": DEADLINE, "owner": "王校长"}
    with bearer_client(app, "supervisor") as boss:

        def post(url: str, sent: dict[str, object]) -> httpx.Response:
            # Escaped JSON, as a hostile client may send it ("\ud800"), which UTF-8 cannot carry.
            return boss.post(url, content=json.dumps(sent), headers={"Content-Type": "application/json"})

        for field in ("owner", "note"):
            refused = post(f"{API}/hazards", {**body, field: bad})
            assert refused.status_code == 422, (field, refused.text)
            assert field in refused.text
        hazard = boss.post(f"{API}/hazards", json=body).json()
        url = f"{API}/hazards/{hazard['id']}"
        assert post(f"{url}/advance", {"state": "rectifying", "note": bad}).status_code == 422
        assert post(f"{url}/escalate", {"deadline": DEADLINE, "note": bad}).status_code == 422
        assert post(f"{url}/verify", {"note": bad}).status_code == 422


def test_report_cells_that_look_like_formulas_are_text(site: Site) -> None:
    hostile = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"]
    for n, summary in enumerate(hostile):
        found = finding("north-gate", EventType.CAMERA_OBSTRUCTED, T0 + timedelta(hours=1, minutes=n), None)
        site.store.record_finding(replace(found, summary=summary))
        site.store.end_condition(
            "north-gate", EventType.CAMERA_OBSTRUCTED, T0 + timedelta(hours=1, minutes=n)
        )
    app = make_app(site.store)
    period = {"from": T0.isoformat(), "to": (T0 + timedelta(days=1)).isoformat()}
    with bearer_client(app, "supervisor") as boss:
        csv_text = boss.get(f"{API}/reports", params={**period, "format": "csv"}).content.decode("utf-8-sig")
        xlsx = boss.get(f"{API}/reports", params={**period, "format": "xlsx"}).content
    cells = [cell for row in csv.reader(io.StringIO(csv_text)) for cell in row]
    for summary in hostile:
        assert summary not in cells  # never a cell a spreadsheet would evaluate
        assert "'" + summary in cells
    sheet = load_workbook(io.BytesIO(xlsx))["发现问题"]
    written = {cell.value: cell.data_type for row in sheet.iter_rows(min_row=2) for cell in row}
    for summary in hostile:
        assert written.get(summary) == "s", (summary, written.get(summary))


def test_a_past_deadline_for_another_stations_hazard_is_404_not_409(site: Site) -> None:
    app = make_app(site.store)
    past = (DECIDED_AT - timedelta(days=1)).isoformat()
    south = site.store.record_finding(finding("south-gate", EventType("loitering"), T0, 60))
    site.store.decide(south.id, EventStatus.CONFIRMED, "已通报", DECIDED_AT)
    with bearer_client(app, "supervisor") as boss, bearer_client(app, "north-supervisor") as north:
        hazard = _create(boss, south.id).json()
        escalated = north.post(f"{API}/hazards/{hazard['id']}/escalate", json={"deadline": past})
        assert escalated.status_code == 404, escalated.text
        created = north.post(f"{API}/hazards", json={"event_id": south.id, "deadline": past, "owner": "x"})
        assert created.status_code == 404, created.text
