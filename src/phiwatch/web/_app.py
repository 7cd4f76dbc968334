"""The app factory: ``create_app(settings)`` builds the whole web app and JSON API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from starlette.routing import BaseRoute
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp

from phiwatch import __version__
from phiwatch.config import Settings
from phiwatch.errors import ConfigurationError
from phiwatch.security import derive_key, enable_field_encryption
from phiwatch.store import Store, open_store
from phiwatch.web._auth import effective_access
from phiwatch.web._charts import horizontal_bars, stacked_columns
from phiwatch.web._config import WebConfig
from phiwatch.web._errors import install_error_handlers
from phiwatch.web._headers import SecurityHeadersMiddleware
from phiwatch.web._state import AppState

_HERE = Path(__file__).parent


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(_HERE / "templates"))
    templates.env.autoescape = True
    # Templates ship inside the package and never change while the app runs: no stat() per render.
    templates.env.auto_reload = False
    # Charts are drawn on the server (SVG); pages call these with the numbers they show.
    templates.env.globals["stacked_columns"] = stacked_columns
    templates.env.globals["horizontal_bars"] = horizontal_bars
    return templates


@dataclass(frozen=True)
class RouteInfo:
    """One route as served: its full path, methods, and the route object declaring it."""

    path: str
    methods: frozenset[str]
    route: BaseRoute


def app_routes(app: FastAPI) -> list[RouteInfo]:
    """Every route the app serves, with included routers flattened (FastAPI nests them)."""
    found: list[RouteInfo] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        methods = frozenset(getattr(route, "methods", None) or ())
        path = context.path or getattr(route, "path", None) or ""
        found.append(RouteInfo(str(path), methods, route))
    return found


def check_route_access(app: FastAPI) -> None:
    """Refuse to build an app with a route that does not declare who may call it."""
    undeclared = [
        f"{','.join(sorted(info.methods))} {info.path}"
        for info in app_routes(app)
        if isinstance(info.route, APIRoute) and effective_access(info.route) is None
    ]
    if undeclared:
        raise ConfigurationError(
            "routes without an access declaration (add CurrentUser, RequireRole(...) or "
            f"Anyone to the signature): {', '.join(undeclared)}"
        )


class PhiwatchApp(FastAPI):
    """FastAPI with the security headers outermost, so even a bare 500 carries them.

    (Middleware added with ``add_middleware`` sits inside Starlette's
    ServerErrorMiddleware, which answers unhandled exceptions itself.)
    """

    hsts = False

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeadersMiddleware(super().build_middleware_stack(), hsts=self.hsts)


def create_app(
    settings: Settings, *, config: WebConfig | None = None, store: Store | None = None
) -> FastAPI:
    """The web app for ``settings``; ``store`` is opened (and closed at shutdown) if not given."""
    from phiwatch.web.routes import ROUTE_MODULES

    owns_store = store is None
    opened = store or open_store(settings)
    enable_field_encryption(opened, settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_store:
            opened.close()

    web_config = config or WebConfig.from_settings(settings)
    app = PhiwatchApp(
        title="phiwatch",
        version=__version__,
        description="phiwatch's JSON API: every page's data, as JSON. Authenticate with "
        "'Authorization: Bearer <token>' (phiwatch tokens create).",
        docs_url=None,  # the interactive docs load scripts from a CDN and run inline code
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.phiwatch = AppState(
        settings=settings,
        store=opened,
        config=web_config,
        templates=_templates(),
        csrf_key=derive_key(settings, "csrf"),
    )
    app.hsts = web_config.secure_cookies
    install_error_handlers(app)
    for module in ROUTE_MODULES:
        app.include_router(module.pages.router)
        app.state.phiwatch.nav.extend(module.pages.nav)
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")
    check_route_access(app)
    return app
