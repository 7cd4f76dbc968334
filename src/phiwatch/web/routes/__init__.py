"""The app's route modules; each exposes ``pages`` (a ``Pages``). Add a module here to mount it."""

from __future__ import annotations

from types import ModuleType

from phiwatch.web.routes import (
    account,
    admin,
    audit,
    home,
    monitor,
    notify,
    notify_reports,
    registry,
    respond,
    signin,
)

ROUTE_MODULES: list[ModuleType] = [
    home,
    signin,
    account,
    admin,
    audit,
    notify,
    registry,
    monitor,
    notify_reports,
    respond,
]

__all__ = ["ROUTE_MODULES"]
