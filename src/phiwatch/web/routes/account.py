"""Your account: who you are, and your API tokens (made here, shown once, revocable)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from phiwatch.errors import InputError
from phiwatch.security import create_token, list_tokens, revoke_token
from phiwatch.web._auth import CurrentUser
from phiwatch.web._pages import Pages, render
from phiwatch.web._state import app_state

pages = Pages()


def _account_data(request: Request, user: CurrentUser) -> dict[str, Any]:
    store = app_state(request).store
    return {
        "title": "Your account",
        "user": {
            "username": user.username,
            "role": user.role.value,
            "display_name": user.display_name,
            "signed_in_with": user.via,
        },
        "tokens": [
            {
                "id": t.id,
                "name": t.name,
                "prefix": t.prefix,
                "role": t.role.value,
                "read_only": t.read_only,
                "created_at": t.created_at,
                "expires_at": t.expires_at,
                "last_used_at": t.last_used_at,
                "revoked": t.revoked_at is not None,
            }
            for t in list_tokens(store, user.username)
        ],
    }


@pages.page("/account", template="account.html")
def account(request: Request, user: CurrentUser) -> dict[str, Any]:
    """Your account and your API tokens (never their secrets)."""
    return _account_data(request, user)


@pages.router.post("/account/tokens", include_in_schema=False)
def create_api_token(
    request: Request,
    user: CurrentUser,
    name: Annotated[str, Form(max_length=100)],
    read_only: Annotated[bool, Form()] = False,
    expires_days: Annotated[int | None, Form(ge=1, le=3650)] = None,
) -> Response:
    """Make a token with your role; the page shows it once."""
    state = app_state(request)
    try:
        info, token = create_token(
            state.store,
            state.settings,
            user.username,
            name,
            read_only=read_only,
            expires_in=timedelta(days=expires_days) if expires_days else None,
        )
    except InputError as exc:
        data = _account_data(request, user) | {"error": str(exc)}
        return render(request, "account.html", data, status=400)
    data = _account_data(request, user) | {"new_token": token, "new_token_name": info.name}
    return render(request, "account.html", data, status=201)


@pages.router.post("/account/tokens/{token_id}/revoke", include_in_schema=False)
def revoke_api_token(request: Request, user: CurrentUser, token_id: int) -> Response:
    """Revoke one of your tokens at once."""
    revoke_token(app_state(request).store, token_id, owner_id=user.user_id)
    app_state(request).credentials.forget()
    return RedirectResponse("/account", status_code=303)
