"""The API served, on its own (`patrol serve`) or beside the patrol in one process (`patrol run`,
`patrol demo`): the wiring above both the patrol and the API, so `patrol.service` needs no `api`."""

from __future__ import annotations

import contextlib
import logging
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn

from api.app import create_app
from api.deps import PatrolControl
from api.settings import ApiSettings
from patrol.accounts import Accounts, Jurisdictions
from patrol.config import PatrolConfig, config_secrets
from patrol.metrics import PatrolMetrics
from patrol.notify import Notifier
from patrol.service import (
    build_patrol,
    camera_importer,
    ensure_demo_users,
    include_imported_cameras,
    metrics_token,
    open_accounts,
    open_store,
    outbox_figures,
    retention_policy,
    start_daily_prune,
    start_simulator,
)
from patrol.snapshots import CameraSnapshots
from patrol.store import Store
from patrol.stream_slots import StreamSlots

if TYPE_CHECKING:
    from patrol.registry.importer import CameraImporter

log = logging.getLogger(__name__)


def serve_api(
    config: PatrolConfig,
    store: Store,
    accounts: Accounts,
    patrol: PatrolControl | None,
    metrics: PatrolMetrics | None = None,
    slots: StreamSlots | None = None,
    camera_import: CameraImporter | None = None,
    snapshots: CameraSnapshots | None = None,
) -> None:
    """Blocks until Ctrl-C or SIGTERM; uvicorn handles both signals and shuts down gracefully.

    `slots` are the patrol's stream slots when it runs in this process; the snapshots share them.
    `camera_import` takes registry sheets (POST /api/v1/cameras/import); see `camera_importer`.
    `snapshots`: the config's cameras' by default.
    """
    app = create_app(
        ApiSettings(
            timezone=config.timezone,
            secure_cookies=config.api.secure_cookies,
            metrics_token=metrics_token(config),
            max_body_bytes=config.api.max_body_bytes,
            docs=config.api.docs,
            snapshots_per_user_per_minute=config.api.snapshots_per_user_per_minute,
            live_feeds_per_user=config.api.live_feeds_per_user,
            on_demand_cooldown_s=config.api.on_demand_cooldown_s,
            report_max_findings=config.api.report_max_findings,
        ),
        store,
        patrol,
        accounts=accounts,
        jurisdictions=Jurisdictions.from_config(config.jurisdictions),
        snapshots=snapshots or CameraSnapshots.from_config(config),
        metrics=metrics,
        stream_slots=slots or StreamSlots(config.sampling.max_streams_per_school),
        secrets=config_secrets(config),
        camera_import=camera_import,
    )
    # Open live feeds (dashboards) would otherwise hold a Ctrl-C up for as long as they stay.
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=config.api.host, port=config.api.port, log_config=None, timeout_graceful_shutdown=3
        )
    )
    log.info("dashboard on http://%s:%d/", config.api.host, config.api.port)
    # uvicorn re-raises the Ctrl-C it already handled; by then the shutdown was clean.
    with contextlib.suppress(KeyboardInterrupt):
        server.run()


def run(file_config: PatrolConfig, *, with_simulator: bool, migrate: bool, config_path: Path) -> None:
    from patrol.registry.refresh import start_camera_refresh

    store = open_store(file_config, migrate=migrate, config_path=config_path)
    with ExitStack() as running:
        running.callback(store.close)
        config, directory = include_imported_cameras(file_config, store)
        metrics = PatrolMetrics()
        notifier = Notifier.from_config(config.notify)
        notifier.start()
        running.callback(notifier.stop)
        store.add_listener(notifier)
        metrics.watch_outboxes(lambda: outbox_figures(notifier))
        accounts = open_accounts(config, store)
        if with_simulator:
            ensure_demo_users(config, accounts)
            simulator = start_simulator(config)
            running.callback(simulator.stop)
        # One set of stream slots for the patrol's looks and the officers' snapshots.
        slots = StreamSlots(config.sampling.max_streams_per_school)
        patrol = build_patrol(config, store, metrics, slots)
        patrol.start()
        running.callback(patrol.stop)
        snapshots = CameraSnapshots.from_config(config)
        running.callback(start_camera_refresh(config, directory, [patrol, snapshots]).stop)
        policy = retention_policy(config)
        if policy.deletes_anything:
            running.callback(start_daily_prune(store, policy).stop)
        serve_api(
            config,
            store,
            accounts,
            patrol,
            metrics,
            slots,
            camera_importer(file_config, store),
            snapshots,
        )
