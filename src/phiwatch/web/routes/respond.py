"""Breach response on the web: incidents, one incident's scope and deadlines, its assessment.

Who may do what (docs/respond.md): the privacy officer runs breach response
and is the only role that changes anything (a new assessment version) or
sees a letter addressed to a patient; the auditor reads incidents, scopes,
deadlines and assessment history. Other roles are refused: the admin's and
analyst's roles exclude patient matters. Incident pages show counts and
pseudonymous sources, never a patient's identity; a letter preview for one
affected patient does, and is recorded in the PHI audit trail.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response

from phiwatch import respond
from phiwatch.errors import InputError, PhiwatchError
from phiwatch.security import Principal, Role
from phiwatch.store import Store
from phiwatch.web._auth import PrivacyOfficer, RequireRole
from phiwatch.web._pages import Pages, render
from phiwatch.web._phi import audit_phi
from phiwatch.web._state import AppState, NavItem, app_state

IncidentId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
RespondReader = Annotated[Principal, RequireRole(Role.privacy_officer, Role.auditor)]

pages = Pages(
    nav=[
        NavItem(
            "Incidents",
            "/respond",
            roles=frozenset({Role.privacy_officer, Role.auditor}),
            order=60,
        )
    ]
)

_VARIANTS = ("individual", "guardian", "next_of_kin")


def _store(request: Request) -> Store:
    return app_state(request).store


def _can_edit(user: Principal) -> bool:
    """Only the privacy officer changes breach response, and not through a read-only token."""
    return user.role is Role.privacy_officer and not user.read_only


@pages.page("/respond", template="respond_incidents.html")
def incidents(request: Request, user: RespondReader) -> dict[str, Any]:
    """Incidents, newest first, and every open incident's notices, most urgent first."""
    state = app_state(request)
    due = respond.status(state.store, settings=state.settings)
    return {
        "title": "Incidents",
        "incidents": respond.list_incidents(state.store),
        "due": due,
        "overdue": sum(1 for row in due if row["overdue"]),
        "today": date.today(),
        "can_open": _can_edit(user),
    }


def _form_answers(store: Store, incident_id: int) -> dict[str, Any]:
    """The newest version's answers, or phiwatch's pre-filled ones when never assessed."""
    history = respond.assessments(store, incident_id)
    if history:
        return dict(history[-1]["answers"])
    answers = respond.prefill(store, incident_id)
    return {name: getattr(answers, name) for name in respond.answer_names()}


def _letters(request: Request, incident_id: int) -> dict[str, Any]:
    """Whether letters can be written yet (the incident's facts), and why not."""
    problem = respond.letters_problem(_store(request), incident_id)
    return {"ready": problem is None, "problem": problem, "variants": list(_VARIANTS)}


def _incident_data(request: Request, user: Principal, incident_id: int) -> dict[str, Any]:
    state = app_state(request)
    record = respond.get_incident(state.store, incident_id)
    scope = record["scope"] or respond.compute_scope(state.store, incident_id)
    by_state = scope["by_state"]
    return {
        "title": f"Incident {incident_id}: {record['title']}",
        "incident": record,
        "scope": scope,
        "chart": {"states": list(by_state), "counts": list(by_state.values())},
        "obligations": respond.incident_obligations(
            state.store, incident_id, settings=state.settings
        ),
        "assessments": respond.assessments(state.store, incident_id),
        "result": respond.current_result(state.store, incident_id),
        "form": {
            "answers": _form_answers(state.store, incident_id),
            "questions": respond.QUESTIONS,
            "choices": respond.CHOICES,
        },
        "letters": _letters(request, incident_id),
        "can_assess": _can_edit(user),
        "elements": respond.ELEMENTS,
    }


@pages.page("/respond/incidents/{incident_id}", template="respond_incident.html")
def incident(request: Request, user: RespondReader, incident_id: IncidentId) -> dict[str, Any]:
    """One incident: scope by state, sources, deadlines, the assessment and its versions."""
    return _incident_data(request, user, incident_id)


@pages.router.post("/respond/incidents/{incident_id}/assessment", include_in_schema=False)
async def assess(request: Request, user: PrivacyOfficer, incident_id: IncidentId) -> Response:
    """Save the form's answers as a new assessment version (never an edit of the last one)."""
    form = await request.form()
    given: dict[str, str] = {}
    for name in respond.answer_names():
        value = form.get(name)
        if isinstance(value, str):
            given[name] = value
        elif name not in respond.CHOICES:
            given[name] = "no"  # an unticked box is not sent
    store = _store(request)
    try:
        answers = respond.with_answers(respond.prefill(store, incident_id), given)
        respond.save_assessment(
            store, incident_id, answers, decided_by=user.display_name or user.username
        )
    except PhiwatchError as exc:
        from starlette.concurrency import run_in_threadpool

        data = await run_in_threadpool(_incident_data, request, user, incident_id)
        return render(request, "respond_incident.html", data | {"error": str(exc)}, status=400)
    return RedirectResponse(f"/respond/incidents/{incident_id}#assessment", status_code=303)


@pages.page("/respond/incidents/{incident_id}/letter", template="respond_letter.html")
def letter(
    request: Request,
    user: PrivacyOfficer,
    incident_id: IncidentId,
    variant: Annotated[str, Query(pattern="^(individual|guardian|next_of_kin)$")] = "individual",
    patient: Annotated[
        str | None, Query(max_length=64, description="An affected patient's pseudonym")
    ] = None,
    language: Annotated[
        str | None,
        Query(
            pattern="^(en|es)$",
            description="en or es; default: the patient's own language, a sample in English",
        ),
    ] = None,
) -> dict[str, Any]:
    """A letter preview: a sample recipient per variant, or the letter one patient will get."""
    state = app_state(request)
    preview = respond.preview_letter(
        state.store,
        state.settings,
        incident_id,
        variant=variant,
        patient=patient,
        language=language,
    )
    if not preview.sample:
        audit_phi(
            request,
            user,
            action="view",
            patients=[patient or ""],
            purpose=f"Incident/{incident_id}",
            what=f"Letter/{preview.letter_id}",
            description="breach notice letter preview",
        )
    return {
        "title": f"Incident {incident_id}: letter preview",
        "incident": incident_id,
        "variant": preview.variant,
        "sample": preview.sample,
        "letter_id": preview.letter_id,
        "language": preview.language,
        "html": preview.html,
    }


# -- opening an incident and adding its sources (the CLI's `respond open` / `respond add`) ------

_CSV_MAX_BYTES = 50 * 2**20
_SOURCE_KINDS = ("case", "lake", "csv")
OptionalDay = Annotated[date | None, Form()]


@pages.router.post("/respond", include_in_schema=False)
def open_incident_form(
    request: Request,
    user: PrivacyOfficer,
    title: Annotated[str, Form(max_length=200)],
    discovered: Annotated[date, Form()],
    occurred_from: OptionalDay = None,
    occurred_to: OptionalDay = None,
    business_associate: Annotated[bool, Form()] = False,
    delay_from: OptionalDay = None,
    delay_until: OptionalDay = None,
    from_case: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """Open an incident (from a confirmed monitor case when one is named) and go to its page."""
    state = app_state(request)
    dates: dict[str, Any] = {
        "occurred_from": occurred_from,
        "occurred_to": occurred_to,
        "business_associate": business_associate,
        "delay_from": delay_from,
        "delay_until": delay_until,
    }
    try:
        if from_case is not None:
            opened = respond.open_from_case(
                state.settings,
                state.store,
                title,
                case_id=from_case,
                discovered=discovered,
                **dates,
            )
            incident_id = int(opened["incident"])
        else:
            incident_id = respond.open_incident(state.store, title, discovered=discovered, **dates)
    except PhiwatchError as exc:
        data = incidents(request, user) | {"error": str(exc)}
        return render(request, "respond_incidents.html", data, status=400)
    return RedirectResponse(f"/respond/incidents/{incident_id}", status_code=303)


@pages.router.post("/respond/incidents/{incident_id}/sources", include_in_schema=False)
def add_source_form(
    request: Request,
    user: PrivacyOfficer,
    incident_id: IncidentId,
    kind: Annotated[str, Form(pattern="^(case|lake|csv)$")],
    case_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    account: Annotated[str, Form(max_length=200)] = "",
    address: Annotated[str, Form(max_length=100)] = "",
    after: Annotated[datetime | None, Form()] = None,
    before: Annotated[datetime | None, Form()] = None,
    patients: Annotated[UploadFile | None, File(description="CSV with a patient_id column")] = None,
    elements: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Add one source of affected individuals (a confirmed case, a lake query, a CSV list)."""
    state = app_state(request)
    try:
        found = _found(state, kind, case_id, account, address, (after, before), patients)
        respond.add_source(state.store, incident_id, found, elements=elements or [])
    except PhiwatchError as exc:
        data = _incident_data(request, user, incident_id) | {"source_error": str(exc)}
        return render(request, "respond_incident.html", data, status=400)
    return RedirectResponse(f"/respond/incidents/{incident_id}#sources", status_code=303)


def _found(
    state: AppState,
    kind: str,
    case_id: int | None,
    account: str,
    address: str,
    window: tuple[datetime | None, datetime | None],
    upload: UploadFile | None,
) -> respond.Found:
    """The individuals one source names, each kind read the way `respond add` reads it."""
    if kind == "case":
        if case_id is None:
            raise InputError("give the number of a confirmed monitor case", column="case_id")
        return respond.from_case(state.settings, state.store, case_id)
    if kind == "lake":
        after, before = window
        if (after is None) != (before is None):
            raise InputError("give both ends of the time window, or neither", column="after")
        between = (after, before) if after is not None and before is not None else None
        return respond.from_lake(
            state.settings,
            user=account.strip() or None,
            address=address.strip() or None,
            between=between,
        )
    if upload is None or not upload.filename:
        raise InputError("choose a CSV file with a patient_id column", column="patients")
    data = upload.file.read(_CSV_MAX_BYTES + 1)
    if len(data) > _CSV_MAX_BYTES:
        raise InputError("the file is too large (50 MiB at most)", column="patients")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (Path(upload.filename).name or "patients.csv")
        path.write_bytes(data)
        return respond.from_csv(state.settings, state.store, path)
