"""The frame: security headers, JSON twins with Link headers, one error shape, local assets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Query, Request

import phiwatch.web
from phiwatch.security import Principal, Role, iter_events
from phiwatch.web import Pages, RequireRole, app_routes, audit_phi, json_twin_path
from tests.web.conftest import WebEnv

TEMPLATES = Path(phiwatch.web.__file__).parent / "templates"
STATIC = Path(phiwatch.web.__file__).parent / "static"


@pytest.mark.parametrize(
    "path", ["/login", "/healthz", "/nope", "/nope.json", "/static/phiwatch.css"]
)
def test_security_headers_on_every_kind_of_response(web: WebEnv, path: str) -> None:
    response = web.client().get(path)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers  # plain HTTP on loopback
    if not path.startswith("/static/"):
        assert response.headers["cache-control"] == "no-store"


def test_hsts_and_secure_cookies_with_tls(make_env) -> None:
    env = make_env(phiwatch.web.WebConfig(tls=True))
    client = env.client(base_url="https://testserver")
    response = env.sign_in(client, "admin")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-phiwatch_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/").headers["strict-transport-security"].startswith("max-age=")


def test_templates_have_no_inline_script_and_no_remote_assets() -> None:
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template.name
        assert not re.search(r"\son[a-z]+\s*=", text), f"inline event handler in {template.name}"
        # Links to other sites are fine; nothing may be *loaded* from one.
        remote = r"<(script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc=\"(https?:)?//"
        assert not re.search(remote, text), f"remote asset in {template.name}"
        assert not re.search(r"<link\b[^>]*\bhref=\"(https?:)?//", text), (
            f"remote link in {template.name}"
        )
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), (
            f"remote url() in {template.name}"
        )
        assert "style=" not in text, f"inline style in {template.name}"


def test_base_layout_is_phone_and_keyboard_friendly(web: WebEnv) -> None:
    html = web.client().get("/login").text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'class="skip-link" href="#main"' in html
    assert '<label for="username">' in html
    css = (STATIC / "phiwatch.css").read_text()
    assert ":focus-visible" in css and "@media (max-width" in css


def test_every_page_has_a_json_twin_and_links_both_ways(web: WebEnv) -> None:
    from tests.web.test_authorisation_matrix import EXPECTED

    twins = [
        i.path
        for i in app_routes(web.app)
        if i.path.endswith(".json") and i.path != "/openapi.json" and "{" not in i.path
    ]
    assert "/index.json" in twins and "/account.json" in twins
    for json_path in twins:
        html_path = "/" if json_path == "/index.json" else json_path.removesuffix(".json")
        allowed = EXPECTED[("GET", json_path)]
        client = web.client() if allowed is None else web.signed_in(sorted(allowed)[0])
        html = client.get(html_path)
        data = client.get(json_path)
        assert html.status_code == data.status_code == 200, json_path
        assert html.headers["content-type"].startswith("text/html")
        assert data.json()["ok"] is True
        assert html.headers["link"] == f'<{json_path}>; rel="alternate"; type="application/json"'
        assert data.headers["link"] == f'<{html_path}>; rel="alternate"; type="text/html"'


def test_openapi_lists_the_json_twins_only(web: WebEnv) -> None:
    paths = set(web.client().get("/openapi.json").json()["paths"])
    assert {"/index.json", "/account.json", "/admin/users.json", "/audit.json", "/healthz"} <= paths
    assert not {"/", "/account", "/login", "/logout"} & paths


def test_json_error_shape_for_404_405_and_400(web: WebEnv) -> None:
    client = web.signed_in(Role.auditor)
    assert client.get("/nope.json").json() == {
        "ok": False,
        "error": "Not Found",
        "errors": ["Not Found"],
        "status": 404,
    }
    not_allowed = client.post("/healthz")
    assert not_allowed.status_code == 405 and not_allowed.json()["status"] == 405
    bad = client.get("/audit.json", params={"limit": "many"})
    body = bad.json()
    assert bad.status_code == 400 and body["ok"] is False and body["status"] == 400
    assert any(e.startswith("query.limit:") for e in body["errors"])
    assert "many" not in bad.text  # the value sent is not echoed back (it could be PHI)


def test_html_error_page_is_readable(web: WebEnv) -> None:
    response = web.signed_in(Role.analyst).get("/admin/users")
    assert response.status_code == 403
    assert "<h1>Forbidden" in response.text and "your role may not use this page" in response.text
    assert response.headers["content-type"].startswith("text/html")


def _extra_pages() -> Pages:
    """A page written the way capability pages are: a view, its template, audit recording."""
    pages = Pages()

    @pages.page("/test/patients/{patient_id}", template="error.html")
    def patient(
        request: Request,
        who: Annotated[Principal, RequireRole(Role.privacy_officer)],
        patient_id: str,
        case: Annotated[str | None, Query(max_length=20)] = None,
    ) -> dict[str, Any]:
        """A patient's access history (test page)."""
        audit_phi(
            request,
            who,
            action="view",
            patients=[patient_id],
            purpose=case,
            what=f"Patient/{patient_id}",
        )
        return {
            "status": 200,
            "reason": "Patient",
            "message": f"patient {patient_id}",
            "patient": patient_id,
        }

    @pages.router.get("/test/boom")
    def boom(who: Annotated[Principal, RequireRole(Role.privacy_officer)]) -> None:
        raise RuntimeError("Theodora Quackenbush 123-45-6789")

    return pages


def test_a_new_page_gets_twins_guard_and_audit(web: WebEnv) -> None:
    web.app.include_router(_extra_pages().router)
    phiwatch.web.check_route_access(web.app)
    officer = web.signed_in(Role.privacy_officer)
    data = officer.get("/test/patients/p-77.json", params={"case": "Case/3"})
    assert data.status_code == 200 and data.json()["patient"] == "p-77"
    assert (
        data.headers["link"]
        == '</test/patients/p-77?case=Case%2F3>; rel="alternate"; type="text/html"'
    )
    html = officer.get("/test/patients/p-77")
    assert html.status_code == 200 and "patient p-77" in html.text
    events = list(iter_events(web.store))
    assert len(events) == 2
    assert events[0]["entity"][0]["what"]["reference"] == "Patient/p-77"
    assert events[0]["purposeOfEvent"][0]["text"] == "Case/3"
    assert events[0]["agent"][0]["who"]["identifier"]["value"] == "privacy-officer"
    assert events[0]["agent"][0]["network"]["address"] == "testclient"
    assert web.signed_in(Role.analyst).get("/test/patients/p-77.json").status_code == 403
    assert len(list(iter_events(web.store))) == 2  # a refused request records nothing


def test_unexpected_errors_say_nothing(web: WebEnv, caplog) -> None:
    web.app.include_router(_extra_pages().router)
    client = web.signed_in(Role.privacy_officer)
    client = type(client)(web.app, raise_server_exceptions=False, cookies=client.cookies)
    response = client.get("/test/boom", headers={"accept": "application/json"})
    assert response.status_code == 500
    assert response.json() == {
        "ok": False,
        "error": "Internal error",
        "errors": ["Internal error"],
        "status": 500,
    }
    assert "Theodora" not in caplog.text and "123-45-6789" not in caplog.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page = client.get("/test/boom")
    assert page.status_code == 500 and "Theodora" not in page.text
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"


def test_twin_paths() -> None:
    assert json_twin_path("/") == "/index.json"
    assert json_twin_path("/breaches") == "/breaches.json"
    assert json_twin_path("/breaches/{uid}") == "/breaches/{uid}.json"
