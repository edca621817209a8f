"""POST /api/v1/cameras/import: administrators only, CSV or XLSX, bad sheets refused by row and
column with a 4xx (never a 500), and never a password in an answer."""

from __future__ import annotations

import yaml
from fastapi.testclient import TestClient

from api.routes.registry_import import XLSX_TYPE
from api.settings import ApiSettings
from patrol.config import parse_config
from patrol.registry.importer import CameraImporter
from patrol.store import Store
from patrol.store.camera_imports import CameraImports
from tests.api.support import CONFIG_YAML, PLANTED_PASSWORD, SETTINGS, bearer_client, make_app
from tests.patrol.registry.county import xlsx_bytes

PASSWORD_VARIABLE = "NORTH_CAMERA_PASSWORD"
CAMERA_PASSWORD = "North-Cam-Pa55-61a"
INLINE_PASSWORD = "Typed-In-Secret-0e4"
HEADER = "id,school,name,role,stream,username,credentials\n"
GOOD = [
    f"34020200001310000001,north,北门门卫室2,booth,rtsp://10.20.1.21/ch1/sub,admin,{PASSWORD_VARIABLE}",
    f"34020200001310000002,north,北门外2,gate_outside,rtsp://admin@10.20.1.22/ch1/sub,,{PASSWORD_VARIABLE}",
    f"34020200001310000003,south,南门内2,gate_inside,rtsp://admin@10.20.2.21/ch1/sub,,{PASSWORD_VARIABLE}",
]
BAD = [
    "34020200001310000004,west,西门,booth,rtsp://10.20.3.21/ch1/sub,,",  # row 5: no such school
    f"34020200001310000005,north,北门,booth,rtsp://admin:{INLINE_PASSWORD}@10.20.1.23/ch1/sub,,",  # row 6
    "34020200001310000001,south,南门,booth,rtsp://10.20.2.22/ch1/sub,,",  # row 7: the id of row 2
]


def _app(store: Store, settings: ApiSettings = SETTINGS):  # type: ignore[no-untyped-def]
    config = parse_config(CONFIG_YAML, environ={"CAM_PASSWORD": PLANTED_PASSWORD})
    with_templates = config.model_copy(update={"templates": _templates()})
    importer = CameraImporter(with_templates, store, environ={PASSWORD_VARIABLE: CAMERA_PASSWORD})
    return make_app(store, settings, camera_import=importer)


def _templates():  # type: ignore[no-untyped-def]
    from patrol.config.schema import CameraViewConfig

    return {"booth": CameraViewConfig.model_validate(yaml.safe_load("zones: {booth: [[0,0],[1,0],[1,1]]}"))}


def _post_csv(client: TestClient, text: str, **params: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/cameras/import",
        content=text.encode(),
        headers={"Content-Type": "text/csv; charset=utf-8"},
        params=params,
    )


def test_an_administrator_imports_a_csv_sheet_and_the_cameras_are_listed_without_passwords(
    store: Store,
) -> None:
    app = _app(store)
    with bearer_client(app, "admin") as client:
        answer = _post_csv(client, HEADER + "\n".join(GOOD) + "\n")
        assert answer.status_code == 200, answer.text
        assert answer.json()["created"] == 3 and answer.json()["skipped"] == []
        listed = client.get("/api/v1/cameras").json()["data"]
        audit = client.get("/api/v1/audit", params={"action": "cameras_imported"}).json()
    by_id = {camera["id"]: camera for camera in listed}
    assert by_id["34020200001310000002"]["stream_redacted"] == "rtsp://10.20.1.22/ch1/sub"
    assert by_id["34020200001310000001"]["school_name"] == "北关小学"
    assert {entry["school_id"] for entry in audit["data"]} == {"north", "south"}
    assert {entry["username"] for entry in audit["data"]} == {"admin"}
    assert CAMERA_PASSWORD not in answer.text + str(listed) + str(audit)


def test_a_sheet_with_bad_rows_is_refused_with_each_row_and_column_and_nothing_imported(store: Store) -> None:
    app = _app(store)
    with bearer_client(app, "admin") as client:
        answer = _post_csv(client, HEADER + "\n".join(GOOD + BAD) + "\n")
        assert answer.status_code == 422, answer.text
        assert [error["loc"] for error in answer.json()["detail"]] == [
            ["body", 5, "school"],
            ["body", 6, "stream"],
            ["body", 7, "id"],
        ]
        assert INLINE_PASSWORD not in answer.text
        assert CameraImports(store).list() == []

        skipping = _post_csv(client, HEADER + "\n".join(GOOD + BAD) + "\n", skip_bad="true")
        assert skipping.status_code == 200, skipping.text
        assert skipping.json()["created"] == 3
        assert [(s["row"], s["column"]) for s in skipping.json()["skipped"]] == [
            (5, "school"),
            (6, "stream"),
            (7, "id"),
        ]
        assert INLINE_PASSWORD not in skipping.text


def test_an_xlsx_sheet_in_a_form_or_as_the_body_imports(store: Store) -> None:
    rows = [dict(zip(HEADER.strip().split(","), line.split(","), strict=True)) for line in GOOD]
    workbook = xlsx_bytes(rows, HEADER.strip().split(","))
    app = _app(store)
    with bearer_client(app, "admin") as client:
        form = client.post("/api/v1/cameras/import", files={"file": ("学校摄像机.xlsx", workbook, XLSX_TYPE)})
        assert form.status_code == 200, form.text
        assert form.json()["created"] == 3
        body = client.post("/api/v1/cameras/import", content=workbook, headers={"Content-Type": XLSX_TYPE})
        assert body.status_code == 200, body.text
        assert (body.json()["created"], body.json()["updated"]) == (0, 3)


def test_only_administrators_import(store: Store) -> None:
    app = _app(store)
    for username in ("officer", "supervisor", "north-supervisor"):
        with bearer_client(app, username) as client:
            answer = _post_csv(client, HEADER + GOOD[0] + "\n")
            assert answer.status_code == 403, (username, answer.text)
    with TestClient(app) as anonymous:
        assert _post_csv(anonymous, HEADER + GOOD[0] + "\n").status_code == 401
    assert CameraImports(store).list() == []


def test_malformed_sheets_and_requests_get_a_4xx_never_a_500(store: Store) -> None:
    app = _app(store, ApiSettings(title="School Patrol", timezone="Asia/Shanghai", max_body_bytes=64 * 1024))
    with bearer_client(app, "admin") as client:
        cases = [
            (b"PK\x03\x04" + b"\x00" * 200, XLSX_TYPE, 422),
            (b"\xff\xfe\x81", "text/csv", 422),
            (b"", "text/csv", 422),
            (b"id,school\n" + b"x," * 10 + b"\n", "text/csv", 422),
            (b'{"rows": []}', "application/json", 415),
            (b"x" * (65 * 1024), "text/csv", 413),
        ]
        for body, content_type, expected in cases:
            answer = client.post(
                "/api/v1/cameras/import", content=body, headers={"Content-Type": content_type}
            )
            assert answer.status_code == expected, (content_type, answer.status_code, answer.text)
        no_file = client.post(
            "/api/v1/cameras/import", data={"sheet": "x"}, files={"other": ("a.csv", b"id\n")}
        )
        assert no_file.status_code == 422
        broken_form = client.post(
            "/api/v1/cameras/import",
            content=b"--x\r\nnot a part",
            headers={"Content-Type": "multipart/form-data; boundary=x"},
        )
        assert broken_form.status_code in (400, 422)
        bad_choice = _post_csv(client, HEADER + GOOD[0] + "\n", onvif_stream="third")
        assert bad_choice.status_code == 422
    assert CameraImports(store).list() == []


def test_a_server_that_does_not_import_says_so(store: Store) -> None:
    with bearer_client(make_app(store), "admin") as client:
        assert _post_csv(client, HEADER + GOOD[0] + "\n").status_code == 503
