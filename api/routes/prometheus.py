"""/metrics for Prometheus, behind its own bearer token (api.metrics_token), apart from user logins."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, HTTPException, Request, Response, status

from api.deps import MetricsDep, SettingsDep
from patrol.metrics import CONTENT_TYPE

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text format"},
        401: {"description": "No bearer token, or not api.metrics_token"},
        404: {"description": "Metrics are off: api.metrics_token is not set"},
    },
)
def prometheus_metrics(request: Request, settings: SettingsDep, metrics: MetricsDep) -> Response:
    expected = settings.metrics_token
    if not expected:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "metrics are off: set api.metrics_token in the config")
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(sent.strip().encode(), expected.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "send api.metrics_token as a bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Response(metrics.exposition(), media_type=CONTENT_TYPE)
