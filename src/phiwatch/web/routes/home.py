"""The home page (what your role can do here) and a health check for monitoring."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from phiwatch import __version__
from phiwatch.security import ROLE_SUMMARIES
from phiwatch.web._auth import Anyone, CurrentUser
from phiwatch.web._pages import Pages, nav_for
from phiwatch.web._state import NavItem

pages = Pages(nav=[NavItem("Home", "/", order=0), NavItem("Account", "/account", order=90)])


@pages.page("/", template="home.html")
def home(request: Request, user: CurrentUser) -> dict[str, Any]:
    """Who you are signed in as, and the parts of phiwatch your role may use."""
    return {
        "title": "phiwatch",
        "user": {"username": user.username, "role": user.role.value},
        "role_summary": ROLE_SUMMARIES[user.role],
        "sections": [
            {"label": item.label, "href": item.href}
            for item in nav_for(request, user)
            if item.href != "/"
        ],
    }


@pages.router.get("/healthz", summary="Liveness check")
def healthz(_caller: Anyone) -> dict[str, Any]:
    """Always answers while the server runs; says nothing about data."""
    return {"ok": True, "version": __version__}
