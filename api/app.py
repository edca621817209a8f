"""The app factory: every collaborator is passed in, nothing is built at import time."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.deps import PatrolControl
from api.routes import cameras, dashboard, events, health
from api.settings import ApiSettings
from patrol.store import AlreadyDecided, EventNotFound, Store

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

    app.add_exception_handler(EventNotFound, _event_not_found)
    app.add_exception_handler(AlreadyDecided, _already_decided)
    return app


async def _event_not_found(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": f"event {exc.args[0]} not found"}, status_code=status.HTTP_404_NOT_FOUND)


async def _already_decided(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AlreadyDecided)
    event = exc.event
    return JSONResponse(
        {"detail": f"event {event.id} is already {event.status.value}; a decision is final"},
        status_code=status.HTTP_409_CONFLICT,
    )
