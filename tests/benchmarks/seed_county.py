"""A county-sized patrol database on PostgreSQL, seeded with server-side SQL in minutes.

Schools, cameras, looks (one look of every camera about every 16 minutes, day and night),
events with evidence rows and decisions, and hazards with their history. Everything is derived
from row numbers, never from random(), so a look's id and time are the same on every seed:
the benchmark restores the looks a prune deleted by inserting the same rows again.

Used by tests.benchmarks.bench_store_scale; not a test.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
from sqlalchemy import Connection, Engine, text

from patrol.store.schema import Migrations

EVIDENCE_PICTURES = 16
MODEL_SHA256 = "5f6f620d0fa574ed80d8348bb8d46060148eb0ba24e3eea00d31a30cdadba41d"


@dataclass(frozen=True)
class Scale:
    schools: int = 153
    cameras: int = 3100
    looks_days: int = 90
    looks_per_day: int = 275_000
    events: int = 50_000

    @property
    def look_interval_s(self) -> int:
        """Seconds between two looks of one camera."""
        return max(1, round(86_400 * self.cameras / self.looks_per_day))

    @property
    def looks_per_camera(self) -> int:
        return self.looks_days * 86_400 // self.look_interval_s


@dataclass(frozen=True)
class Seed:
    """What a seeded database holds, kept in its comment so a later run can reuse it."""

    scale: Scale
    end: datetime  # the newest look and event; the benchmark's clock stands here

    @property
    def start(self) -> datetime:
        return self.end - timedelta(days=self.scale.looks_days)

    def to_comment(self) -> str:
        return json.dumps({"scale": asdict(self.scale), "end": self.end.isoformat()})

    @classmethod
    def from_comment(cls, comment: str | None) -> Seed | None:
        try:
            data = json.loads(comment or "")
            return cls(Scale(**data["scale"]), datetime.fromisoformat(data["end"]))
        except (ValueError, KeyError, TypeError):
            return None


def read_seed(engine: Engine) -> Seed | None:
    with engine.connect() as connection:
        comment = connection.scalar(
            text(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"
            )
        )
    return Seed.from_comment(comment)


def school_id(n: str) -> str:
    return f"'school-' || lpad(({n})::text, 3, '0')"


def camera_id(n: str) -> str:
    return f"'cam-' || lpad(({n})::text, 5, '0')"


def camera_school(c: str, scale: Scale) -> str:
    """Cameras are dealt to schools in turn: camera c is at school ((c - 1) mod schools) + 1."""
    return f"((({c}) - 1) % {scale.schools}) + 1"


def write_evidence_pictures(evidence_dir: Path) -> list[tuple[str, str]]:
    """A few real JPEG files that every evidence row points to: (relative path, sha256)."""
    pictures = []
    for n in range(EVIDENCE_PICTURES):
        image = np.full((360, 640, 3), 40 + 10 * n, dtype=np.uint8)
        cv2.rectangle(image, (100 + 10 * n, 60), (220 + 10 * n, 300), (0, 0, 255), 3)
        ok, encoded = cv2.imencode(".jpg", image)
        assert ok
        relative = f"bench/{n:02d}.jpg"
        (evidence_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (evidence_dir / relative).write_bytes(encoded.tobytes())
        pictures.append((relative, hashlib.sha256(encoded.tobytes()).hexdigest()))
    return pictures


def seed(engine: Engine, scale: Scale, evidence_dir: Path, *, end: datetime) -> Seed:
    """Fill an empty database (migrated here with the project's migrations) at `scale`."""
    Migrations(engine).upgrade()
    made = Seed(scale, end)
    pictures = write_evidence_pictures(evidence_dir)
    with engine.connect() as connection:
        connection.exec_driver_sql("SET synchronous_commit = off")
        connection.exec_driver_sql("SET maintenance_work_mem = '1GB'")
        # Foreign keys hold by construction; checking 25 million of them would double the seed time.
        connection.exec_driver_sql("SET session_replication_role = replica")
        connection.commit()
        _step("schools and cameras", lambda: _sites(connection, scale))
        _step("looks", lambda: _looks(connection, made))
        _step("camera status", lambda: _camera_status(connection))
        _step("events", lambda: _events(connection, made))
        _step("evidence", lambda: _evidence(connection, pictures))
        _step("decisions", lambda: _decisions(connection))
        _step("hazards", lambda: _hazards(connection, made))
        connection.exec_driver_sql("SET session_replication_role = DEFAULT")
        connection.commit()
    # VACUUM cannot run in a transaction; it also sets the visibility map a steady database has.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        _step("vacuum analyze", lambda: connection.exec_driver_sql("VACUUM ANALYZE"))
        # Not text(): the comment's times hold colons, which text() would take for parameters.
        connection.exec_driver_sql(f"COMMENT ON DATABASE {engine.url.database} IS '{made.to_comment()}'")
    return made


def restore_looks(engine: Engine, made: Seed, before: datetime) -> int:
    """Insert again the seeded looks started before `before` that a prune deleted."""
    last_k = int((before - made.start).total_seconds() // made.scale.look_interval_s) + 1
    with engine.connect() as connection:
        connection.exec_driver_sql("SET synchronous_commit = off")
        connection.exec_driver_sql("SET session_replication_role = replica")
        restored = _insert_looks(
            connection, made, 0, min(last_k, made.scale.looks_per_camera - 1), conflict=True
        )
        connection.exec_driver_sql("SET session_replication_role = DEFAULT")
        connection.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE looks")
    return restored


def _step(name: str, work: Callable[[], object]) -> None:
    started = time.monotonic()
    work()
    print(f"  seeded {name} in {time.monotonic() - started:.1f} s", flush=True)


def _sites(connection: Connection, scale: Scale) -> None:
    connection.execute(
        text(
            f"INSERT INTO schools (id, name) SELECT {school_id('s')}, '第' || s || '小学' "
            "FROM generate_series(1, :schools) s"
        ),
        {"schools": scale.schools},
    )
    roles = "(ARRAY['booth', 'gate_inside', 'gate_outside', 'yard'])"
    connection.execute(
        text(
            f"INSERT INTO cameras (id, school_id, name, role, stream_redacted) "
            f"SELECT {camera_id('c')}, {school_id(camera_school('c', scale))}, '摄像头 ' || c, "
            f"{roles}[1 + c % 4], 'rtsp://admin@10.' || (c / 250) || '.' || (c % 250) || '.11:554/ch1' "
            "FROM generate_series(1, :cameras) c"
        ),
        {"cameras": scale.cameras},
    )
    connection.commit()


def _looks(connection: Connection, made: Seed) -> None:
    # Indexes are built once after the load, from their own definitions: the same indexes the
    # migrations made, at a fraction of the cost of keeping them up row by row.
    indexes = list(
        connection.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE tablename = 'looks' AND indexname <> 'looks_pkey'"
            )
        )
    )
    for name, _ in indexes:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    connection.commit()
    per_camera = made.scale.looks_per_camera
    chunk = max(1, per_camera // made.scale.looks_days)  # about a day of looks per statement
    for first in range(0, per_camera, chunk):
        _insert_looks(connection, made, first, min(first + chunk, per_camera) - 1, conflict=False)
        connection.commit()
    for _, definition in indexes:
        connection.exec_driver_sql(definition)
    connection.execute(text("SELECT setval('looks_id_seq', (SELECT max(id) FROM looks))"))
    connection.commit()


def _insert_looks(connection: Connection, made: Seed, first_k: int, last_k: int, *, conflict: bool) -> int:
    """Look k of camera c has id k * cameras + c and starts k look intervals after the seed's start,
    plus a fixed offset per camera; outcomes and kinds follow a hash of (k, c)."""
    scale = made.scale
    interval = scale.look_interval_s
    result = connection.execute(
        text(
            "INSERT INTO looks (id, camera_id, kind, started_at, finished_at, outcome, frames, max_persons, detail) "
            f"SELECT k * {scale.cameras} + c, {camera_id('c')}, "
            "CASE WHEN (k * 31 + c * 17) % 100 < 90 THEN 'random' "
            "     WHEN (k * 31 + c * 17) % 100 < 99 THEN 'follow_up' ELSE 'on_demand' END, "
            "at, at + make_interval(secs => 2 + (k + c) % 12), "
            "CASE WHEN h < 970 THEN 'ok' WHEN h < 985 THEN 'unreachable' "
            "     WHEN h < 990 THEN 'auth_refused' ELSE 'failed' END, "
            "CASE WHEN h < 970 THEN 1 + ((k + c) % 3) * 15 ELSE 0 END, "
            "CASE WHEN h < 970 THEN (k * 7 + c) % 5 ELSE 0 END, "
            "CASE WHEN h < 970 THEN '' ELSE 'no answer within 8 s' END "
            "FROM generate_series(CAST(:first_k AS integer), CAST(:last_k AS integer)) k "
            "CROSS JOIN generate_series(1, :cameras) c "
            "CROSS JOIN LATERAL (SELECT "
            f"  CAST(:start AS timestamptz) + make_interval(secs => k * {interval} + (c * 7919) % {interval}) AS at, "
            "  (k * 7919 + c * 104729) % 1000 AS h) derived "
            "ORDER BY k, c" + (" ON CONFLICT (id) DO NOTHING" if conflict else "")
        ),
        {"first_k": first_k, "last_k": last_k, "cameras": scale.cameras, "start": made.start},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _camera_status(connection: Connection) -> None:
    connection.execute(
        text(
            "INSERT INTO camera_status (camera_id, last_look_id, last_look_at, last_outcome, last_ok_at) "
            "SELECT DISTINCT ON (camera_id) camera_id, id, finished_at, outcome, "
            "  CASE WHEN outcome = 'ok' THEN finished_at ELSE finished_at - interval '20 minutes' END "
            "FROM looks WHERE started_at > (SELECT max(started_at) - interval '1 day' FROM looks) "
            "ORDER BY camera_id, id DESC"
        )
    )
    connection.commit()


def _events(connection: Connection, made: Seed) -> None:
    """Events spread evenly over the seeded days in id order; the older ones mostly decided,
    the last day's mostly new; the latest of some cameras' conditions still ongoing."""
    scale = made.scale
    spacing = scale.looks_days * 86_400 / scale.events
    types = (
        "CASE WHEN h < 30 THEN 'guard_absent' WHEN h < 50 THEN 'loitering' "
        "WHEN h < 65 THEN 'unregistered_entry' WHEN h < 80 THEN 'camera_unreachable' "
        "WHEN h < 84 THEN 'camera_auth_refused' WHEN h < 88 THEN 'camera_blank' "
        "WHEN h < 92 THEN 'camera_frozen' WHEN h < 96 THEN 'camera_obstructed' ELSE 'camera_moved' END"
    )
    connection.execute(
        text(
            "INSERT INTO events (id, camera_id, school_id, type, status, first_seen, last_seen, ended_at, "
            "  looks, summary, details, model_name, model_sha256, decided_at, decision_note) "
            f"SELECT e, {camera_id('c')}, {school_id(camera_school('c', scale))}, kind, status, "
            "  first_seen, first_seen + make_interval(mins => (e % 7) * 5), "
            "  first_seen + make_interval(mins => (e % 7) * 5 + 5), 1 + e % 7, "
            "  kind || ' at ' || " + camera_id("c") + ", "
            "  json_build_object('rule', kind, 'min_persons', 1, 'persons_in_zone', 0, 'confirm_after_s', 180), "
            "  'person-fall-v8', :sha, "
            "  CASE WHEN status = 'new' THEN NULL ELSE first_seen + make_interval(mins => 2 + e % 240) END, "
            "  CASE WHEN status = 'dismissed' THEN '误报' WHEN status = 'confirmed' THEN '已通报学校' ELSE '' END "
            "FROM generate_series(1, :events) e "
            "CROSS JOIN LATERAL (SELECT 1 + (e * 2654435761) % :cameras AS c, (e * 40503) % 100 AS h, "
            f"  CAST(:start AS timestamptz) + make_interval(secs => (e - 1) * {spacing} + (e * 13) % 60) "
            "    AS first_seen) base "
            f"CROSS JOIN LATERAL (SELECT {types} AS kind, "
            "  CASE WHEN first_seen > CAST(:end AS timestamptz) - interval '1 day' "
            "       THEN (CASE WHEN e % 10 < 6 THEN 'new' WHEN e % 10 < 8 THEN 'confirmed' ELSE 'dismissed' END) "
            "       ELSE (CASE WHEN (e * 7) % 100 < 5 THEN 'new' WHEN (e * 7) % 100 < 45 THEN 'confirmed' "
            "                  ELSE 'dismissed' END) END AS status) judged"
        ),
        {
            "events": scale.events,
            "cameras": scale.cameras,
            "start": made.start,
            "end": made.end,
            "sha": MODEL_SHA256,
        },
    )
    # Ongoing: the latest new event of each camera and condition in the last day, every other one.
    connection.execute(
        text(
            "UPDATE events SET ended_at = NULL WHERE id IN ("
            "  SELECT DISTINCT ON (camera_id, type) id FROM events "
            "  WHERE first_seen > (SELECT max(first_seen) - interval '1 day' FROM events) AND status = 'new' "
            "  ORDER BY camera_id, type, first_seen DESC) AND id % 2 = 0"
        )
    )
    connection.execute(text("SELECT setval('events_id_seq', :events)"), {"events": scale.events})
    connection.commit()


def _evidence(connection: Connection, pictures: list[tuple[str, str]]) -> None:
    """One to three pictures per event, none for a camera that could not be reached."""
    paths = "ARRAY[" + ", ".join(f"'{path}'" for path, _ in pictures) + "]"
    hashes = "ARRAY[" + ", ".join(f"'{sha}'" for _, sha in pictures) + "]"
    connection.execute(
        text(
            "INSERT INTO evidence (event_id, created_at, relative_path, sha256) "
            "SELECT id, first_seen + make_interval(mins => n * 3), "
            f"  ({paths})[1 + (id + n) % {len(pictures)}], ({hashes})[1 + (id + n) % {len(pictures)}] "
            "FROM events CROSS JOIN generate_series(0, 2) n "
            "WHERE n <= id % 3 AND type NOT IN ('camera_unreachable', 'camera_auth_refused') "
            "ORDER BY id, n"
        )
    )
    connection.commit()


def _decisions(connection: Connection) -> None:
    """Each decided event's decision; one in 97 revised later by a supervisor (same verdict)."""
    reasons = (
        "(ARRAY['false_detection', 'authorised_person', 'guard_present_off_zone', 'camera_problem', 'other'])"
    )
    connection.execute(
        text(
            "INSERT INTO decisions (event_id, decided_by, role, status, reason, note, decided_at) "
            "SELECT id, 'officer-' || (id % 40), 'officer', status, "
            f"  CASE WHEN status = 'dismissed' THEN {reasons}[1 + id % 5] END, decision_note, "
            "  CASE WHEN id % 97 = 0 THEN decided_at - interval '1 hour' ELSE decided_at END "
            "FROM events WHERE status <> 'new' ORDER BY id"
        )
    )
    connection.execute(
        text(
            "INSERT INTO decisions (event_id, decided_by, role, status, reason, note, decided_at, revision_of) "
            "SELECT d.event_id, 'supervisor-' || (d.event_id % 5), 'supervisor', d.status, "
            "  COALESCE(d.reason, 'other'), '复核', e.decided_at, d.id "
            "FROM decisions d JOIN events e ON e.id = d.event_id WHERE d.event_id % 97 = 0 ORDER BY d.id"
        )
    )
    connection.commit()


def _hazards(connection: Connection, made: Seed) -> None:
    """One confirmed event in eight is a registered hazard; the older ones cleared, with history."""
    connection.execute(
        text(
            "INSERT INTO hazards (event_id, school_id, camera_id, type, level, state, owner, deadline, "
            "  created_at, created_by, evidence_at, evidence_look_id, evidence_note, cleared_at) "
            "SELECT id, school_id, camera_id, type, "
            "  (ARRAY['on_the_spot', 'notice', 'education_department'])[1 + id % 3], state, "
            "  '学校安保负责人', decided_at + interval '3 days', decided_at, 'supervisor-' || (id % 5), "
            "  CASE WHEN state IN ('rectified', 'cleared') THEN decided_at + interval '2 days' END, NULL, "
            "  CASE WHEN state IN ('rectified', 'cleared') THEN 'patrol look no longer shows it' ELSE '' END, "
            "  CASE WHEN state = 'cleared' THEN decided_at + interval '2 days' END "
            "FROM events CROSS JOIN LATERAL (SELECT CASE "
            "    WHEN decided_at < CAST(:end AS timestamptz) - interval '10 days' THEN 'cleared' "
            "    ELSE (ARRAY['notified', 'rectifying', 'rectified'])[1 + id % 3] END AS state) s "
            "WHERE status = 'confirmed' AND id % 8 = 0 ORDER BY id"
        ),
        {"end": made.end},
    )
    connection.execute(
        text(
            "INSERT INTO hazard_transitions (hazard_id, at, by, action, from_state, to_state, level, deadline, note) "
            "SELECT id, created_at, created_by, 'create', NULL, 'notified', level, deadline, '' FROM hazards "
            "UNION ALL "
            "SELECT id, COALESCE(cleared_at, created_at + interval '1 day'), 'patrol', "
            "  CASE WHEN state = 'cleared' THEN 'clear' ELSE 'advance' END, 'notified', state, level, deadline, '' "
            "FROM hazards WHERE state <> 'notified' ORDER BY 1, 2"
        )
    )
    connection.commit()
