"""Who is asking is settled before a request body is read.

The API shares its process with the patrol: a body read into memory before anyone asks who sent
it is memory the patrol may need. FastAPI reads a route's body before its dependencies run, so
the credentials of a request with a body are checked here, in front of the app; the body's size
is bounded by the app's `max_body_size` (Content-Length at once, counted while it streams).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import resolve_principal


def _has_body(headers: Headers) -> bool:
    return headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in headers


class CredentialsBeforeBody:
    """A request with a body to a route under `prefix` without a valid session or token: 401, unread."""

    def __init__(self, app: ASGIApp, *, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"].startswith(self.prefix)
            and _has_body(Headers(scope=scope))
            # The check reads the database: off the event loop, like the routes' own.
            and await run_in_threadpool(resolve_principal, Request(scope)) is None
        ):
            refused = JSONResponse(
                {"detail": "log in, or send an API token as 'Authorization: Bearer ...'"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer", "Connection": "close"},
            )
            await refused(scope, receive, send)
            return
        await self.app(scope, receive, send)
