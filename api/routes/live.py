"""What the wall screen keeps up to date: counts of open events, camera health, and a live feed.

The feed is server-sent events fed from the database, not from the patrol's memory, so it works
when the API runs in another process than the patrol (`patrol serve`): each connection polls
the newest events' versions every `live_poll_s` and sends the events that changed.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from api.auth import Viewer, ViewerDep, resolve_principal
from api.deps import LimitsDep, SettingsDep, StoreDep
from api.routes.events import event_public
from api.schemas import CameraHealthPublic, ErrorPublic, OverviewPublic, SchoolHealthPublic
from patrol.records import EventVersion
from patrol.store import EventNotFound, Store

router = APIRouter(tags=["live"])

# The newest events a live view watches for changes.
WATCHED_EVENTS = 200
KEEPALIVE_S = 15.0
# A session that ended (logout, expiry, disabled user) stops its feed within this.
RECHECK_SESSION_S = 10.0


def overview(store: Store, viewer: Viewer) -> OverviewPublic:
    counts = store.open_counts(school_ids=viewer.school_ids)
    by_school: dict[str, list[CameraHealthPublic]] = {}
    for health in store.camera_health(school_ids=viewer.school_ids):
        by_school.setdefault(health.camera.school_id, []).append(CameraHealthPublic.from_health(health))
    schools = []
    for school in store.list_schools(school_ids=viewer.school_ids):
        cameras = by_school.get(school.id, [])
        unreachable = sum(camera.state == "unreachable" for camera in cameras)
        schools.append(
            SchoolHealthPublic(id=school.id, name=school.name, cameras=cameras, unreachable=unreachable)
        )
    return OverviewPublic(
        open_by_type=counts,
        open_total=sum(counts.values()),
        schools=schools,
        unreachable_cameras=sum(school.unreachable for school in schools),
    )


@router.get(
    "/overview",
    response_model=OverviewPublic,
    responses={401: {"model": ErrorPublic, "description": "No session or API token"}},
    summary="Open events by type, and each school's cameras with their health",
)
def get_overview(store: StoreDep, viewer: ViewerDep) -> OverviewPublic:
    return overview(store, viewer)


def _message(kind: str, data: str) -> str:
    return f"event: {kind}\ndata: {data}\n\n"


class _HeldFeed(StreamingResponse):
    """A feed that gives its user's place back however it ends: client gone, session over,
    server stopping, or never started."""

    def __init__(self, content: AsyncIterator[str], release: Callable[[], None]) -> None:
        super().__init__(
            content,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


async def _messages(request: Request, store: Store, viewer: Viewer, poll_s: float) -> AsyncIterator[str]:
    known: dict[int, EventVersion] | None = None
    last_overview = ""
    last_sent = last_check = time.monotonic()
    yield "retry: 2000\n\n"
    while not await request.is_disconnected():
        versions = await run_in_threadpool(
            store.event_versions, school_ids=viewer.school_ids, limit=WATCHED_EVENTS
        )
        current = {version.id: version for version in versions}
        if known is None:
            # The client fetched its list before connecting; `ready` tells it to fetch once more,
            # which covers anything recorded in between.
            yield _message("ready", "{}")
            last_sent = time.monotonic()
        else:
            for event_id in sorted(i for i, v in current.items() if known.get(i) != v):
                try:
                    record = await run_in_threadpool(store.get_event, event_id, school_ids=viewer.school_ids)
                except EventNotFound:
                    continue
                yield _message("event", event_public(request, record).model_dump_json())
                last_sent = time.monotonic()
        known = current
        summary = (await run_in_threadpool(overview, store, viewer)).model_dump_json()
        if summary != last_overview:
            last_overview = summary
            yield _message("overview", summary)
            last_sent = time.monotonic()
        now = time.monotonic()
        if now - last_check >= RECHECK_SESSION_S:
            last_check = now
            if await run_in_threadpool(resolve_principal, request) is None:
                yield _message("logout", json.dumps({"detail": "the session ended"}))
                return
        if now - last_sent >= KEEPALIVE_S:
            yield ": keepalive\n\n"
            last_sent = now
        await asyncio.sleep(poll_s)


@router.get(
    "/events/stream",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "ready, event and overview messages"},
        401: {"model": ErrorPublic, "description": "No session or API token"},
        429: {"model": ErrorPublic, "description": "The user holds as many live feeds as allowed"},
    },
    summary="Live feed (server-sent events) of new and changed events in the user's jurisdiction",
)
def event_stream(
    request: Request, store: StoreDep, settings: SettingsDep, limits: LimitsDep, viewer: ViewerDep
) -> StreamingResponse:
    username = viewer.user.username
    limits.live_feeds.enter(username)
    return _HeldFeed(
        _messages(request, store, viewer, settings.live_poll_s), lambda: limits.live_feeds.leave(username)
    )
