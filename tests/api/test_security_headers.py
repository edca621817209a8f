"""Every answer forbids framing and carries a Content-Security-Policy; the docs page is off by default."""

from __future__ import annotations

import pytest

from api import ApiSettings
from patrol.store import Store
from tests.api.support import SETTINGS, Site, bearer_client, make_app

PAGES = ["/", "/login", "/audit", "/events/{a}", "/api/v1/events", "/static/app.css", "/no-such-page"]


@pytest.mark.parametrize("path", PAGES)
def test_every_answer_forbids_framing_and_inline_script(store: Store, site: Site, path: str) -> None:
    with bearer_client(make_app(store), "admin") as client:
        response = client.get(path.format(a=site.a.id), follow_redirects=False)
    assert response.headers["x-frame-options"] == "DENY"
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"


def test_pages_carry_no_inline_script_or_style(store: Store, site: Site) -> None:
    with bearer_client(make_app(store), "admin") as client:
        for path in ("/", f"/events/{site.a.id}", "/audit"):
            html = client.get(path).text
            scripts = html.count("<script")
            data_blocks = html.count('<script type="application/json"')
            external = html.count("<script src=")
            assert scripts == data_blocks + external, path
            assert "<style" not in html and " style=" not in html and " onclick=" not in html, path


def test_the_docs_page_is_off_unless_asked_for(store: Store) -> None:
    with bearer_client(make_app(store), "admin") as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/redoc").status_code == 404
        assert client.get("/openapi.json").status_code == 200
    with bearer_client(
        make_app(store, ApiSettings(**{**SETTINGS.__dict__, "docs": True})), "admin"
    ) as client:
        docs = client.get("/docs")
        assert docs.status_code == 200 and "swagger" in docs.text.lower()
        assert "cdn.jsdelivr.net" in docs.headers["content-security-policy"]
