"""Who may call a route, declared in its signature and checked on the server.

Every route names its access with one of these ``Annotated`` aliases::

    def page(user: CurrentUser): ...                                   # anyone signed in
    def page(user: Annotated[Principal, RequireRole(Role.auditor)]): ... # these roles only
    def page(user: Anyone): ...                                        # public (sign-in page)

``create_app`` refuses to start when a route declares none, and the
authorisation-matrix test calls every route as every role. The same guard
also enforces, for requests that change something (POST, PUT, PATCH,
DELETE): CSRF protection when the caller is a browser (a token bound to the
session, or to a pre-sign-in cookie for the sign-in form, and the Origin
header must be phiwatch's own), and that read-only API tokens only read.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from phiwatch.security import (
    Principal,
    Role,
    authenticate_token,
    parse_role,
    resolve_session,
)
from phiwatch.web._errors import Forbidden, NotSignedIn
from phiwatch.web._state import app_state

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def session_cookie_name(request: Request) -> str:
    # The __Host- prefix makes the browser refuse the cookie unless Secure, Path=/, no Domain.
    return (
        "__Host-phiwatch_session"
        if app_state(request).config.secure_cookies
        else "phiwatch_session"
    )


def pre_cookie_name(request: Request) -> str:
    return "__Host-phiwatch_pre" if app_state(request).config.secure_cookies else "phiwatch_pre"


@dataclass(frozen=True)
class Access:
    """A route's declared audience: public, any signed-in account, or some roles."""

    public: bool = False
    roles: frozenset[Role] | None = None

    def allows(self, principal: Principal | None) -> bool:
        if self.public:
            return True
        if principal is None:
            return False
        return self.roles is None or principal.role in self.roles

    def describe(self) -> str:
        if self.public:
            return "public"
        if self.roles is None:
            return "signed-in"
        return "roles: " + ", ".join(sorted(r.value for r in self.roles))


async def resolve_principal(request: Request) -> Principal | None:
    """The caller, from a bearer token or the session cookie; cached for the request.

    An API token proved in the last second is not looked up again (see
    ``_credentials.py``): for a script fetching pages, that lookup and its
    thread hop were half the cost of a cached page. Session cookies are
    looked up every time, so idle and absolute timeouts hold to the second.
    """
    if "principal" in request.scope.setdefault("state", {}):
        cached: Principal | None = request.state.principal
        return cached
    state = app_state(request)
    principal: Principal | None = None
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        secret = value.strip()
        if scheme.lower() != "bearer" or not secret:
            raise NotSignedIn("use 'Authorization: Bearer <token>'")
        principal = state.credentials.get(secret)
        if principal is None:
            principal = await run_in_threadpool(
                authenticate_token, state.store, state.settings, secret
            )
            if principal is None:
                raise NotSignedIn("the API token is not valid (unknown, revoked or expired)")
            state.credentials.remember(secret, principal)
    else:
        token = request.cookies.get(session_cookie_name(request))
        if token:
            principal = await run_in_threadpool(
                resolve_session, state.store, state.settings, token, state.config.session
            )
    request.state.principal = principal
    return principal


def _csrf_binding(request: Request, principal: Principal | None) -> str | None:
    if principal is not None:
        return request.cookies.get(session_cookie_name(request))
    return request.cookies.get(pre_cookie_name(request))


def _csrf_for(request: Request, binding: str) -> str:
    key = app_state(request).csrf_key
    return hmac.new(key, binding.encode("utf-8"), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token a form on this page must send back (creating a pre-sign-in cookie if needed)."""
    principal = getattr(request.state, "principal", None)
    binding = _csrf_binding(request, principal) or getattr(request.state, "new_pre_cookie", None)
    if binding is None:
        binding = secrets.token_urlsafe(32)
        request.state.new_pre_cookie = binding
    return _csrf_for(request, binding)


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"


async def check_csrf(request: Request, principal: Principal | None) -> None:
    """Refuse a browser's state-changing request that phiwatch's own page did not make."""
    origin = request.headers.get("origin")
    if origin is not None and origin != own_origin(request):
        raise Forbidden("cross-origin requests that change data are refused")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    binding = _csrf_binding(request, principal)
    if not sent or not binding or not hmac.compare_digest(sent, _csrf_for(request, binding)):
        raise Forbidden(
            "this form has expired or did not come from phiwatch; reload the page and try again"
        )


class Guard:
    """The dependency behind every access alias; ``access`` is read by the route checks."""

    def __init__(self, access: Access) -> None:
        self.access = access

    async def __call__(self, request: Request) -> Principal | None:
        principal = await resolve_principal(request)
        if not self.access.public:
            if principal is None:
                raise NotSignedIn("sign in to see this page")
            if not self.access.allows(principal):
                raise Forbidden("your role may not use this page")
        if request.method not in SAFE_METHODS:
            if principal is not None and principal.read_only:
                raise Forbidden("this API token is read-only")
            if principal is None or principal.via == "session":
                await check_csrf(request, principal)
        return principal

    def __repr__(self) -> str:
        return f"Guard({self.access.describe()})"


_PUBLIC = Guard(Access(public=True))
_SIGNED_IN = Guard(Access())


def RequireRole(*roles: Role | str) -> Any:
    """``Annotated[Principal, RequireRole(Role.auditor, Role.privacy_officer)]``."""
    if not roles:
        raise ValueError("RequireRole needs at least one role")
    wanted = frozenset(r if isinstance(r, Role) else parse_role(r) for r in roles)
    return Depends(Guard(Access(roles=wanted)))


Anyone = Annotated[Principal | None, Depends(_PUBLIC)]
"""Public route; the caller, if signed in, or None."""

CurrentUser = Annotated[Principal, Depends(_SIGNED_IN)]
"""Any signed-in account or API token."""

AdminUser = Annotated[Principal, RequireRole(Role.admin)]
PrivacyOfficer = Annotated[Principal, RequireRole(Role.privacy_officer)]
AuditReader = Annotated[Principal, RequireRole(Role.auditor, Role.privacy_officer)]


def route_access(route: APIRoute) -> list[Access]:
    """Every access declaration among a route's dependencies (nested ones included)."""
    found: list[Access] = []
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if isinstance(dependency.call, Guard):
            found.append(dependency.call.access)
        pending.extend(dependency.dependencies)
    return found


def effective_access(route: APIRoute) -> Access | None:
    """The strictest declared access (all guards must pass), or None when none is declared."""
    declared = route_access(route)
    if not declared:
        return None
    restricted = [a for a in declared if not a.public]
    if not restricted:
        return Access(public=True)
    roles: frozenset[Role] | None = None
    for access in restricted:
        if access.roles is not None:
            roles = access.roles if roles is None else roles & access.roles
    return Access(roles=roles)
