"""Liveness (/healthz) for whoever restarts the process, readiness (/readyz) for whoever sends it
work, and the figures behind them for logged-in users."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from api.auth import resolve_principal
from api.deps import MigrationsDep, PatrolDep, StoreDep
from api.schemas import HealthPublic, ReadinessPublic
from patrol.store.schema import SchemaState

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/healthz", response_model=HealthPublic, response_model_exclude_none=True)
def healthz(request: Request, store: StoreDep, patrol: PatrolDep) -> HealthPublic:
    """200 while the process answers: `{"status": "ok"}` alone without a login; a logged-in user
    also sees the database's state and the patrol's aggregate figures (never a future look time).
    """
    if not _logged_in(request):
        return HealthPublic(status="ok")
    if patrol is None:
        patrol_status: dict[str, object] = {
            "running": False,
            "detail": "the patrol is not running in this process",
        }
    else:
        patrol_status = {"running": True, **patrol.status()}
    try:
        # The cheapest read the store offers: one small table.
        store.list_schools()
        database = "ok"
    except (SQLAlchemyError, OSError) as exc:
        log.warning("health check: database unreachable: %s", exc)
        database = f"unreachable ({type(exc).__name__})"
    return HealthPublic(status="ok", database=database, patrol=patrol_status)


@router.get(
    "/readyz",
    response_model=ReadinessPublic,
    responses={503: {"model": ReadinessPublic, "description": "Not ready, with the reasons"}},
)
def readyz(migrations: MigrationsDep, patrol: PatrolDep) -> ReadinessPublic | JSONResponse:
    """Ready when the database answers at this release's schema and, where the patrol runs in
    this process, its dispatcher is alive and looks keep finishing."""
    reasons = []
    try:
        schema = migrations.status()
        if schema.state is not SchemaState.CURRENT:
            reasons.append(f"database schema: {schema.describe()}")
    except (SQLAlchemyError, OSError) as exc:
        # The error text may name the server; keep it in the log, not the answer.
        log.warning("readiness: database unreachable: %s", exc)
        reasons.append(f"database unreachable ({type(exc).__name__})")
    if patrol is not None and (problem := patrol.readiness_problem()) is not None:
        reasons.append(problem)
    if reasons:
        body = ReadinessPublic(status="not ready", reasons=reasons)
        return JSONResponse(body.model_dump(mode="json"), status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    return ReadinessPublic(status="ready", reasons=[])


def _logged_in(request: Request) -> bool:
    try:
        return resolve_principal(request) is not None
    except (SQLAlchemyError, OSError):
        return False  # with the database down nobody can be recognised
