"""The app's route modules; each exposes ``pages`` (a ``Pages``). Add a module here to mount it."""

from __future__ import annotations

from types import ModuleType

from phiwatch.web.routes import account, admin, audit, home, notify, registry, signin

ROUTE_MODULES: list[ModuleType] = [home, signin, account, admin, audit, notify, registry]

__all__ = ["ROUTE_MODULES"]
