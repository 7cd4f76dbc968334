"""Your account: who you are, and your API tokens (made here, shown once, revocable).

A script may make tokens here with its own token only when that token was
made with "may create tokens"; what it makes is bounded by it (see
``phiwatch.security._tokens``). Otherwise the answer is 403, saying why.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from phiwatch.errors import InputError
from phiwatch.security import TokenRefused, create_token, list_tokens, revoke_token
from phiwatch.web._auth import CurrentUser
from phiwatch.web._errors import Forbidden
from phiwatch.web._pages import Pages, render
from phiwatch.web._state import app_state

pages = Pages()


def _account_data(request: Request, user: CurrentUser) -> dict[str, Any]:
    state = app_state(request)
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
                "may_create_tokens": t.may_create_tokens,
                "made_by_token": t.parent_id,
            }
            for t in list_tokens(state.store, user.username, settings=state.settings)
        ],
        "token_max_days": state.settings.token_max_days,
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
    may_create_tokens: Annotated[bool, Form()] = False,
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
            may_create_tokens=may_create_tokens,
            minted_by=user,
        )
    except TokenRefused as exc:
        raise Forbidden(str(exc)) from None
    except InputError as exc:
        data = _account_data(request, user) | {"error": str(exc)}
        return render(request, "account.html", data, status=400)
    data = _account_data(request, user) | {"new_token": token, "new_token_name": info.name}
    return render(request, "account.html", data, status=201)


@pages.router.post("/account/tokens/{token_id}/revoke", include_in_schema=False)
def revoke_api_token(request: Request, user: CurrentUser, token_id: int) -> Response:
    """Revoke one of your tokens at once."""
    revoke_token(app_state(request).store, token_id, owner_id=user.user_id)  # and its children
    app_state(request).credentials.forget()
    return RedirectResponse("/account", status_code=303)
