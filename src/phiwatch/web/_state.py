"""What every request can reach: settings, the store, the config, templates, navigation."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request
from starlette.templating import Jinja2Templates

from phiwatch.config import Settings
from phiwatch.security import Role
from phiwatch.store import Store
from phiwatch.web._config import WebConfig
from phiwatch.web._credentials import RecentCredentials
from phiwatch.web._page_cache import PageCache


@dataclass(frozen=True)
class NavItem:
    """A link in the top navigation, shown only to ``roles`` (None: anyone signed in)."""

    label: str
    href: str
    roles: frozenset[Role] | None = None
    order: int = 100


@dataclass
class AppState:
    settings: Settings
    store: Store
    config: WebConfig
    templates: Jinja2Templates
    csrf_key: bytes
    nav: list[NavItem] = field(default_factory=list)
    credentials: RecentCredentials = field(init=False)
    page_cache: PageCache = field(default_factory=PageCache)

    def __post_init__(self) -> None:
        self.credentials = RecentCredentials(self.config.remember_credentials)


def app_state(request: Request) -> AppState:
    state = request.app.state.phiwatch
    assert isinstance(state, AppState)
    return state


def client_address(request: Request) -> str:
    """The caller's address (uvicorn rewrites it from X-Forwarded-For only with --behind-proxy)."""
    return request.client.host if request.client else "unknown"
