"""Who is asking: a browser session cookie or a bearer token, the role's permissions, the
jurisdiction's schools, and CSRF protection for every state-changing request a cookie carries.

CSRF: each server-side session holds a random token; the pages carry it, and a POST (or any
unsafe method) authenticated by the cookie must send it back in the X-CSRF-Token header or a
`csrf_token` form field. Bearer tokens are not sent by browsers on their own, so requests with
one need no CSRF token. The cookie is also SameSite=Strict, as a second line.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from api.deps import get_accounts, get_jurisdictions, utc_now
from patrol.accounts import Jurisdiction, Permission, Principal, UserRecord
from patrol.registry.actor import Actor

SESSION_COOKIE = "patrol_session"
LOGIN_CSRF_COOKIE = "patrol_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(Exception):
    """A page was asked for without a session: the answer is the login page."""


class PageForbidden(Exception):
    """A page the user's role may not see."""


@dataclass(frozen=True)
class Viewer:
    """The authenticated user, with the schools their jurisdiction lets them see."""

    principal: Principal
    school_ids: frozenset[str] | None
    """None: every school (the county bureau)."""
    jurisdiction: Jurisdiction | None

    @property
    def user(self) -> UserRecord:
        return self.principal.user

    def may(self, permission: Permission) -> bool:
        return self.user.may(permission)

    def sees(self, school_id: str) -> bool:
        return self.school_ids is None or school_id in self.school_ids


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def actor_of(request: Request, viewer: Viewer) -> Actor:
    """The user changing cameras through this request, as the audit log names them."""
    user = viewer.user
    return Actor(user.username, user.role.value, user.jurisdiction_id, client_address(request))


def resolve_principal(request: Request) -> Principal | None:
    accounts = get_accounts(request)
    now = utc_now(request)
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return accounts.token_principal(token.strip(), now)
    cookie = request.cookies.get(SESSION_COOKIE)
    return accounts.session_principal(cookie, now) if cookie else None


def viewer_of(request: Request, principal: Principal) -> Viewer:
    jurisdictions = get_jurisdictions(request)
    jurisdiction = jurisdictions.get(principal.user.jurisdiction_id)
    return Viewer(principal, jurisdictions.scope(principal.user.jurisdiction_id), jurisdiction)


def csrf_matches(expected: str | None, sent: str | None) -> bool:
    return bool(expected and sent) and secrets.compare_digest(str(expected), str(sent))


def api_viewer(request: Request) -> Viewer:
    """For JSON routes: 401 without credentials, 403 for a cookie request without its CSRF token."""
    principal = resolve_principal(request)
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "log in, or send an API token as 'Authorization: Bearer ...'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if (
        request.method not in SAFE_METHODS
        and principal.via == "session"
        and not csrf_matches(principal.csrf_token, request.headers.get(CSRF_HEADER))
    ):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"missing or wrong {CSRF_HEADER} header")
    return viewer_of(request, principal)


def page_viewer(request: Request) -> Viewer:
    """For HTML pages (GET only): the login page for anyone not logged in."""
    principal = resolve_principal(request)
    if principal is None:
        raise LoginRequired()
    return viewer_of(request, principal)


def permitted(permission: Permission) -> Callable[[Viewer], Viewer]:
    def check(viewer: Annotated[Viewer, Depends(api_viewer)]) -> Viewer:
        if not viewer.may(permission):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"a {viewer.user.role.value} may not do this ({permission.value})"
            )
        return viewer

    return check


def page_permitted(permission: Permission) -> Callable[[Viewer], Viewer]:
    def check(viewer: Annotated[Viewer, Depends(page_viewer)]) -> Viewer:
        if not viewer.may(permission):
            raise PageForbidden()
        return viewer

    return check


ViewerDep = Annotated[Viewer, Depends(api_viewer)]
PageViewerDep = Annotated[Viewer, Depends(page_viewer)]
DeciderDep = Annotated[Viewer, Depends(permitted(Permission.DECIDE))]
ReviserDep = Annotated[Viewer, Depends(permitted(Permission.REVISE))]
SnapshotterDep = Annotated[Viewer, Depends(permitted(Permission.SNAPSHOT))]
PatrolRequesterDep = Annotated[Viewer, Depends(permitted(Permission.ON_DEMAND_PATROL))]
CameraManagerDep = Annotated[Viewer, Depends(permitted(Permission.MANAGE_CAMERAS))]
AuditReaderDep = Annotated[Viewer, Depends(permitted(Permission.READ_AUDIT))]
AuditPageDep = Annotated[Viewer, Depends(page_permitted(Permission.READ_AUDIT))]
HazardManagerDep = Annotated[Viewer, Depends(permitted(Permission.MANAGE_HAZARDS))]
ExporterDep = Annotated[Viewer, Depends(permitted(Permission.EXPORT))]
