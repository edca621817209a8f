"""The app factory: every collaborator is passed in, nothing is built at import time."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.deps import PatrolControl, SnapshotTaker
from api.errors import install_error_handlers
from api.limits import ApiLimits
from api.pages import install_page_handlers
from api.request_guard import CredentialsBeforeBody
from api.routes import (
    audit,
    auth,
    camera_page,
    camera_views,
    cameras,
    dashboard,
    events,
    hazards,
    health,
    live,
    prometheus,
    registry_import,
    reports,
    schools,
)
from api.security_headers import SecurityHeaders
from api.settings import ApiSettings
from patrol.accounts import Accounts, Jurisdictions
from patrol.clock import Clock, SystemClock
from patrol.config.schema import SamplingConfig
from patrol.hazards import HazardRegister
from patrol.metrics import PatrolMetrics, site_figures
from patrol.registry.views import CameraViews
from patrol.store import Store
from patrol.store.schema import Migrations
from patrol.stream_slots import StreamSlots
from streams.redact import NO_SECRETS, Secrets

if TYPE_CHECKING:
    from patrol.registry.importer import CameraImporter

API_PREFIX = "/api/v1"
_HERE = Path(__file__).parent


def create_app(
    settings: ApiSettings,
    store: Store,
    patrol: PatrolControl | None = None,
    *,
    accounts: Accounts,
    jurisdictions: Jurisdictions,
    snapshots: SnapshotTaker | None = None,
    clock: Clock | None = None,
    metrics: PatrolMetrics | None = None,
    stream_slots: StreamSlots | None = None,
    secrets: Secrets = NO_SECRETS,
    camera_import: CameraImporter | None = None,
) -> FastAPI:
    """The HTTP API and dashboard over `store`.

    `patrol` is the patrol running in this process, if any; `accounts` checks users, sessions and
    tokens; `jurisdictions` say which schools each user sees; `snapshots` takes the officer's
    "look now" pictures (None: this server cannot reach cameras); `clock` stamps decisions,
    sessions and audit entries; `metrics` holds the process's Prometheus figures (the patrol's,
    when one runs here), to which the app adds the store's; `stream_slots` are the patrol's, when
    it runs in this process, so snapshots and patrol looks share one limit per camera and per
    school; `secrets` are the configuration's secrets, masked by value in every answer that may
    quote a stream address or an error (credentials by their shape are masked either way);
    `camera_import` imports registry sheets, and with its config the imported cameras' views are
    edited (None: POST /cameras/import and the camera view routes answer 503).
    """
    app = FastAPI(
        title=settings.title,
        # The docs pages load their scripts from a CDN, which an air-gapped network lacks.
        docs_url="/docs" if settings.docs else None,
        redoc_url="/redoc" if settings.docs else None,
        max_body_size=settings.max_body_bytes,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.hazards = HazardRegister(store)
    app.state.patrol = patrol
    app.state.accounts = accounts
    app.state.jurisdictions = jurisdictions
    app.state.snapshots = snapshots
    app.state.clock = clock or SystemClock()
    app.state.metrics = metrics = metrics or PatrolMetrics()
    metrics.watch_site(lambda: site_figures(store))
    app.state.migrations = Migrations(store.engine)
    app.state.limits = ApiLimits(
        snapshots_per_user_per_minute=settings.snapshots_per_user_per_minute,
        live_feeds_per_user=settings.live_feeds_per_user,
        stream_slots=stream_slots or StreamSlots(SamplingConfig().max_streams_per_school),
    )
    app.state.secrets = secrets
    app.state.camera_import = camera_import
    # Cameras are edited where they are imported: both need the config as its file says.
    app.state.camera_views = CameraViews(camera_import.config, store) if camera_import else None
    app.state.templates = Jinja2Templates(directory=_HERE / "templates")

    # The live feed's /events/stream comes before /events/{event_id}.
    app.include_router(live.router, prefix=API_PREFIX)
    app.include_router(events.router, prefix=API_PREFIX)
    app.include_router(registry_import.router, prefix=API_PREFIX)
    app.include_router(cameras.router, prefix=API_PREFIX)
    app.include_router(camera_views.router, prefix=API_PREFIX)
    app.include_router(schools.router, prefix=API_PREFIX)
    app.include_router(audit.router, prefix=API_PREFIX)
    app.include_router(hazards.router, prefix=API_PREFIX)
    app.include_router(reports.router, prefix=API_PREFIX)
    app.include_router(auth.router)
    app.include_router(health.router)
    app.include_router(prometheus.router)
    app.include_router(dashboard.router)
    app.include_router(camera_page.router)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")

    install_error_handlers(app)
    install_page_handlers(app)
    # Added last, runs first: headers on every answer, credentials before any body is read.
    app.add_middleware(CredentialsBeforeBody, prefix=API_PREFIX + "/")
    app.add_middleware(SecurityHeaders)
    return app
