"""Rendering HTML pages: the language (Chinese unless switched), the labels, the user bar."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import LoginRequired, PageForbidden, Viewer
from api.catalogue import catalogue, label, language
from api.deps import get_settings, get_templates

LANGUAGE_COOKIE = "patrol_lang"


def page_language(request: Request) -> str:
    return language(request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE))


def _switch_url(request: Request, lang: str) -> str:
    other = "en" if lang != "en" else "zh-CN"
    params = {**request.query_params, "lang": other}
    return f"{request.url.path}?{urlencode(params)}"


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    viewer: Viewer | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    lang = page_language(request)
    settings = get_settings(request)
    t = catalogue(lang)
    base: dict[str, Any] = {
        "lang": lang,
        "t": t,
        "label": lambda group, value: label(lang, group, value),
        "switch_url": _switch_url(request, lang),
        "viewer": viewer,
        "csrf_token": viewer.principal.csrf_token if viewer else None,
        "timezone": settings.timezone,
        "css": request.url_for("static", path="app.css").path,
    }
    if viewer is not None:
        base["jurisdiction_name"] = (
            viewer.jurisdiction.name if viewer.jurisdiction else viewer.user.jurisdiction_id
        )
    response = get_templates(request).TemplateResponse(
        request, template, {**base, **context}, status_code=status_code, headers=headers
    )
    if "lang" in request.query_params:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="strict")
    # Pages carry a CSRF token and personal data: never cached, never framed.
    response.headers["Cache-Control"] = "no-store"
    return response


def install_page_handlers(app: FastAPI) -> None:
    app.add_exception_handler(LoginRequired, _to_login)
    app.add_exception_handler(PageForbidden, _forbidden)


async def _to_login(request: Request, _exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


async def _forbidden(request: Request, _exc: Exception) -> Response:
    return render(request, "message.html", {"message_key": "error.forbidden"}, status_code=403)


def not_found_page(request: Request, viewer: Viewer) -> HTMLResponse:
    return render(request, "message.html", {"message_key": "error.not_found"}, viewer=viewer, status_code=404)
