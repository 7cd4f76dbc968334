"""The web app and JSON API: ``create_app(settings)``, served by ``phiwatch serve``.

The frame every page uses (see docs/web.md): ``Pages.page`` for an HTML page
and its JSON twin from one view; ``CurrentUser`` / ``RequireRole`` / ``Anyone``
to declare who may call a route; ``render`` for forms; ``audit_phi`` to record
PHI access; one error shape; security headers, sessions and CSRF built in.
"""

from phiwatch.web._app import RouteInfo, app_routes, check_route_access, create_app
from phiwatch.web._auth import (
    Access,
    AdminUser,
    Anyone,
    AuditReader,
    CurrentUser,
    PrivacyOfficer,
    RequireRole,
    csrf_token,
    effective_access,
)
from phiwatch.web._config import OidcConfig, WebConfig
from phiwatch.web._errors import Forbidden, NotSignedIn, WebError, error_payload
from phiwatch.web._pages import Pages, json_twin_path, render
from phiwatch.web._phi import audit_phi
from phiwatch.web._state import NavItem, app_state, client_address

__all__ = [
    "Access",
    "AdminUser",
    "Anyone",
    "AuditReader",
    "CurrentUser",
    "Forbidden",
    "NavItem",
    "NotSignedIn",
    "OidcConfig",
    "Pages",
    "PrivacyOfficer",
    "RequireRole",
    "RouteInfo",
    "WebConfig",
    "WebError",
    "app_routes",
    "app_state",
    "audit_phi",
    "check_route_access",
    "client_address",
    "create_app",
    "csrf_token",
    "effective_access",
    "error_payload",
    "json_twin_path",
    "render",
]
