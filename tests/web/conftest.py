"""Fixtures for web tests: the real app over a real SQLite store, one account per role.

Clients are Starlette's in-process TestClient (the real ASGI app, no server);
browser tests start uvicorn on a free loopback port instead.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import werkzeug.serving
from argon2 import PasswordHasher
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning

from phiwatch.config import Settings, load_settings
from phiwatch.security import Role, _passwords, add_user, start_session
from phiwatch.store import Store, open_store
from phiwatch.web import WebConfig, create_app

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 package and warns once, at import, when it finds httpx.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

PASSWORD = "correct horse battery staple"
ROLES = list(Role)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

__all__ = ["PASSWORD", "ROLES", "TestClient", "WebEnv", "csrf_from"]


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


@dataclass
class WebEnv:
    """A running app, its store and settings, and one account per role (named after it)."""

    settings: Settings
    store: Store
    app: FastAPI
    user_ids: dict[Role, int] = field(default_factory=dict)

    def client(self, **kwargs) -> TestClient:
        return TestClient(self.app, **kwargs)

    def signed_in(self, role: Role) -> TestClient:
        """A client holding a real session for the ``role`` account (made without the form)."""
        client = self.client()
        token = start_session(self.store, self.user_ids[role], address="testclient")
        client.cookies.set("phiwatch_session", token)
        return client

    def sign_in(self, client: TestClient, username: str, password: str = PASSWORD, **extra):
        """Sign in through the real form (GET for the CSRF token, then POST)."""
        token = csrf_from(client.get("/login").text)
        data = {"username": username, "password": password, "csrf_token": token, **extra}
        return client.post("/login", data=data, follow_redirects=False)


def fast_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def build_env(data_dir: Path, config: WebConfig | None = None) -> WebEnv:
    settings = load_settings(environ={}, data_dir=str(data_dir))
    store = open_store(settings)
    app = create_app(settings, config=config, store=store)
    env = WebEnv(settings=settings, store=store, app=app)
    for role in ROLES:
        info = add_user(
            store,
            settings,
            role.value.replace("_", "-"),
            role,
            password=PASSWORD,
            display_name=f"{role.value} person",
        )
        env.user_ids[role] = info.id
    return env


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_passwords, "_hasher", fast_hasher())


@pytest.fixture
def make_env(tmp_path: Path) -> Iterator[Callable[..., WebEnv]]:
    """Build an app with a chosen ``WebConfig`` (timeouts, TLS, rate limits)."""
    made: list[WebEnv] = []

    def make(config: WebConfig | None = None) -> WebEnv:
        env = build_env(tmp_path / f"data{len(made)}", config)
        made.append(env)
        return env

    yield make
    for env in made:
        env.store.close()


@pytest.fixture
def web(make_env: Callable[..., WebEnv]) -> WebEnv:
    return make_env()


@pytest.fixture
def issuer() -> Iterator[str]:
    """A real OpenID Connect provider (oidc-provider-mock) on 127.0.0.1; yields its issuer URL."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import oidc_provider_mock  # type: ignore[import-untyped]
    server = werkzeug.serving.make_server(
        "127.0.0.1", 0, oidc_provider_mock.app(require_nonce=True), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
