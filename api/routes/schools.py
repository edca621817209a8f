"""On-demand patrols: an officer asks for every camera of a school to be looked at now."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, status

from api.audit import audit
from api.auth import PatrolRequesterDep, ViewerDep
from api.deps import LimitsDep, NowDep, PatrolDep, SettingsDep, StoreDep
from api.limits import TooMany
from api.params import ID_PATTERN, MAX_ID
from api.schemas import ErrorPublic, OnDemandPublic, Responses
from patrol.store import OnDemandNotFound
from patrol.types import AuditAction

router = APIRouter(prefix="/schools", tags=["patrols"])

SchoolId = Annotated[str, Path(pattern=ID_PATTERN, description="School id")]
RequestId = Annotated[int, Path(ge=1, le=MAX_ID, description="On-demand patrol id")]
NOT_FOUND: Responses = {
    401: {"model": ErrorPublic, "description": "No session or API token"},
    404: {"model": ErrorPublic, "description": "No such school in the user's jurisdiction"},
}


def _school_in_view(store: StoreDep, school_ids: frozenset[str] | None, school_id: str) -> None:
    if school_id not in {school.id for school in store.list_schools(school_ids=school_ids)}:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no school {school_id}")


@router.post(
    "/{school_id}/patrol",
    response_model=OnDemandPublic,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        **NOT_FOUND,
        403: {"model": ErrorPublic, "description": "The role may not ask for patrols"},
        429: {"model": ErrorPublic, "description": "The school was patrolled on demand too recently"},
        503: {"model": ErrorPublic, "description": "No patrol runs in this server"},
    },
    summary="Patrol this school now: every camera looked at within the configured bound (audited)",
)
def request_patrol(
    request: Request,
    store: StoreDep,
    patrol: PatrolDep,
    limits: LimitsDep,
    settings: SettingsDep,
    viewer: PatrolRequesterDep,
    now: NowDep,
    school_id: SchoolId,
) -> OnDemandPublic:
    _school_in_view(store, viewer.school_ids, school_id)
    if patrol is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "no patrol runs in this server")
    with limits.on_demand:
        cooldown = timedelta(seconds=settings.on_demand_cooldown_s)
        last = store.list_on_demand(school_id=school_id, limit=1)
        if last and now - last[0].requested_at < cooldown:
            raise TooMany(
                f"school {school_id} was patrolled on demand at {last[0].requested_at.isoformat()}; "
                f"the next may follow {settings.on_demand_cooldown_s:.0f} s later",
                (last[0].requested_at + cooldown - now).total_seconds(),
            )
        try:
            record = patrol.request_on_demand(school_id, viewer.user.username)
        except LookupError:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"school {school_id} has no patrolled cameras"
            ) from None
    audit(
        request,
        viewer,
        AuditAction.ON_DEMAND_PATROL,
        target=f"school:{school_id}",
        school_id=school_id,
        detail={
            "request": record.id,
            "cameras": record.cameras,
            "deadline_at": record.deadline_at.isoformat(),
        },
    )
    return OnDemandPublic.from_record(record)


@router.get(
    "/{school_id}/patrols/{request_id}",
    response_model=OnDemandPublic,
    responses=NOT_FOUND,
    summary="How an on-demand patrol went: done when every camera was looked at",
)
def get_patrol(
    store: StoreDep, viewer: ViewerDep, school_id: SchoolId, request_id: RequestId
) -> OnDemandPublic:
    _school_in_view(store, viewer.school_ids, school_id)
    try:
        record = store.get_on_demand(request_id)
    except OnDemandNotFound:
        record = None
    if record is None or record.school_id != school_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no patrol {request_id} of school {school_id}")
    return OnDemandPublic.from_record(record)
