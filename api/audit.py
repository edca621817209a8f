"""Writing the audit log from a request: who, in what role and jurisdiction, from where, when."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from api.auth import Viewer, client_address
from api.deps import get_store, utc_now
from patrol.records import AuditEntry
from patrol.types import AuditAction


def audit(
    request: Request,
    viewer: Viewer,
    action: AuditAction,
    *,
    target: str = "",
    school_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    user = viewer.user
    get_store(request).append_audit(
        AuditEntry(
            at=utc_now(request),
            username=user.username,
            role=user.role.value,
            action=action,
            target=target,
            school_id=school_id,
            jurisdiction_id=user.jurisdiction_id,
            client=client_address(request),
            detail=detail or {},
        )
    )


def audit_anonymous(
    request: Request,
    username: str,
    action: AuditAction,
    *,
    jurisdiction_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """An entry for someone not (yet) logged in: a failed login."""
    get_store(request).append_audit(
        AuditEntry(
            at=utc_now(request),
            username=username[:64],
            role="",
            action=action,
            jurisdiction_id=jurisdiction_id,
            client=client_address(request),
            detail=detail or {},
        )
    )
