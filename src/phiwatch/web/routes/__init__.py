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

# Routes are matched in this order, so the busiest pages come first: the registry's list and
# its JSON twin (issue 3) were otherwise tried against some 30 routes, half a cached answer's
# cost. No two modules share a path prefix, so the order changes nothing else.
ROUTE_MODULES: list[ModuleType] = [
    registry,
    home,
    signin,
    account,
    admin,
    audit,
    notify,
    monitor,
    notify_reports,
    respond,
]

__all__ = ["ROUTE_MODULES"]
