"""Putting the patrol's parts together: store, accounts, detector, patrol, retention, optional simulator.

Serving the API on top of them is `patrol.serving`'s job: nothing here imports `api`."""

from __future__ import annotations

import logging
import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from patrol.accounts import Accounts
from patrol.cameras import build_sites
from patrol.clock import SystemClock
from patrol.config import PatrolConfig, config_secrets
from patrol.logs import configure_logging
from patrol.look import Looker
from patrol.metrics import OutboxFigures, PatrolMetrics
from patrol.notify import Notifier
from patrol.runtime import Patrol
from patrol.store import Store, sqlite_url
from patrol.store.retention import DailyPrune, RetentionPolicy
from patrol.store.schema import prepare_schema
from patrol.stream_slots import StreamSlots
from patrol.types import Role

if TYPE_CHECKING:
    from patrol.registry.directory import CameraDirectory
    from patrol.registry.importer import CameraImporter
    from streams.simulator import SimulatorServer

log = logging.getLogger(__name__)

DEMO_PASSWORD_VARIABLE = "PATROL_CAMERA_PASSWORD"
DEMO_METRICS_TOKEN_VARIABLE = "PATROL_METRICS_TOKEN"


def connect_store(config: PatrolConfig) -> Store:
    """The config's database as it is, schema untouched (`patrol db` looks at it this way)."""
    url = config.database_url.get_secret_value() if config.database_url else sqlite_url(config.data_dir)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    return Store(url, config.data_dir / "evidence")


def open_store(config: PatrolConfig, *, migrate: bool = False, config_path: Path | None = None) -> Store:
    """The config's database, ready for this release: an empty one is created at the latest
    revision; an older schema is upgraded only when `migrate`, and otherwise refused
    (SchemaNotReady) with the command to run."""
    store = connect_store(config)
    try:
        prepare_schema(
            store.engine,
            migrate=migrate,
            upgrade_command=f"patrol db upgrade --config {config_path or default_config_path()}",
        )
    except BaseException:
        store.close()
        raise
    store.evidence_dir.mkdir(parents=True, exist_ok=True)
    return store


def include_imported_cameras(file_config: PatrolConfig, store: Store) -> tuple[PatrolConfig, CameraDirectory]:
    """The config with the cameras imported into the database added (ConfigError, listing them,
    for any that cannot be built); the log then masks their passwords too. With it, the directory
    that reads them again while the process runs, knowing the ones read here."""
    from patrol.registry.directory import CameraDirectory
    from patrol.registry.patrol_cameras import with_imported_cameras
    from patrol.store.camera_imports import CameraImports

    imports = CameraImports(store)
    records = imports.list()
    merged = with_imported_cameras(file_config, records, os.environ)
    if merged is not file_config:
        configure_logging(config_secrets(merged))
        log.info(
            "%d imported cameras join the config's %d",
            len(merged.cameras) - len(file_config.cameras),
            len(file_config.cameras),
        )
    directory = CameraDirectory(
        file_config, imports.list, environ=os.environ, known=records, secrets=config_secrets(merged)
    )
    return merged, directory


def open_accounts(config: PatrolConfig, store: Store) -> Accounts:
    return Accounts(store, session_lifetime=timedelta(hours=config.api.session_hours))


# The demo's users: one per role, all of the county bureau so every school is visible.
DEMO_USERS = (
    ("dispatcher", Role.DISPATCHER, "指挥室 Dispatch room"),
    ("officer", Role.OFFICER, "值班民警 Duty officer"),
    ("supervisor", Role.SUPERVISOR, "主管 Supervisor"),
    ("admin", Role.ADMINISTRATOR, "管理员 Administrator"),
)


def ensure_demo_users(config: PatrolConfig, accounts: Accounts, out: TextIO | None = None) -> None:
    """Create the demo's users where absent and show their passwords once, on the terminal only.

    Printed to stdout directly, never logged: log files must not hold passwords.
    """
    out = out or sys.stdout
    county = config.jurisdictions.county.id
    now = SystemClock().now()
    lines = []
    for username, role, name in DEMO_USERS:
        if accounts.get_user(username) is not None:
            lines.append(f"  {username:<11} {role.value:<14} (exists; password unchanged)")
            continue
        password = secrets.token_urlsafe(12)
        accounts.add_user(username, password, role, county, now, display_name=name)
        lines.append(f"  {username:<11} {role.value:<14} {password}")
    print("Demo users (passwords are shown this once and are not logged):", file=out)
    print("\n".join(lines), file=out, flush=True)


def build_patrol(
    config: PatrolConfig, store: Store, metrics: PatrolMetrics, slots: StreamSlots | None = None
) -> Patrol:
    from detectors.manifest import ModelError
    from patrol.detection import build_detector  # loads the runtime: only for processes that patrol

    schools, cameras = build_sites(config)
    store.sync_sites(schools, [camera.record() for camera in cameras])
    try:
        detector = build_detector(config.detector)
    except ModelError as exc:
        raise SystemExit(f"detector: {exc}") from None
    clock = SystemClock()
    looker = Looker(metrics.timed(detector), config.sampling, clock, references=store)
    return Patrol.from_config(config, cameras, store, looker, clock, metrics, slots=slots)


def camera_importer(file_config: PatrolConfig, store: Store) -> CameraImporter:
    """Imports registry sheets against the config as its file says (before the imported cameras
    join it: those may be imported again)."""
    from patrol.registry.importer import CameraImporter

    return CameraImporter(file_config, store, onvif_timeout_s=file_config.sampling.open_timeout_s)


def retention_policy(config: PatrolConfig) -> RetentionPolicy:
    retention = config.retention
    return RetentionPolicy(
        looks_older_than=timedelta(days=retention.looks_days) if retention.looks_days else None,
        dismissed_evidence_older_than=(
            timedelta(days=retention.dismissed_evidence_days) if retention.dismissed_evidence_days else None
        ),
        batch_size=retention.batch_size,
    )


def start_daily_prune(store: Store, policy: RetentionPolicy) -> DailyPrune:
    clock = SystemClock()
    # The first prune waits a few minutes, so a restart loop never prunes over and over.
    daily = DailyPrune(
        lambda pause: store.prune(policy, clock.now(), pause=pause), first_after_s=300, every_s=86400
    )
    daily.start()
    return daily


def metrics_token(config: PatrolConfig) -> str | None:
    token = config.api.metrics_token.get_secret_value() if config.api.metrics_token else ""
    return token or None


def outbox_figures(notifier: Notifier) -> dict[str, OutboxFigures]:
    return {name: OutboxFigures(**figures) for name, figures in notifier.figures().items()}


def start_simulator(config: PatrolConfig) -> SimulatorServer:
    from streams.simulator import SimulatorServer

    if config.simulator is None:
        raise SystemExit("this config has no `simulator:` section to serve")
    simulator = SimulatorServer(
        config.simulator.paths,
        port=config.simulator.port,
        username=config.simulator.username,
        password=config.simulator.password.get_secret_value(),
        cache_dir=config.data_dir / "simulator",
        onvif_port=config.simulator.onvif_port,
    )
    simulator.start()
    log.info(
        "simulator serving %d cameras on rtsp://127.0.0.1:%d",
        len(config.simulator.paths),
        config.simulator.port,
    )
    if config.simulator.onvif_port is not None:
        for path in config.simulator.paths:
            log.info("simulated camera %s: ONVIF device on %s", path, simulator.onvif_address(path))
    return simulator


def ensure_demo_password() -> None:
    """The demo's simulated cameras need a password; make a fresh one unless the user set one."""
    os.environ.setdefault(DEMO_PASSWORD_VARIABLE, secrets.token_urlsafe(12))


def ensure_demo_metrics_token() -> str | None:
    """The demo serves /metrics with a fresh token unless the user set one; returns a new one."""
    if os.environ.get(DEMO_METRICS_TOKEN_VARIABLE):
        return None
    token = secrets.token_urlsafe(24)
    os.environ[DEMO_METRICS_TOKEN_VARIABLE] = token
    return token


def default_config_path() -> Path:
    return Path("config.yaml")
