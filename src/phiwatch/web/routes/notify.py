"""Patients' pages, reached only through the signed links in their messages.

Patients never get accounts: every route here is ``Anyone`` and the signed
token in the path is the whole credential (checked by ``phiwatch.notify``:
signature, expiry, purpose, and that it was not withdrawn). A bad link is a
404 with one sentence, never a hint of whose it was. The patient sees their
own message, so this is not recorded as workforce PHI access.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import Response

from phiwatch import notify
from phiwatch.web._auth import Anyone
from phiwatch.web._pages import Pages, render
from phiwatch.web._state import app_state

pages = Pages()


@pages.page("/notify/m/{token}", template="notify_message.html")
def patient_message(request: Request, user: Anyone, token: str) -> dict[str, Any]:
    """The message a patient's link opens: who opened or changed their record, and why."""
    state = app_state(request)
    message = notify.message_for_link(state.store, state.settings, token)
    return {"title": message["subject"], "token": token, **message}


@pages.router.post("/notify/m/{token}", include_in_schema=False)
def patient_answer(
    request: Request,
    user: Anyone,
    token: str,
    verdict: Annotated[str, Form(max_length=20)],
    words: Annotated[str, Form(max_length=notify.MAX_WORDS)] = "",
) -> Response:
    """Record "I recognise this" or "that wasn't me" (the latter opens a report)."""
    state = app_state(request)
    notify.answer_message(state.store, state.settings, token, verdict, words)
    return render(
        request,
        "notify_answered.html",
        {"title": "Thank you", "reported": verdict == "not_me"},
        status=201,
    )


@pages.page("/notify/unsubscribe/{token}", template="notify_unsubscribe.html")
def unsubscribe_page(request: Request, user: Anyone, token: str) -> dict[str, Any]:
    """Confirm stopping all messages about your record."""
    state = app_state(request)
    notify.check_unsubscribe_link(state.store, state.settings, token)
    return {"title": "Stop these messages", "token": token, "done": False}


@pages.router.post("/notify/unsubscribe/{token}", include_in_schema=False)
def unsubscribe(request: Request, user: Anyone, token: str) -> Response:
    """Stop every message and withdraw every link sent."""
    state = app_state(request)
    notify.unsubscribe_by_link(state.store, state.settings, token)
    return render(
        request, "notify_unsubscribe.html", {"title": "Unsubscribed", "token": "", "done": True}
    )
