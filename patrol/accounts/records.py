"""What the accounts hand out: never a password hash, a session id or a token hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from patrol.types import Role


class Permission(StrEnum):
    VIEW = "view"
    """Events, evidence, cameras, the dashboard."""
    DECIDE = "decide"
    SNAPSHOT = "snapshot"
    ON_DEMAND_PATROL = "on_demand_patrol"
    REVISE = "revise"
    READ_AUDIT = "read_audit"
    EXPORT = "export"
    MANAGE_HAZARDS = "manage_hazards"
    """Register, advance and escalate hazards."""
    MANAGE_USERS = "manage_users"
    MANAGE_CAMERAS = "manage_cameras"


_DISPATCHER = frozenset({Permission.VIEW})
_OFFICER = _DISPATCHER | {Permission.DECIDE, Permission.SNAPSHOT, Permission.ON_DEMAND_PATROL}
_SUPERVISOR = _OFFICER | {
    Permission.REVISE,
    Permission.READ_AUDIT,
    Permission.EXPORT,
    Permission.MANAGE_HAZARDS,
}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.DISPATCHER: _DISPATCHER,
    Role.OFFICER: _OFFICER,
    Role.SUPERVISOR: _SUPERVISOR,
    Role.ADMINISTRATOR: _SUPERVISOR | {Permission.MANAGE_USERS, Permission.MANAGE_CAMERAS},
}


@dataclass(frozen=True)
class UserRecord:
    id: int
    username: str
    display_name: str
    role: Role
    jurisdiction_id: str
    disabled: bool
    created_at: datetime

    def may(self, permission: Permission) -> bool:
        return not self.disabled and permission in ROLE_PERMISSIONS[self.role]


@dataclass(frozen=True)
class Principal:
    """Who is asking, and how they proved it."""

    user: UserRecord
    via: Literal["session", "token"]
    csrf_token: str | None = None
    """The session's token that every state-changing request it makes must carry."""


@dataclass(frozen=True)
class IssuedSession:
    """A new browser session: `cookie` goes to the browser once and is stored only hashed."""

    cookie: str
    csrf_token: str
    expires_at: datetime
    user: UserRecord
