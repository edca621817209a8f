"""How errors become answers: the store's exceptions and refused requests, always a 4xx; a
machine missing what a document needs, a 503 that says what to install."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.limits import TooMany
from patrol.hazards import HazardNotFound, IllegalTransition
from patrol.reports.fonts import FontMissing
from patrol.store import AlreadyDecided, CameraNotFound, EventNotFound, NotDecided, RevisionConflict


class AsciiJSONResponse(JSONResponse):
    """JSON with every non-ASCII character escaped.

    A refused request's error echoes its input, which may hold text UTF-8 cannot encode
    (a lone surrogate sent as "\\ud800"); escaped, it still renders instead of failing with a 500.
    """

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def unprocessable(location: tuple[str, ...], message: str) -> RequestValidationError:
    """A 422 for a check the schema cannot state (two fields together), shaped as every other 422."""
    return RequestValidationError([{"type": "value_error", "loc": location, "msg": message, "input": None}])


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(EventNotFound, _event_not_found)
    app.add_exception_handler(AlreadyDecided, _already_decided)
    app.add_exception_handler(CameraNotFound, _camera_not_found)
    app.add_exception_handler(NotDecided, _not_decided)
    app.add_exception_handler(RevisionConflict, _revision_conflict)
    app.add_exception_handler(HazardNotFound, _hazard_not_found)
    app.add_exception_handler(IllegalTransition, _illegal_transition)
    app.add_exception_handler(TooMany, _too_many)
    app.add_exception_handler(FontMissing, _font_missing)


async def _too_many(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TooMany)
    return JSONResponse(
        {"detail": f"{exc.detail}; try again in {exc.retry_after_s} s"},
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(exc.retry_after_s)},
    )


async def _hazard_not_found(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": f"hazard {exc.args[0]} not found"}, status_code=status.HTTP_404_NOT_FOUND)


async def _font_missing(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)


async def _illegal_transition(_request: Request, exc: Exception) -> JSONResponse:
    return AsciiJSONResponse({"detail": str(exc)}, status_code=status.HTTP_409_CONFLICT)


async def _invalid_request(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return AsciiJSONResponse(
        {"detail": jsonable_encoder(exc.errors())}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
    )


async def _event_not_found(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": f"event {exc.args[0]} not found"}, status_code=status.HTTP_404_NOT_FOUND)


async def _already_decided(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AlreadyDecided)
    event = exc.event
    return JSONResponse(
        {"detail": f"event {event.id} is already {event.status.value}; a decision is final"},
        status_code=status.HTTP_409_CONFLICT,
    )


async def _camera_not_found(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": f"camera {exc.args[0]} not found"}, status_code=status.HTTP_404_NOT_FOUND)


async def _not_decided(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NotDecided)
    return JSONResponse(
        {"detail": f"event {exc.event.id} is still new: decide it (confirm or dismiss) before revising"},
        status_code=status.HTTP_409_CONFLICT,
    )


async def _revision_conflict(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_409_CONFLICT)
