"""Registry import over the real store (SQLite and PostgreSQL): every row judged, all or nothing,
passwords nowhere but in the environment."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from patrol.cli import main
from patrol.config import ConfigError, config_secrets, parse_config
from patrol.registry.actor import Actor
from patrol.registry.importer import CameraImporter
from patrol.registry.patrol_cameras import with_imported_cameras
from patrol.registry.rows import RowIssue
from patrol.registry.sheet import SheetError
from patrol.service import connect_store
from patrol.store import Store
from patrol.store.camera_imports import CameraImports
from patrol.store.tables import AuditRow, CameraRow, ImportedCameraRow
from patrol.types import AuditAction, CameraRole
from tests.patrol.registry.county import PASSWORD_VARIABLE, County, county, csv_bytes, gb28181_id, xlsx_bytes

CAMERA_PASSWORD = "Cam-Pa55word-4d1e"  # in the environment only
INLINE_PASSWORD = "Inline-Secret-9c2b"  # written in a sheet by mistake
ENVIRON = {PASSWORD_VARIABLE: CAMERA_PASSWORD}
ADMIN = Actor("admin", "administrator", "county", "127.0.0.1")


def _importer(county_: County, store: Store, environ: dict[str, str] | None = None) -> CameraImporter:
    config = parse_config(_yaml(county_))
    return CameraImporter(config, store, environ=ENVIRON if environ is None else environ)


def _yaml(county_: County) -> str:
    import yaml

    return yaml.safe_dump(county_.config, allow_unicode=True)


def _with_three_bad_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Sheet rows 4, 7 and 9 (the header is row 1) go bad: an unknown school, a password written
    in the stream address, and the id of row 3 again."""
    bad = [dict(row) for row in rows]
    bad[2]["school"] = "no-such-school"
    bad[5]["stream"] = f"rtsp://admin:{INLINE_PASSWORD}@10.20.5.11:554/Streaming/Channels/102"
    bad[5]["username"] = ""
    bad[5]["credentials"] = ""
    bad[7]["id"] = bad[1]["id"]
    return bad


def test_a_sheet_with_three_bad_rows_reports_each_by_row_and_column_and_imports_nothing(store: Store) -> None:
    small = county(schools=3, cameras=12)
    report = _importer(small, store).run(csv_bytes(_with_three_bad_rows(small.rows)), ADMIN, source="x.csv")

    assert [(issue.row, issue.column) for issue in report.issues] == [(4, "school"), (7, "stream"), (9, "id")]
    assert "no school 'no-such-school'" in report.issues[0].reason
    assert "password is written in the address" in report.issues[1].reason
    assert report.issues[2].reason == "the same id as row 3"
    assert INLINE_PASSWORD not in " ".join(str(issue) for issue in report.issues)
    assert (report.imported, report.skipped_rows) == (0, (4, 7, 9))
    assert CameraImports(store).list() == []
    with store.database.sessions() as session:
        assert session.scalars(select(CameraRow)).all() == []
        assert session.scalars(select(AuditRow)).all() == []


def test_skip_bad_imports_the_good_rows_and_reports_the_rest(store: Store) -> None:
    small = county(schools=3, cameras=12)
    report = _importer(small, store).run(
        csv_bytes(_with_three_bad_rows(small.rows)), ADMIN, source="x.csv", skip_bad=True
    )

    assert [(issue.row, issue.column) for issue in report.issues] == [(4, "school"), (7, "stream"), (9, "id")]
    assert (report.created, report.updated) == (9, 0)
    imported = {record.camera.id for record in CameraImports(store).list()}
    # Row 9's own id is gone: it took row 3's.
    bad_ids = {small.rows[2]["id"], small.rows[5]["id"], small.rows[7]["id"]}
    assert imported == {row["id"] for row in small.rows} - bad_ids
    # The first row with the duplicated id is imported as it says, not the second.
    first = next(r for r in CameraImports(store).list() if r.camera.id == small.rows[1]["id"])
    assert first.camera.name == small.rows[1]["name"]


def test_the_county_sheet_is_stored_with_templates_audit_and_no_password(store: Store) -> None:
    whole = county(schools=153, cameras=3100)
    started = time.perf_counter()
    report = _importer(whole, store).run(csv_bytes(whole.rows), ADMIN, source="county.csv")
    print(f"\n3,100 rows, 153 schools, {store.engine.dialect.name}: {time.perf_counter() - started:.2f} s")

    assert report.complete and (report.rows, report.created) == (3100, 3100)
    records = {record.camera.id: record for record in CameraImports(store).list()}
    assert len(records) == 3100
    booth = records[gb28181_id(2)]  # the second school's first camera
    assert (booth.camera.role, booth.template, booth.credentials) == (
        CameraRole.BOOTH,
        "booth",
        PASSWORD_VARIABLE,
    )
    assert booth.view["rules"]["guard_absent"]["zone"] == "booth"
    assert (booth.username, booth.imported_by) == ("admin", "admin")
    wide = [r for r in records.values() if r.template == "wide-gate"]
    assert len(wide) == 153 and all(r.camera.role is CameraRole.GATE_OUTSIDE for r in wide)
    assert not [r for r in records.values() if r.camera.role is CameraRole.YARD and r.view]

    with store.database.sessions() as session:
        audit = session.scalars(
            select(AuditRow).where(AuditRow.action == AuditAction.CAMERAS_IMPORTED.value)
        ).all()
        stored = [
            (row.stream, row.username, row.credentials, str(row.view))
            for row in session.scalars(select(ImportedCameraRow))
        ]
    # One entry per school, saying who imported which cameras.
    assert len(audit) == 153 and {entry.username for entry in audit} == {"admin"}
    assert sum(len(entry.detail["cameras"]) for entry in audit) == 3100
    assert CAMERA_PASSWORD not in str(stored)

    again = _importer(whole, store).run(csv_bytes(whole.rows), ADMIN, source="county.csv")
    assert (again.created, again.updated) == (0, 3100)


def test_an_xlsx_sheet_imports_like_its_csv_and_a_numeric_id_is_refused(store: Store) -> None:
    small = county(schools=3, cameras=12)
    bad = _with_three_bad_rows(small.rows)
    report = _importer(small, store).run(xlsx_bytes(bad), ADMIN, source="x.xlsx")
    assert [(issue.row, issue.column) for issue in report.issues] == [(4, "school"), (7, "stream"), (9, "id")]
    assert CameraImports(store).list() == []

    # Excel keeps a 20-digit id typed as a number only to 15 digits.
    rounded: list[dict[str, object]] = [dict(row) for row in small.rows]
    rounded[0]["id"] = 34020200001310000001
    report = _importer(small, store).run(xlsx_bytes(rounded), ADMIN, source="x.xlsx")
    assert [(issue.row, issue.column) for issue in report.issues] == [(2, "id")]
    assert "format the column as text" in report.issues[0].reason

    report = _importer(small, store).run(xlsx_bytes(small.rows), ADMIN, source="x.xlsx")
    assert report.complete and report.created == 12


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ({"id": "Gate 1"}, "id", "is not an id"),
        ({"id": "3.40202E+19"}, "id", "a number Excel rounded"),
        ({"role": "door"}, "role", "is not a role"),
        ({"name": ""}, "name", "required"),
        ({"stream": "http://10.0.0.1/live"}, "stream", "expected an rtsp:// address"),
        ({"stream": "rtsp://admin:${CAM_PW:-admin123}@10.0.0.1/live"}, "stream", "password is written"),
        ({"stream": "rtsp://10.0.0.1/live?user=admin&password=12345"}, "stream", "password is written"),
        ({"stream": "rtsp://10.0.0.1/${NOT_SET}/live"}, "stream", "environment variable NOT_SET is not set"),
        ({"stream": ""}, "stream", "required"),
        ({"credentials": "Admin-12345!"}, "credentials", "not the name of an environment variable"),
        ({"credentials": "Admin12345"}, "credentials", "the environment variable it names is not set"),
        ({"username": "", "stream": "rtsp://10.0.0.1/live"}, "credentials", "needs a user name"),
        ({"template": "gatehouse"}, "template", "no template 'gatehouse'"),
    ],
)
def test_each_bad_cell_is_named_by_its_column(
    store: Store, cells: dict[str, str], column: str, reason: str
) -> None:
    small = county(schools=1, cameras=2)
    rows = [dict(row) for row in small.rows]
    rows[1].update({"username": "admin", **cells})
    if "@" in rows[1]["stream"]:
        rows[1]["username"] = ""
    report = _importer(small, store).run(csv_bytes(rows), ADMIN)
    assert [(issue.row, issue.column) for issue in report.issues] == [(3, column)], report.issues
    assert reason in report.issues[0].reason
    assert "Admin12345" not in report.issues[0].reason and "12345" not in report.issues[0].reason


def test_a_sheet_that_cannot_be_read_says_why(store: Store) -> None:
    small = county(schools=1, cameras=2)
    importer = _importer(small, store)
    for data, expected in [
        (b"", "the sheet is empty"),
        (b"PK\x03\x04 not really a zip", "not one"),
        (b"id,school,id\n", "appears twice"),
        (b"id,name\x00\n", "NUL"),
        (b"\xff\xfe\x81", "neither UTF-8 nor GB18030"),
    ]:
        with pytest.raises(SheetError, match=expected):
            importer.run(data, ADMIN)
    header = importer.run(b"id,school,name,role,password\n", ADMIN)
    assert header.issues == (
        RowIssue(
            1, "password", "a password never goes in the sheet: name its environment variable in credentials"
        ),
        RowIssue(1, "stream", "a stream or an onvif column is needed"),
    )


def test_an_id_the_config_holds_and_a_school_outside_the_scope_are_refused(store: Store) -> None:
    small = county(schools=2, cameras=4)
    config = dict(small.config)
    config["cameras"] = [
        {
            "id": small.rows[0]["id"],
            "school": "school-001",
            "name": "门卫室",
            "role": "booth",
            "stream": "rtsp://h/x",
        }
    ]
    importer = CameraImporter(parse_config(_yaml(County(config, small.rows))), store, environ=ENVIRON)
    report = importer.run(csv_bytes(small.rows), ADMIN, school_ids={"school-001"})
    assert [(issue.row, issue.column) for issue in report.issues] == [(2, "id"), (3, "school"), (5, "school")]
    assert "config" in report.issues[0].reason

    # A station's administrator cannot move another station's camera to their own school.
    assert importer.run(csv_bytes(small.rows[1:]), ADMIN).created == 3
    moved = [{**small.rows[1], "school": "school-001"}]
    report = importer.run(csv_bytes(moved), ADMIN, school_ids={"school-001"})
    assert [str(issue) for issue in report.issues] == [
        f"row 2, column id: {small.rows[1]['id']!r} is taken by a camera you do not manage"
    ]


def test_at_start_imported_cameras_join_the_config_with_their_passwords_masked(store: Store) -> None:
    small = county(schools=2, cameras=6)
    config = parse_config(_yaml(small))
    CameraImporter(config, store, environ=ENVIRON).run(csv_bytes(small.rows), ADMIN)

    merged = with_imported_cameras(config, CameraImports(store).list(), ENVIRON)
    assert len(merged.cameras) == 6
    booth = next(camera for camera in merged.cameras if camera.role is CameraRole.BOOTH)
    assert (
        booth.stream.get_secret_value()
        == f"rtsp://admin:{CAMERA_PASSWORD}@10.20.0.10:554/Streaming/Channels/102"
    )
    assert booth.rules.guard_absent is not None and "booth" in booth.zones
    assert CAMERA_PASSWORD not in config_secrets(merged).mask(f"failed: {booth.stream.get_secret_value()}")

    with pytest.raises(ConfigError) as refused:
        with_imported_cameras(config, CameraImports(store).list(), {})
    assert f"environment variable {PASSWORD_VARIABLE} is not set" in str(refused.value)
    assert str(refused.value).count("not set") == 6


def test_the_command_imports_a_county_and_refuses_a_bad_sheet_naming_rows(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(PASSWORD_VARIABLE, CAMERA_PASSWORD)
    whole = county()
    config = whole.write_config(tmp_path / "config.yaml", data_dir=str(tmp_path / "data"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(_with_three_bad_rows(whole.rows)))
    sheet = tmp_path / "county.xlsx"
    sheet.write_bytes(xlsx_bytes(whole.rows))

    assert main(["cameras", "import", str(bad), "--config", str(config)]) == 1
    out, err = capsys.readouterr()
    said = [line.removeprefix(f"{bad}: ") for line in err.splitlines() if line.startswith(f"{bad}: ")]
    assert [line.split(":")[0] for line in said[:3]] == [
        "row 4, column school",
        "row 7, column stream",
        "row 9, column id",
    ]
    assert "nothing imported: 3 problems in 3 rows" in err

    started = time.perf_counter()
    assert main(["cameras", "import", str(sheet), "--config", str(config)]) == 0
    took = time.perf_counter() - started
    out, err = capsys.readouterr()
    print(f"\npatrol cameras import of 3,100 rows (XLSX, SQLite): {took:.1f} s; it said: {out.strip()}")
    assert "imported 3100 cameras (3100 new, 0 updated) from 3100 rows" in out
    # The command's log goes to stderr: what is checked below includes every log line.
    assert "INFO patrol.registry.importer:" in err
    for text in (out, err, caplog.text):
        assert CAMERA_PASSWORD not in text and INLINE_PASSWORD not in text


def test_the_remove_command_takes_imported_cameras_out_with_an_audit_entry_and_names_unknown_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(PASSWORD_VARIABLE, CAMERA_PASSWORD)
    small = county(schools=2, cameras=4)
    config = small.write_config(tmp_path / "config.yaml", data_dir=str(tmp_path / "data"))
    sheet = tmp_path / "cameras.csv"
    sheet.write_bytes(csv_bytes(small.rows))
    assert main(["cameras", "import", str(sheet), "--config", str(config)]) == 0
    gone = [small.rows[0]["id"], small.rows[1]["id"]]  # one of each school

    assert main(["cameras", "remove", *gone, "no-such-camera", "--config", str(config)]) == 1
    out, err = capsys.readouterr()
    assert f"removed 2 imported cameras: {', '.join(sorted(gone))}" in out
    assert "no imported camera 'no-such-camera'" in err

    store = connect_store(parse_config(config.read_text(encoding="utf-8")))
    try:
        left = {record.camera.id for record in CameraImports(store).list()}
        assert left == {row["id"] for row in small.rows[2:]}
        with store.database.sessions() as session:
            audit = session.scalars(
                select(AuditRow).where(AuditRow.action == AuditAction.CAMERAS_REMOVED.value)
            ).all()
            # The camera rows stay for the history of their looks and events.
            assert {row.id for row in session.scalars(select(CameraRow))} == {row["id"] for row in small.rows}
        assert sorted((entry.school_id, tuple(entry.detail["cameras"])) for entry in audit) == sorted(
            (row["school"], (row["id"],)) for row in small.rows[:2]
        )
    finally:
        store.close()
