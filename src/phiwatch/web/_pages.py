"""Pages with JSON twins: one view function, served as ``/x`` (HTML) and ``/x.json``.

A view returns a dict of data. ``Pages.page`` registers it twice: the JSON
route answers ``{"ok": true, ...data}`` and is part of the OpenAPI document;
the HTML route renders ``template`` with the same data. Each points at the
other with a ``Link: <...>; rel="alternate"`` header (as Datasette does).
Access is declared in the view's signature (``CurrentUser``, ``RequireRole``)::

    pages = Pages(nav=[NavItem("Breaches", "/breaches")])

    @pages.page("/breaches", template="breaches.html")
    def breaches(user: CurrentUser, year: int | None = None) -> dict[str, Any]:
        return {"title": "Breaches", "rows": ...}
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, get_type_hints

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from phiwatch.security import Principal
from phiwatch.web._auth import csrf_token, pre_cookie_name
from phiwatch.web._json import FastJSONResponse
from phiwatch.web._state import NavItem, app_state

View = TypeVar("View", bound=Callable[..., Any])
_REQUEST_PARAMETER = "_phiwatch_request"


def json_twin_path(path: str) -> str:
    """``/breaches`` -> ``/breaches.json``; ``/`` -> ``/index.json``."""
    return "/index.json" if path == "/" else f"{path.rstrip('/')}.json"


def html_path_of(json_path: str) -> str:
    return "/" if json_path == "/index.json" else json_path.removesuffix(".json")


def _with_query(request: Request, path: str) -> str:
    return f"{path}?{request.url.query}" if request.url.query else path


def nav_for(request: Request, principal: Principal | None) -> list[NavItem]:
    if principal is None:
        return []
    items = app_state(request).nav
    visible = [i for i in items if i.roles is None or principal.role in i.roles]
    return sorted(visible, key=lambda i: (i.order, i.label))


def render(
    request: Request,
    template: str,
    data: Mapping[str, Any],
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` inside the base layout, with sign-in state, navigation and CSRF."""
    state = app_state(request)
    principal = getattr(request.state, "principal", None)
    context = {
        "principal": principal,
        "nav": nav_for(request, principal),
        "csrf_token": lambda: csrf_token(request),
        "current_path": request.url.path,
        "oidc": state.config.oidc,
        **data,
    }
    response = state.templates.TemplateResponse(
        request, template, context, status_code=status, headers=dict(headers or {})
    )
    pending = getattr(request.state, "new_pre_cookie", None)
    if pending is not None:
        response.set_cookie(
            pre_cookie_name(request),
            pending,
            httponly=True,
            samesite="lax",
            secure=state.config.secure_cookies,
            path="/",
        )
    return response


class Pages:
    """A router of pages and forms for one area of the app, plus its navigation links."""

    def __init__(self, *, nav: Sequence[NavItem] = ()) -> None:
        self.router = APIRouter()
        self.nav = list(nav)

    def page(self, path: str, *, template: str, name: str | None = None) -> Callable[[View], View]:
        def decorate(view: View) -> View:
            signature = _signature_with_request(view)
            call = _caller(view)
            route_name = name or view.__name__
            json_path = json_twin_path(path)

            async def as_json(**kwargs: Any) -> Response:
                request, data = await call(kwargs)
                html_url = _with_query(request, html_path_of(request.url.path))
                link = f'<{html_url}>; rel="alternate"; type="text/html"'
                return FastJSONResponse({"ok": True, **data}, headers={"Link": link})

            async def as_html(**kwargs: Any) -> Response:
                request, data = await call(kwargs)
                json_url = _with_query(request, json_twin_path(request.url.path))
                link = f'<{json_url}>; rel="alternate"; type="application/json"'
                return render(request, template, data, headers={"Link": link})

            for endpoint in (as_json, as_html):
                endpoint.__signature__ = signature  # type: ignore[attr-defined]
                endpoint.__doc__ = view.__doc__
            # The JSON twin first: "/x/{id}" would otherwise swallow "/x/abc.json".
            self.router.add_api_route(
                json_path,
                as_json,
                methods=["GET"],
                name=f"{route_name}_json",
                response_class=JSONResponse,
                summary=(view.__doc__ or route_name).strip().splitlines()[0],
            )
            self.router.add_api_route(
                path,
                as_html,
                methods=["GET"],
                name=route_name,
                response_class=HTMLResponse,
                include_in_schema=False,
            )
            return view

        return decorate


def _request_parameter(view: Callable[..., Any]) -> str | None:
    hints = get_type_hints(view, include_extras=True)
    return next((name for name, hint in hints.items() if hint is Request), None)


def _signature_with_request(view: Callable[..., Any]) -> inspect.Signature:
    """The view's signature with resolved annotations and a ``Request`` parameter."""
    hints = get_type_hints(view, include_extras=True)
    signature = inspect.signature(view)
    parameters = [
        p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()
    ]
    if _request_parameter(view) is None:
        parameters.append(
            inspect.Parameter(
                _REQUEST_PARAMETER, inspect.Parameter.KEYWORD_ONLY, annotation=Request
            )
        )
    return signature.replace(parameters=parameters, return_annotation=inspect.Signature.empty)


def _caller(view: Callable[..., Any]) -> Callable[[dict[str, Any]], Any]:
    is_async = inspect.iscoroutinefunction(view)
    own = _request_parameter(view)

    async def call(kwargs: dict[str, Any]) -> tuple[Request, Mapping[str, Any]]:
        request = kwargs[own] if own else kwargs.pop(_REQUEST_PARAMETER)
        data = await view(**kwargs) if is_async else await run_in_threadpool(view, **kwargs)
        if hasattr(data, "model_dump"):
            data = data.model_dump()
        return request, data

    return call
