"""Liveness for the load balancer and the dispatch room."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from api.deps import PatrolDep, StoreDep
from api.schemas import HealthPublic

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get(
    "/healthz",
    response_model=HealthPublic,
    responses={503: {"model": HealthPublic, "description": "The database does not answer"}},
)
def healthz(store: StoreDep, patrol: PatrolDep) -> HealthPublic | JSONResponse:
    patrol_status: dict[str, object]
    if patrol is None:
        patrol_status = {"running": False, "detail": "the patrol is not running in this process"}
    else:
        patrol_status = {"running": True, **patrol.status()}
    try:
        # The cheapest read the store offers: one small table.
        store.list_schools()
    except (SQLAlchemyError, OSError) as exc:
        # The error text may name the server; keep it in the log, not the answer.
        log.warning("health check: database unreachable: %s", exc)
        body = HealthPublic(
            status="error", database=f"unreachable ({type(exc).__name__})", patrol=patrol_status
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=503)
    return HealthPublic(status="ok", database="ok", patrol=patrol_status)
