"""One error shape for JSON, one readable page for HTML, and no PHI in either.

JSON errors look like ``{"ok": false, "error": "Not found", "errors": ["Not found"],
"status": 404}``. Validation messages name the parameter and the problem, never
the value that was sent (it may be a patient's name). Unexpected exceptions
become a plain 500 with no detail; the log line names the route (its
template, ``/respond/incidents/{incident_id}/letter``, not the path, which can
hold an identifier) and the exception type only.

Starlette answers an exception it has no handler for and then raises it
again, so that the server logs it: uvicorn would write the message and the
traceback, either of which may hold PHI. ``ContainUnexpected`` sits inside
Starlette's outermost layer and ends every exception there, after its one
line.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from phiwatch.errors import ConflictError, InputError, NotFoundError, PhiwatchError
from phiwatch.security import SignInThrottled

_log = logging.getLogger("phiwatch.web")

_REASONS = {
    400: "Bad request",
    401: "Sign-in required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal error",
}


class WebError(Exception):
    """An error raised by web code that knows its HTTP status."""

    status = 400

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class NotSignedIn(WebError):
    status = 401


class Forbidden(WebError):
    status = 403


def error_payload(status: int, message: str, errors: list[str] | None = None) -> dict[str, Any]:
    return {"ok": False, "error": message, "errors": errors or [message], "status": status}


def wants_json(request: Request) -> bool:
    """JSON for ``.json`` paths, bearer-token callers and clients that do not ask for HTML."""
    path = request.url.path
    if path.endswith(".json") or path.startswith("/api/") or path == "/healthz":
        return True
    if request.headers.get("authorization"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_response(
    request: Request,
    status: int,
    message: str,
    *,
    errors: list[str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    if wants_json(request):
        return JSONResponse(
            error_payload(status, message, errors), status, headers=dict(headers or {})
        )
    from phiwatch.web._pages import render

    return render(
        request,
        "error.html",
        {
            "status": status,
            "reason": _REASONS.get(status, "Error"),
            "message": message,
            "errors": errors or [],
        },
        status=status,
        headers=headers,
    )


async def _web_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WebError)
    if isinstance(exc, NotSignedIn) and not wants_json(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    headers = dict(exc.headers)
    if isinstance(exc, NotSignedIn):
        headers.setdefault("WWW-Authenticate", 'Bearer realm="phiwatch"')
    return error_response(request, exc.status, exc.message, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else _REASONS.get(exc.status_code, "Error")
    return error_response(request, exc.status_code, message, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return error_response(request, 400, "The request is not valid", errors=problems)


async def _phiwatch_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PhiwatchError)
    if isinstance(exc, SignInThrottled):
        return error_response(request, 429, str(exc), headers={"Retry-After": str(exc.retry_after)})
    status = 400
    if isinstance(exc, NotFoundError):
        status = 404
    elif isinstance(exc, ConflictError):
        status = 409
    elif not isinstance(exc, InputError):
        status = 500
    if status == 500:  # a setting or template problem: the operator needs the line
        log_unexpected(request.scope, exc)
        return error_response(request, status, _REASONS[500])
    return error_response(request, status, str(exc))


def route_name(scope: Scope) -> str:
    """The route a request matched, as declared (``/cases/{case_id}``), with its method."""
    route = scope.get("route")
    template = getattr(route, "path", None) if route is not None else None
    return f"{scope.get('method', '?')} {template or '(no route)'}"


def log_unexpected(scope: Scope, exc: BaseException) -> None:
    """One line for an error the app did not expect: the route and the exception type.

    Never the message, the path or the traceback's locals: any may hold PHI.
    """
    _log.error("unexpected %s in %s", type(exc).__name__, route_name(scope))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log_unexpected(request.scope, exc)
    return error_response(request, 500, _REASONS[500])


class ContainUnexpected:
    """Answer any exception a route raised with the plain 500, log it once, and stop it here."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def _send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, _send)
        except Exception as exc:
            log_unexpected(scope, exc)
            if started:  # a streamed body broke off: nothing more can be said
                return
            request = Request(scope, receive)
            try:
                response = error_response(request, 500, _REASONS[500])
            except Exception:  # the error page itself failed: the JSON shape needs nothing
                response = JSONResponse(error_payload(500, _REASONS[500]), 500)
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(WebError, _web_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(PhiwatchError, _phiwatch_error)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(ContainUnexpected)
