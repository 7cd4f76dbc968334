"""Administration pages: the accounts and their roles (changes are made with ``phiwatch users``)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from phiwatch.security import Role, list_users
from phiwatch.web._auth import AdminUser
from phiwatch.web._pages import Pages
from phiwatch.web._state import NavItem, app_state

pages = Pages(nav=[NavItem("Users", "/admin/users", roles=frozenset({Role.admin}), order=80)])


@pages.page("/admin/users", template="users.html")
def users(request: Request, _admin: AdminUser) -> dict[str, Any]:
    """Every account, its role and whether it can sign in."""
    state = app_state(request)
    return {
        "title": "Users",
        "users": [
            {
                "username": u.username,
                "role": u.role.value,
                "display_name": u.display_name,
                "disabled": u.disabled,
                "totp": u.totp,
                "single_sign_on": u.oidc_subject is not None,
                "last_sign_in_at": u.last_sign_in_at,
            }
            for u in list_users(state.store, state.settings)
        ],
    }
