"""Signing in (password, optional TOTP code, or single sign-on) and signing out."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from phiwatch.errors import InputError, NotFoundError
from phiwatch.security import (
    SignInFailed,
    SignInThrottled,
    authenticate_password,
    derive_key,
    end_session,
    record_authentication,
    start_session,
    user_for_oidc,
)
from phiwatch.web._auth import Anyone, CurrentUser, pre_cookie_name, session_cookie_name
from phiwatch.web._oidc import OidcClient, pack_flow, unpack_flow
from phiwatch.web._pages import Pages, render
from phiwatch.web._state import app_state, client_address

pages = Pages()
_OIDC_COOKIE = "phiwatch_oidc"


def safe_next(value: str | None) -> str:
    """Only a path on this site: never ``//evil.example`` or a full URL (open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _login_page(
    request: Request,
    next_url: str,
    *,
    error: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    notice: str | None = None,
) -> Response:
    return render(
        request,
        "login.html",
        {"title": "Sign in", "next": safe_next(next_url), "error": error, "notice": notice},
        status=status,
        headers=headers,
    )


def _begin_session(
    request: Request, user_id: int, username: str, target: str, *, method: str
) -> Response:
    """A fresh session (the browser's old one, if any, ends), its cookie, an audit record."""
    state = app_state(request)
    cookie = session_cookie_name(request)
    token = start_session(
        state.store, user_id, address=client_address(request), replaces=request.cookies.get(cookie)
    )
    record_authentication(
        state.store, event="login", who=username, address=client_address(request), method=method
    )
    response = RedirectResponse(safe_next(target), status_code=303)
    response.set_cookie(
        cookie, token, httponly=True, samesite="lax", secure=state.config.secure_cookies, path="/"
    )
    response.delete_cookie(pre_cookie_name(request), path="/")
    return response


@pages.router.get("/login", include_in_schema=False)
def login_form(
    request: Request,
    caller: Anyone,
    next_url: Annotated[str, Query(alias="next", max_length=2000)] = "/",
    signed_out: Annotated[bool, Query()] = False,
) -> Response:
    """The sign-in form (a signed-in visitor goes straight on)."""
    if caller is not None:
        return RedirectResponse(safe_next(next_url), status_code=303)
    notice = "You are signed out." if signed_out else None
    return _login_page(request, next_url, notice=notice)


@pages.router.post("/login", include_in_schema=False)
def login(
    request: Request,
    _caller: Anyone,
    username: Annotated[str, Form(max_length=256)],
    password: Annotated[str, Form(max_length=1024)],
    code: Annotated[str, Form(max_length=16)] = "",
    next_url: Annotated[str, Form(alias="next", max_length=2000)] = "/",
) -> Response:
    """Check the password (and code); on success start a new session."""
    state = app_state(request)
    try:
        info = authenticate_password(
            state.store,
            state.settings,
            username,
            password,
            code=code or None,
            address=client_address(request),
            policy=state.config.throttle,
        )
    except SignInThrottled as exc:
        return _login_page(
            request,
            next_url,
            error=str(exc),
            status=429,
            headers={"Retry-After": str(exc.retry_after)},
        )
    except SignInFailed as exc:
        return _login_page(request, next_url, error=str(exc), status=400)
    method = "password and one-time code" if info.totp else "password"
    return _begin_session(request, info.id, info.username, next_url, method=method)


@pages.router.post("/logout", include_in_schema=False)
def logout(request: Request, user: CurrentUser) -> Response:
    """End the session on the server and forget the cookie."""
    cookie = session_cookie_name(request)
    token = request.cookies.get(cookie)
    if user.via == "session" and token:
        store = app_state(request).store
        end_session(store, token)
        record_authentication(store, event="logout", who=user, address=client_address(request))
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    response.delete_cookie(cookie, path="/")
    return response


def _oidc_client(request: Request) -> OidcClient:
    state = app_state(request)
    if state.config.oidc is None:
        raise HTTPException(404, "single sign-on is not configured")
    client = getattr(request.app.state, "oidc_client", None)
    if client is None:
        client = request.app.state.oidc_client = OidcClient(state.config.oidc)
    assert isinstance(client, OidcClient)
    return client


@pages.router.get("/login/oidc", include_in_schema=False)
def oidc_start(
    request: Request,
    _caller: Anyone,
    next_url: Annotated[str, Query(alias="next", max_length=2000)] = "/",
) -> Response:
    """Send the browser to the identity provider."""
    client = _oidc_client(request)
    url, flow = client.start(str(request.url_for("oidc_callback")), safe_next(next_url))
    response = RedirectResponse(url, status_code=303)
    state = app_state(request)
    response.set_cookie(
        _OIDC_COOKIE,
        pack_flow(derive_key(state.settings, "oidc-flow"), flow),
        max_age=600,
        httponly=True,
        samesite="lax",
        secure=state.config.secure_cookies,
        path="/login/oidc",
    )
    return response


@pages.router.get("/login/oidc/callback", name="oidc_callback", include_in_schema=False)
def oidc_callback(
    request: Request,
    _caller: Anyone,
    code: Annotated[str | None, Query(max_length=2000)] = None,
    state: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Finish single sign-on: check state, nonce and ID token, then start a session."""
    client = _oidc_client(request)
    app = app_state(request)
    flow = unpack_flow(derive_key(app.settings, "oidc-flow"), request.cookies.get(_OIDC_COOKIE))
    if flow is None or not code or state != flow.state:
        return _login_page(
            request, "/", error="the single sign-on attempt expired; try again", status=400
        )
    try:
        subject = client.finish(flow, code, str(request.url_for("oidc_callback")))
        info = user_for_oidc(app.store, app.settings, subject)
    except NotFoundError as exc:
        return _login_page(request, "/", error=str(exc), status=403)
    except InputError as exc:
        return _login_page(request, "/", error=str(exc), status=400)
    response = _begin_session(
        request, info.id, info.username, flow.next_url, method="single sign-on"
    )
    response.delete_cookie(_OIDC_COOKIE, path="/login/oidc")
    return response
