"""The app factory: every collaborator is passed in, nothing is built at import time."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.deps import PatrolControl
from api.errors import install_error_handlers
from api.routes import cameras, dashboard, events, health
from api.settings import ApiSettings
from patrol.store import Store

API_PREFIX = "/api/v1"
_HERE = Path(__file__).parent


def create_app(settings: ApiSettings, store: Store, patrol: PatrolControl | None = None) -> FastAPI:
    """The HTTP API and dashboard over `store`; `patrol` is the patrol running in this process, if any."""
    app = FastAPI(title=settings.title)
    app.state.settings = settings
    app.state.store = store
    app.state.patrol = patrol
    app.state.templates = Jinja2Templates(directory=_HERE / "templates")

    app.include_router(events.router, prefix=API_PREFIX)
    app.include_router(cameras.router, prefix=API_PREFIX)
    app.include_router(health.router)
    app.include_router(dashboard.router)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")

    install_error_handlers(app)
    return app
