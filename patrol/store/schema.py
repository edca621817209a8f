"""The database schema's version: the Alembic migrations shipped in this package, and what a process
does with them at start.

Migrations run on a connection this module opens, never from an `alembic.ini`, so they work the
same from a checkout and from an installed wheel.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, inspect, text

from patrol.store.tables import APPEND_ONLY_TRIGGERS, Base

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
BASELINE = "0001_baseline"
# The tables `create_all` made before migrations existed: a database holding all of them and no
# version table is that schema, and is stamped with the baseline rather than created again.
BASELINE_TABLES = frozenset(
    {
        "schools",
        "cameras",
        "looks",
        "events",
        "evidence",
        "camera_references",
        "decisions",
        "audit_log",
        "on_demand_patrols",
        "hazards",
        "hazard_transitions",
        "users",
        "user_sessions",
        "api_tokens",
        "login_throttle",
    }
)
VERSION_TABLE = "alembic_version"
# Any fixed number: two processes starting on one empty PostgreSQL database migrate one at a time.
_MIGRATION_LOCK_KEY = 0x70A7_01


def full_metadata() -> MetaData:
    """Every table of the patrol's database (the accounts' tables join when their module loads)."""
    import patrol.store.account_tables  # noqa: F401

    return Base.metadata


class SchemaState(StrEnum):
    EMPTY = "empty"  # no tables: created at head at start
    UNVERSIONED = "unversioned"  # made by create_all before migrations: stamped with the baseline
    PARTIAL = "partial"  # some of the patrol's tables but not all, and no version: not ours to guess
    BEHIND = "behind"  # an older revision: `patrol db upgrade`
    CURRENT = "current"
    UNKNOWN = "unknown"  # a revision this release does not know: made by a newer release


@dataclass(frozen=True)
class SchemaStatus:
    state: SchemaState
    revision: str | None
    head: str
    missing_tables: tuple[str, ...] = ()

    def describe(self) -> str:
        match self.state:
            case SchemaState.EMPTY:
                return "empty database (no tables yet)"
            case SchemaState.UNVERSIONED:
                return "made before migrations (no version table yet)"
            case SchemaState.PARTIAL:
                return "no version table and tables missing: " + ", ".join(self.missing_tables)
            case SchemaState.BEHIND:
                return f"{self.revision}, behind this release's {self.head}"
            case SchemaState.CURRENT:
                return f"{self.revision} (head)"
            case SchemaState.UNKNOWN:
                return f"{self.revision}, unknown to this release (head {self.head}): made by a newer one?"


class SchemaNotReady(RuntimeError):
    """The database's schema is not the one this release runs on; the message says what to do."""


class Migrations:
    """The migrations of one database. `extra_versions` adds folders of revisions (tests)."""

    def __init__(self, engine: Engine, *, extra_versions: Sequence[Path] = ()) -> None:
        self._engine = engine
        self._config = Config()
        self._config.set_main_option("script_location", _ini_value(MIGRATIONS_DIR))
        self._config.set_main_option("path_separator", "os")
        self._config.set_main_option(
            "version_locations", os.pathsep.join(_ini_value(path) for path in (VERSIONS_DIR, *extra_versions))
        )
        self._scripts = ScriptDirectory.from_config(self._config)

    @property
    def head(self) -> str:
        head = self._scripts.get_current_head()
        assert head is not None, "the package ships at least the baseline revision"
        return head

    def status(self) -> SchemaStatus:
        with self._engine.connect() as connection:
            return self._status(connection)

    def upgrade(self, revision: str = "head") -> SchemaStatus:
        """Bring the database to `revision`: an empty one is created, a pre-migration one stamped first."""
        with self._locked() as connection:
            status = self._status(connection)
            if status.state is SchemaState.PARTIAL:
                raise SchemaNotReady(f"cannot upgrade: {status.describe()}")
            if status.state is SchemaState.UNKNOWN:
                raise SchemaNotReady(f"cannot upgrade: database at {status.describe()}")
            if status.state is SchemaState.UNVERSIONED:
                self._run(connection, command.stamp, BASELINE)
            self._run(connection, command.upgrade, revision)
            after = self._status(connection)
        log.info("database schema: %s -> %s", status.describe(), after.describe())
        return after

    def create_all_at_head(self) -> None:
        """The fast path for tests and scratch databases: `create_all`, stamped at head.

        The same schema the migrations make (tests/patrol/test_migrations.py checks it with
        `drift()`), in a fraction of the time.
        """
        with self._locked() as connection:
            full_metadata().create_all(connection)
            MigrationContext.configure(connection).stamp(self._scripts, "head")

    def downgrade(self, revision: str) -> SchemaStatus:
        with self._locked() as connection:
            self._run(connection, command.downgrade, revision)
            return self._status(connection)

    def drift(self) -> list[str]:
        """How the database differs from the models, one line each; empty when they agree."""
        with self._engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            lines = [_describe_diff(diff) for diff in compare_metadata(context, full_metadata())]
            lines.extend(_missing_triggers(connection))
        return lines

    def _status(self, connection: Connection) -> SchemaStatus:
        tables = set(inspect(connection).get_table_names())
        head = self.head
        if VERSION_TABLE not in tables or (revision := _revision(connection)) is None:
            ours = tables & BASELINE_TABLES
            if not ours:
                return SchemaStatus(SchemaState.EMPTY, None, head)
            missing = tuple(sorted(BASELINE_TABLES - tables))
            state = SchemaState.PARTIAL if missing else SchemaState.UNVERSIONED
            return SchemaStatus(state, None, head, missing)
        if revision == head:
            return SchemaStatus(SchemaState.CURRENT, revision, head)
        known = {script.revision for script in self._scripts.walk_revisions()}
        state = SchemaState.BEHIND if revision in known else SchemaState.UNKNOWN
        return SchemaStatus(state, revision, head)

    @contextmanager
    def _locked(self) -> Iterator[Connection]:
        # One transaction for the whole upgrade, so a failed one leaves the schema as it was.
        with self._engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            elif connection.dialect.name == "sqlite":
                # Python's sqlite3 opens a transaction only before DML, so DDL would commit one
                # statement at a time; an explicit one also takes the write lock up front.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            yield connection

    def _run(self, connection: Connection, step: Any, revision: str) -> None:
        self._config.attributes["connection"] = connection
        try:
            step(self._config, revision)
        finally:
            del self._config.attributes["connection"]


def prepare_schema(engine: Engine, *, migrate: bool, upgrade_command: str) -> SchemaStatus:
    """At a process's start: create an empty database at head, upgrade only when `migrate` is given,
    and refuse any other schema than the current one with the command that fixes it."""
    migrations = Migrations(engine)
    status = migrations.status()
    if status.state is SchemaState.CURRENT:
        return status
    if status.state is SchemaState.EMPTY or (
        migrate and status.state in (SchemaState.UNVERSIONED, SchemaState.BEHIND)
    ):
        return migrations.upgrade()
    if status.state in (SchemaState.UNVERSIONED, SchemaState.BEHIND):
        raise SchemaNotReady(
            f"the database schema is {status.describe()}; "
            f"run `{upgrade_command}` (or start with --migrate), then start again"
        )
    raise SchemaNotReady(f"the database schema is {status.describe()}; refusing to start")


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _ini_value(path: Path) -> str:
    # Alembic's options go through configparser, where % starts an interpolation.
    return str(path).replace("%", "%%")


def _missing_triggers(connection: Connection) -> list[str]:
    expected = APPEND_ONLY_TRIGGERS.get(connection.dialect.name, frozenset())
    if not expected:
        return []
    if connection.dialect.name == "sqlite":
        query = text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")
    else:
        query = text(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass('audit_log') AND NOT tgisinternal"
        )
    present = set(connection.scalars(query))
    return [f"missing trigger {name} on audit_log" for name in sorted(expected - present)]


def _describe_diff(diff: Any) -> str:
    # compare_metadata gives tuples like ("add_column", schema, table, Column) or lists of
    # ("modify_type", ...) tuples for one column.
    if isinstance(diff, list):
        return "; ".join(_describe_diff(part) for part in diff)
    kind, *rest = diff
    return f"{kind}: " + ", ".join(str(part) for part in rest if part is not None)
