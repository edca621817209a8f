"""Logging in and out of the browser interface, and who the caller is."""

from __future__ import annotations

import math
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.audit import audit, audit_anonymous
from api.auth import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    ViewerDep,
    client_address,
    csrf_matches,
    resolve_principal,
    viewer_of,
)
from api.catalogue import catalogue
from api.deps import AccountsDep, NowDep, SettingsDep
from api.pages import page_language, render
from api.schemas import ErrorPublic, MePublic, UserPublic
from patrol.accounts import LoginRefused, LoginThrottled, Principal
from patrol.types import AuditAction

router = APIRouter(tags=["auth"])

LOGIN_PAGE_TTL_S = 3600


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an address elsewhere (//host, /\\host, http://...)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(
    request: Request,
    secure: bool,
    next_url: str,
    *,
    error: str = "",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        {"login_csrf": token, "next": next_url, "error": error},
        status_code=status_code,
        headers=headers,
    )
    # Double-submit token for the login form itself (there is no session yet to hold one).
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=LOGIN_PAGE_TTL_S,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/login",
    )
    return response


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, settings: SettingsDep, next: str = "/") -> Response:
    if resolve_principal(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, settings.secure_cookies, safe_next(next))


@router.post("/login", response_class=HTMLResponse, include_in_schema=False)
def login(
    request: Request,
    settings: SettingsDep,
    accounts: AccountsDep,
    now: NowDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD, max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Refused with 403 without the login form's CSRF token, 401 for a wrong password, and 429
    with Retry-After while the user name or the client address is locked out."""
    t = catalogue(page_language(request))
    target = safe_next(next)
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return _login_page(
            request, settings.secure_cookies, target, error=t["login.expired"], status_code=403
        )
    name = username.strip().lower()
    known = accounts.get_user(name) if name else None
    locked_for = None
    try:
        issued = accounts.login(name, password, client_address(request), now)
    except LoginThrottled as exc:
        locked_for, detail = exc.retry_after, {"throttled": True}
    except LoginRefused as exc:
        locked_for, detail = exc.locked_for, {"throttled": False}
    else:
        audit(
            request,
            viewer_of(request, Principal(issued.user, "session", issued.csrf_token)),
            AuditAction.LOGIN,
            target=f"user:{issued.user.username}",
        )
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            issued.cookie,
            max_age=int(accounts.session_lifetime.total_seconds()),
            httponly=True,
            samesite="strict",
            secure=settings.secure_cookies,
            path="/",
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response
    retry = max(1, math.ceil(locked_for.total_seconds())) if locked_for else None
    audit_anonymous(
        request,
        name,
        AuditAction.LOGIN_FAILED,
        jurisdiction_id=known.jurisdiction_id if known else None,
        detail={**detail, "retry_after_s": retry},
    )
    if retry is None:
        return _login_page(request, settings.secure_cookies, target, error=t["login.failed"], status_code=401)
    return _login_page(
        request,
        settings.secure_cookies,
        target,
        error=t["login.throttled"].format(seconds=retry),
        status_code=429,
        headers={"Retry-After": str(retry)},
    )


@router.post("/logout", include_in_schema=False)
def logout(
    request: Request,
    accounts: AccountsDep,
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD, max_length=200)] = "",
) -> Response:
    principal = resolve_principal(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if principal is None or cookie is None or principal.via != "session":
        return RedirectResponse("/login", status_code=303)
    if not csrf_matches(principal.csrf_token, csrf_token):
        return Response("missing or wrong csrf_token", status_code=403, media_type="text/plain")
    audit(
        request, viewer_of(request, principal), AuditAction.LOGOUT, target=f"user:{principal.user.username}"
    )
    accounts.logout(cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get(
    "/api/v1/me",
    response_model=MePublic,
    responses={401: {"model": ErrorPublic, "description": "No session or API token"}},
    tags=["auth"],
    summary="The caller: role, jurisdiction, permissions",
)
def me(viewer: ViewerDep) -> MePublic:
    return MePublic(
        user=UserPublic.from_record(viewer.user, viewer.jurisdiction),
        school_ids=sorted(viewer.school_ids) if viewer.school_ids is not None else None,
        csrf_token=viewer.principal.csrf_token,
    )
