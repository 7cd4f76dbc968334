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
from collections.abc import Callable, Coroutine, Hashable, Mapping, Sequence
from typing import Any, TypeVar, get_type_hints

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from phiwatch.security import Principal
from phiwatch.web._auth import Guard, csrf_token, pre_cookie_name
from phiwatch.web._json import json_body
from phiwatch.web._page_cache import CachedAnswer, CachedHtml, CachedJson, CacheKey
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


PageVersion = Callable[[Request], Hashable | None]
"""What a cached page's content depends on besides its address (None: do not cache now)."""

_CACHE_VERSION = "phiwatch_page_version"


class Pages:
    """A router of pages and forms for one area of the app, plus its navigation links."""

    def __init__(self, *, nav: Sequence[NavItem] = ()) -> None:
        self.router = APIRouter()
        self.nav = list(nav)

    def page(
        self,
        path: str,
        *,
        template: str,
        name: str | None = None,
        cache: PageVersion | None = None,
    ) -> Callable[[View], View]:
        """Register ``view`` as the HTML page ``path`` (rendering ``template``) and its JSON twin.

        With ``cache``, the view's answer may be reused for every caller who
        passes the page's access check, as long as the path, the query
        string and ``cache(request)`` are the same (see ``_page_cache.py``).
        Such a view must not depend on who asks, and ``template`` holds only
        the page's content (no ``{% extends %}``): it is rendered once per
        version, without ``principal`` or ``csrf_token``, and set inside the
        layout for each caller.
        """

        def decorate(view: View) -> View:
            signature = _signature_with_request(view)
            call = _caller(view)
            route_name = name or view.__name__
            json_path = json_twin_path(path)

            async def as_json(**kwargs: Any) -> Response:
                request, data = await call(kwargs)
                html_url = _with_query(request, html_path_of(request.url.path))
                headers = {"Link": f'<{html_url}>; rel="alternate"; type="text/html"'}
                body = json_body({"ok": True, **data})
                _keep(request, lambda: CachedJson(body, headers))
                return Response(body, media_type="application/json", headers=headers)

            async def as_html(**kwargs: Any) -> Response:
                request, data = await call(kwargs)
                json_url = _with_query(request, json_twin_path(request.url.path))
                headers = {"Link": f'<{json_url}>; rel="alternate"; type="application/json"'}
                if cache is None:
                    return render(request, template, data, headers=headers)
                fragment = app_state(request).templates.get_template(template)
                # Safe: rendered by the app's autoescaping environment, values already escaped.
                content = Markup(fragment.render(data))  # noqa: S704
                answer = CachedHtml(data.get("title"), content, headers)
                _keep(request, lambda: answer)
                return _render_cached(request, answer)

            for endpoint in (as_json, as_html):
                endpoint.__signature__ = signature  # type: ignore[attr-defined]
                endpoint.__doc__ = view.__doc__
            route_class = APIRoute if cache is None else _cached_route_class(cache)
            # The JSON twin first: "/x/{id}" would otherwise swallow "/x/abc.json".
            self.router.add_api_route(
                json_path,
                as_json,
                methods=["GET"],
                name=f"{route_name}_json",
                response_class=JSONResponse,
                summary=(view.__doc__ or route_name).strip().splitlines()[0],
                route_class_override=route_class,
            )
            self.router.add_api_route(
                path,
                as_html,
                methods=["GET"],
                name=route_name,
                response_class=HTMLResponse,
                include_in_schema=False,
                route_class_override=route_class,
            )
            return view

        return decorate


# --- cached pages ------------------------------------------------------------------------------


def _cache_key(request: Request, version: Hashable) -> CacheKey:
    return (request.scope["path"], request.scope.get("query_string", b""), version)


def _keep(request: Request, answer: Callable[[], CachedAnswer]) -> None:
    """Keep a cached page's fresh answer under the version read before its view ran.

    The version is read first on purpose: the view may see newer data than
    that version (never older), so a kept answer is never staler than its key.
    """
    version = request.scope.get(_CACHE_VERSION)
    if version is not None:
        app_state(request).page_cache.put(_cache_key(request, version), answer())


def _render_cached(request: Request, answer: CachedHtml) -> HTMLResponse:
    data = {"title": answer.title, "page_content": answer.content}
    return render(request, "_cached_page.html", data, headers=answer.headers)


def _guards(route: APIRoute) -> list[Guard]:
    """The access guards among a route's dependencies, nested ones included.

    The route's own declaration, as ``check_route_access`` reads it (phiwatch
    includes its routers without router-level dependencies).
    """
    found: list[Guard] = []
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if isinstance(dependency.call, Guard):
            found.append(dependency.call)
        pending.extend(dependency.dependencies)
    return found


def _cached_route_class(version_of: PageVersion) -> type[APIRoute]:
    class CachedPageRoute(APIRoute):
        """Answers a repeated request from the page cache, after the route's own access check."""

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            solve_and_run = super().get_route_handler()
            guards = _guards(self)
            if not guards:  # create_app refuses such a route; never serve one from a cache
                return solve_and_run

            async def handler(request: Request) -> Response:
                version = version_of(request)
                if version is not None:
                    answer = app_state(request).page_cache.get(_cache_key(request, version))
                    if answer is not None:
                        for guard in guards:
                            await guard(request)
                        if isinstance(answer, CachedJson):
                            return Response(
                                answer.body, media_type="application/json", headers=answer.headers
                            )
                        return _render_cached(request, answer)
                    request.scope[_CACHE_VERSION] = version
                return await solve_and_run(request)

            return handler

    return CachedPageRoute


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
