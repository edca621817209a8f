"""Migrations: the baseline equals create_all's schema, old databases are stamped not recreated,
a new revision goes up and down, and processes refuse a schema they do not run on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, inspect, select, text
from sqlalchemy.exc import DatabaseError

from patrol.cli import main
from patrol.config import parse_config
from patrol.service import open_store
from patrol.store import Store, sqlite_url
from patrol.store.schema import (
    BASELINE,
    BASELINE_TABLES,
    Migrations,
    SchemaNotReady,
    SchemaState,
)
from patrol.store.tables import EventRow, LookRow
from patrol.types import LookOutcome
from tests.api.support import T0, populate
from tests.conftest import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own for each test, empty: SQLite, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    request.getfixturevalue("postgres_url")  # skips (or fails in CI) when PostgreSQL is down
    with postgres_database(prefix="patrol_migrations") as url:
        yield url


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = Store(database_url, tmp_path / "evidence")
    yield opened
    opened.close()


def _config_file(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"data_dir: {tmp_path / 'data'}\n"
        f"database_url: {database_url}\n"
        "schools: [{id: s1, name: School 1}]\n"
        "cameras: []\n",
        encoding="utf-8",
    )
    return path


def create_all_before_migrations(engine: Engine) -> None:
    """What the release before migrations made at start with create_all: the baseline revision's
    schema (equal to it when the baseline was written), without a version table."""
    Migrations(engine).upgrade(BASELINE)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    assert set(inspect(engine).get_table_names()) == BASELINE_TABLES


def _back_to_before_migrations(engine: Engine) -> None:
    """A database filled in by today's code, taken back to the baseline's schema with its rows,
    and its revision stamp gone: what the release before migrations left."""
    Migrations(engine).downgrade(BASELINE)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    assert set(inspect(engine).get_table_names()) == BASELINE_TABLES


def _looks_before_migrations(store: Store) -> None:
    """Looks as that release wrote them: rows of `looks` alone."""
    with store.database.sessions.begin() as session:
        for minute, (camera, outcome) in enumerate(
            [("north-booth", "ok"), ("north-booth", "unreachable"), ("south-gate", "ok")]
        ):
            at = T0 + timedelta(minutes=minute)
            session.add(
                LookRow(camera_id=camera, kind="random", started_at=at, finished_at=at, outcome=outcome)
            )


def _events(store: Store) -> list[tuple[int, str, str]]:
    with store.database.sessions() as session:
        rows = session.execute(select(EventRow.id, EventRow.camera_id, EventRow.type).order_by(EventRow.id))
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_the_migrated_schema_is_the_models_and_create_alls(store: Store, tmp_path: Path) -> None:
    migrations = Migrations(store.engine)
    assert migrations.status().state is SchemaState.EMPTY
    assert migrations.upgrade().state is SchemaState.CURRENT
    assert migrations.drift() == []
    # The audit log's triggers come with the migration too.
    populate(store)
    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_log (at, username, role, action, target, client, detail) "
                "VALUES (CURRENT_TIMESTAMP, 'a', '', 'login', '', '', '{}')"
            )
        )
        connection.execute(text("DELETE FROM audit_log"))

    migrated = _schema_of(store)

    # The tests' fast path: create_all, stamped at head; the same schema to the last index.
    assert migrations.downgrade("base").state is SchemaState.EMPTY
    assert _schema_of(store) == {"alembic_version": _schema_of(store)["alembic_version"]}
    store.create_schema()
    assert migrations.status().state is SchemaState.CURRENT
    assert migrations.drift() == []
    assert _schema_of(store) == migrated


def _schema_of(store: Store) -> dict[str, object]:
    found = inspect(store.engine)
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)],
            sorted(
                (
                    i["name"] or "",
                    str(i["column_names"]),
                    i["unique"],
                    sorted((k, str(v)) for k, v in i.get("dialect_options", {}).items()),
                )
                for i in found.get_indexes(table)
            ),
            sorted(str(u["column_names"]) for u in found.get_unique_constraints(table)),
            sorted(
                f"{k['constrained_columns']}->{k['referred_table']}" for k in found.get_foreign_keys(table)
            ),
        )
        for table in sorted(found.get_table_names())
    }


def test_a_database_made_by_create_all_keeps_every_event_through_db_upgrade(
    store: Store, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Migrations(store.engine).upgrade()
    site = populate(store)
    _looks_before_migrations(store)
    _back_to_before_migrations(store.engine)
    before = _events(store)
    assert len(before) == 5 and before[0][0] == site.a.id
    config = _config_file(tmp_path, database_url)

    assert main(["db", "current", "--config", str(config)]) == 0
    assert "made before migrations" in capsys.readouterr().out
    assert main(["db", "check", "--config", str(config)]) == 1
    assert "schema revision: made before migrations" in capsys.readouterr().out

    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert f"now:    {Migrations(store.engine).head} (head)" in capsys.readouterr().out
    assert _events(store) == before
    assert store.get_event(site.b.id).status == site.b.status
    # The camera status revision filled itself in from the looks.
    health = {
        camera.camera.id: (camera.last_look_at, camera.last_outcome) for camera in store.camera_health()
    }
    assert health == {
        "north-booth": (T0 + timedelta(minutes=1), LookOutcome.UNREACHABLE),
        "south-gate": (T0 + timedelta(minutes=2), LookOutcome.OK),
        "north-gate": (None, None),
    }

    assert main(["db", "check", "--config", str(config)]) == 0
    assert "no drift" in capsys.readouterr().out
    assert main(["db", "upgrade", "--config", str(config)]) == 0  # again: nothing to do
    assert _events(store) == before


def test_a_new_revision_adds_a_column_and_takes_it_away(store: Store, tmp_path: Path) -> None:
    released = Migrations(store.engine).upgrade().head
    populate(store)
    with store.engine.connect() as connection:
        looks_before = connection.scalar(select(func.count()).select_from(LookRow))
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "0002_look_note.py").write_text(
        f'''"""A throwaway revision."""
import sqlalchemy as sa
from alembic import op

revision = "0002_look_note"
down_revision = "{released}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("looks", sa.Column("note", sa.String(200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("looks") as batch:
        batch.drop_column("note")
''',
        encoding="utf-8",
    )
    migrations = Migrations(store.engine, extra_versions=[versions])
    assert migrations.head == "0002_look_note"
    assert migrations.status().state is SchemaState.BEHIND

    assert migrations.upgrade().revision == "0002_look_note"
    assert "note" in {column["name"] for column in inspect(store.engine).get_columns("looks")}
    # The models do not have the column: check says so.
    assert [line for line in migrations.drift() if "note" in line]
    assert _events(store)  # the data stayed

    assert migrations.downgrade(released).revision == released
    assert "note" not in {column["name"] for column in inspect(store.engine).get_columns("looks")}
    assert migrations.drift() == []
    with store.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(LookRow)) == looks_before
    # The release without the revision sees its own head again.
    assert Migrations(store.engine).status().state is SchemaState.CURRENT


def test_a_revision_that_fails_leaves_the_schema_as_it_was(store: Store, tmp_path: Path) -> None:
    released = Migrations(store.engine).upgrade().head
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "0003_broken.py").write_text(
        f'''"""A revision that fails half-way."""
import sqlalchemy as sa
from alembic import op

revision = "0003_broken"
down_revision = "{released}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    op.add_column("looks", sa.Column("half_done", sa.Integer, nullable=True))
    op.execute("INSERT INTO no_such_table VALUES (1)")


def downgrade() -> None:
    pass
''',
        encoding="utf-8",
    )
    with pytest.raises(DatabaseError):
        Migrations(store.engine, extra_versions=[versions]).upgrade()
    found = inspect(store.engine)
    assert "half_done" not in found.get_table_names()
    assert "half_done" not in {column["name"] for column in found.get_columns("looks")}
    assert Migrations(store.engine).status().state is SchemaState.CURRENT
    assert Migrations(store.engine).drift() == []


def test_a_process_creates_an_empty_database_and_refuses_an_old_one(
    database_url: str, tmp_path: Path
) -> None:
    config_path = _config_file(tmp_path, database_url)
    config = parse_config(config_path.read_text(encoding="utf-8"))
    opened = open_store(config, config_path=config_path)
    try:
        assert Migrations(opened.engine).status().state is SchemaState.CURRENT
        # Make it the schema of the release before migrations: no version table, no later tables.
        Migrations(opened.engine).downgrade("base")
        create_all_before_migrations(opened.engine)
    finally:
        opened.close()

    with pytest.raises(SchemaNotReady, match=f"run `patrol db upgrade --config {config_path}`"):
        open_store(config, config_path=config_path)
    migrated = open_store(config, migrate=True, config_path=config_path)
    try:
        assert Migrations(migrated.engine).status().state is SchemaState.CURRENT
        # A revision this release does not know (a newer release's) is never touched.
        with migrated.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    finally:
        migrated.close()
    with pytest.raises(SchemaNotReady, match="unknown to this release"):
        open_store(config, migrate=True, config_path=config_path)


def test_the_cli_refuses_an_old_schema_with_the_command_to_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database_url = sqlite_url(tmp_path)
    config = _config_file(tmp_path, database_url)
    engine = create_engine(database_url)
    create_all_before_migrations(engine)
    engine.dispose()
    assert main(["users", "list", "--config", str(config)]) == 2
    assert f"run `patrol db upgrade --config {config}`" in capsys.readouterr().err


def test_check_notices_a_missing_audit_trigger(store: Store) -> None:
    migrations = Migrations(store.engine)
    migrations.upgrade()
    name = "audit_log_no_delete" if store.engine.dialect.name == "sqlite" else "audit_log_append_only"
    with store.engine.begin() as connection:
        connection.execute(text(f"DROP TRIGGER {name}" + (" ON audit_log" if name.endswith("only") else "")))
    assert migrations.drift() == [f"missing trigger {name} on audit_log"]


def _index_columns(store: Store, table: str) -> dict[str, list[str]]:
    return {
        index["name"] or "": [str(column) for column in index["column_names"]]
        for index in inspect(store.engine).get_indexes(table)
    }


def test_the_query_indexes_revision_goes_up_and_down_keeping_the_data(store: Store) -> None:
    migrations = Migrations(store.engine)
    # Filled in at today's revision, then taken down to the one before the indexes, rows and all.
    migrations.upgrade()
    site = populate(store)
    _looks_before_migrations(store)
    migrations.downgrade("0002_camera_status")
    before = _events(store)
    single = {f"ix_events_{column}": [column] for column in ("school_id", "camera_id", "type", "status")}
    assert single.items() <= _index_columns(store, "events").items()
    assert _index_columns(store, "looks")["ix_looks_started_at"] == ["started_at"]

    assert migrations.upgrade("0003_query_indexes").revision == "0003_query_indexes"
    events = _index_columns(store, "events")
    for column in ("school_id", "camera_id", "type", "status"):
        assert events[f"ix_events_{column}_first_seen"] == [column, "first_seen"]
        assert f"ix_events_{column}" not in events
    looks = _index_columns(store, "looks")
    assert looks["ix_looks_started_at_camera_id_outcome"] == ["started_at", "camera_id", "outcome"]
    assert "ix_looks_started_at" not in looks
    assert _events(store) == before
    assert store.list_events(school_id="north")[1] == 3

    assert migrations.downgrade("0002_camera_status").revision == "0002_camera_status"
    events = _index_columns(store, "events")
    assert single.items() <= events.items()
    assert not [name for name in events if name.endswith("_first_seen") and name != "ix_events_first_seen"]
    assert _index_columns(store, "looks")["ix_looks_started_at"] == ["started_at"]
    assert "ix_looks_started_at_camera_id_outcome" not in _index_columns(store, "looks")
    assert _events(store) == before
    assert store.get_event(site.c.id).status == site.c.status

    assert migrations.upgrade().state is SchemaState.CURRENT
    assert migrations.drift() == []
