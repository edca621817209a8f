"""A county's camera registry as a platform exports it: a config with its schools and templates,
and a sheet of its cameras (GB/T 28181 device ids, the password in an environment variable)."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

PASSWORD_VARIABLE = "COUNTY_CAMERA_PASSWORD"
COLUMNS = ("id", "school", "name", "role", "stream", "username", "credentials", "template")
_RECTANGLE = [[0.3, 0.2], [0.7, 0.2], [0.7, 0.95], [0.3, 0.95]]
_OUTSIDE = [[0.0, 0.5], [1.0, 0.5], [1.0, 1.0], [0.0, 1.0]]
TEMPLATES = {
    "booth": {
        "zones": {"booth": _RECTANGLE},
        "rules": {"guard_absent": {"zone": "booth", "confirm_after_s": 300, "windows": ["school_hours"]}},
    },
    "gate_inside": {
        "zones": {"desk": [[0.05, 0.4], [0.3, 0.4], [0.3, 0.9], [0.05, 0.9]]},
        "lines": {"gate_line": {"points": [[0.0, 0.6], [1.0, 0.6]], "inside": [0.5, 0.9]}},
        "rules": {
            "unregistered_entry": {"line": "gate_line", "desk_zone": "desk", "windows": ["school_hours"]}
        },
    },
    "gate_outside": {
        "zones": {"outside": _OUTSIDE},
        "rules": {"loitering": {"zone": "outside", "windows": ["school_hours"]}},
    },
    "wide-gate": {
        "zones": {"outside": [[0.0, 0.3], [1.0, 0.3], [1.0, 1.0], [0.0, 1.0]]},
        "rules": {"loitering": {"zone": "outside", "min_dwell_s": 12, "windows": ["school_hours"]}},
    },
}
# A school's cameras: one booth, two gates each side, the rest look at the yard.
_FIRST_ROLES = ("booth", "gate_inside", "gate_inside", "gate_outside", "gate_outside")
_NAMES = {"booth": "门卫室", "gate_inside": "校门内", "gate_outside": "校门外", "yard": "操场"}


@dataclass(frozen=True)
class County:
    config: dict[str, object]
    rows: list[dict[str, str]]

    def write_config(self, path: Path, **extra: object) -> Path:
        path.write_text(yaml.safe_dump({**self.config, **extra}, allow_unicode=True), encoding="utf-8")
        return path


def gb28181_id(serial: int) -> str:
    """A camera's 20-digit device id: centre code 34020200, industry 00, type 131 (camera), serial."""
    return f"3402020000131{serial:07d}"


def county(schools: int = 153, cameras: int = 3100, *, seed: int = 7) -> County:
    rng = random.Random(seed)
    school_ids = [f"school-{n:03d}" for n in range(1, schools + 1)]
    config: dict[str, object] = {
        "windows": {"school_hours": [{"start": "07:00", "end": "18:00"}]},
        "schools": [{"id": school, "name": f"第{n}小学"} for n, school in enumerate(school_ids, start=1)],
        "cameras": [],
        "templates": TEMPLATES,
    }
    rows = []
    for n in range(cameras):
        school_index = n % schools
        within = n // schools
        role = _FIRST_ROLES[within] if within < len(_FIRST_ROLES) else "yard"
        host = f"10.{20 + school_index // 200}.{school_index % 200}.{10 + within}"
        # Most ids are GB/T 28181 device ids; a few are written the way the config writes them.
        camera_id = gb28181_id(n + 1) if n % 10 else f"{school_ids[school_index]}-cam-{within + 1}"
        in_url = rng.random() < 0.5
        rows.append(
            {
                "id": camera_id,
                "school": school_ids[school_index],
                "name": f"{_NAMES[role]}{within + 1}",
                "role": role,
                "stream": f"rtsp://{'admin@' if in_url else ''}{host}:554/Streaming/Channels/102",
                "username": "" if in_url else "admin",
                "credentials": PASSWORD_VARIABLE,
                "template": "wide-gate" if role == "gate_outside" and within == 4 else "",
            }
        )
    return County(config, rows)


def csv_bytes(rows: Sequence[dict[str, str]], columns: Sequence[str] = COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows: Sequence[dict[str, object]], columns: Sequence[str] = COLUMNS) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row.get(column, "") for column in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
