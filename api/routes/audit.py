"""The audit log, for supervisors and administrators. Read-only: no route changes or deletes it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from api.auth import AuditReaderDep
from api.deps import SecretsDep, StoreDep
from api.params import MAX_ID, AwareUtc, Offset
from api.schemas import AuditEntryPublic, AuditPublic, ErrorPublic, Responses
from patrol.store import Store
from patrol.types import AuditAction
from streams.redact import NO_SECRETS, Secrets

router = APIRouter(prefix="/audit", tags=["audit"])

USERNAME_PATTERN = r"^[A-Za-z0-9._@-]{1,64}$"
REFUSED: Responses = {
    401: {"model": ErrorPublic, "description": "No session or API token"},
    403: {"model": ErrorPublic, "description": "Only supervisors and administrators read the audit log"},
}


def read_audit(
    store: Store,
    viewer: AuditReaderDep,
    *,
    user: str | None = None,
    action: AuditAction | None = None,
    since: AwareUtc | None = None,
    until: AwareUtc | None = None,
    offset: int = 0,
    limit: int = 100,
    secrets: Secrets = NO_SECRETS,
) -> AuditPublic:
    entries, count = store.list_audit(
        school_ids=viewer.school_ids,
        jurisdiction_id=viewer.user.jurisdiction_id,
        username=user,
        action=action,
        since=since,
        until=until,
        offset=offset,
        limit=limit,
    )
    return AuditPublic(
        data=[AuditEntryPublic.from_record(entry, secrets=secrets) for entry in entries], count=count
    )


@router.get("", response_model=AuditPublic, responses=REFUSED, summary="Audit entries, newest first")
def list_audit(
    store: StoreDep,
    viewer: AuditReaderDep,
    secrets: SecretsDep,
    user: Annotated[str | None, Query(pattern=USERNAME_PATTERN)] = None,
    action: AuditAction | None = None,
    since: Annotated[AwareUtc | None, Query(description="Entries at or after this time")] = None,
    until: Annotated[AwareUtc | None, Query(description="Entries before this time")] = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPublic:
    """A station's supervisor sees entries about the station's schools and the station's own logins."""
    return read_audit(
        store,
        viewer,
        user=user,
        action=action,
        since=since,
        until=until,
        offset=offset,
        limit=limit,
        secrets=secrets,
    )


@router.get(
    "/{entry_id}",
    response_model=AuditEntryPublic,
    responses={**REFUSED, 404: {"model": ErrorPublic, "description": "No such entry visible to the user"}},
)
def get_audit_entry(
    store: StoreDep,
    viewer: AuditReaderDep,
    secrets: SecretsDep,
    entry_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> AuditEntryPublic:
    entries, _ = store.list_audit(
        school_ids=viewer.school_ids, jurisdiction_id=viewer.user.jurisdiction_id, entry_id=entry_id, limit=1
    )
    if not entries:
        raise HTTPException(404, f"audit entry {entry_id} not found")
    return AuditEntryPublic.from_record(entries[0], secrets=secrets)
