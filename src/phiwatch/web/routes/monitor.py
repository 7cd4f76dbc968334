"""The monitor's review queue in the browser: alerts to work through, their evidence, cases.

A privacy officer works from ``/monitor``: open alerts, most severe first,
filtered in the URL; an alert's page shows why it fired and the events
behind it, each with the reason the context gives (or none), and the
actions: assign, acknowledge, dismiss with a reason, escalate to a case or
add to another open case. Cases have their own list and page (alerts,
notes, status). Every action calls ``phiwatch.monitor``'s review API, the
same functions the CLI uses.

Who may do what (docs/security.md's roles): the privacy officer everything;
a reviewer only the alerts assigned to them and the cases holding those;
the auditor reads everything, in pseudonyms only. Pages show pseudonyms by
default; ``?names=1`` resolves them to names (PHI), for the privacy officer
and reviewer, and the access is recorded in phiwatch's audit trail.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response

from phiwatch import monitor
from phiwatch.errors import InputError, NotFoundError
from phiwatch.monitor import QueueFilter
from phiwatch.security import Principal, Role
from phiwatch.web._auth import PrivacyOfficer, RequireRole
from phiwatch.web._errors import Forbidden
from phiwatch.web._pages import Pages
from phiwatch.web._phi import audit_phi
from phiwatch.web._state import NavItem, app_state

_READERS = frozenset({Role.privacy_officer, Role.reviewer, Role.auditor})
_NAME_READERS = frozenset({Role.privacy_officer, Role.reviewer})

pages = Pages(
    nav=[
        NavItem("Review queue", "/monitor", roles=_READERS, order=20),
        NavItem("Cases", "/monitor/cases", roles=_READERS, order=21),
    ]
)

MonitorReader = Annotated[Principal, RequireRole(Role.privacy_officer, Role.reviewer, Role.auditor)]
AlertWorker = Annotated[Principal, RequireRole(Role.privacy_officer, Role.reviewer)]

PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 200
EVENTS_SHOWN = 200
_DATE = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$"

NamesQ = Annotated[
    bool, Query(description="Show names instead of pseudonyms (PHI; recorded in the audit trail).")
]
NoteF = Annotated[str, Form(max_length=monitor.MAX_NOTE)]
AlertId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
CaseId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]


def _day(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{name} is not a date (expected YYYY-MM-DD)", column=name) from None


def _check_names(user: Principal, names: bool) -> bool:
    if names and user.role not in _NAME_READERS:
        raise Forbidden("your role may see pseudonyms only, not names")
    return names


def _detector_choices() -> list[tuple[str, str]]:
    """(id, name) of every detector file, and the patients' own reports (short on a phone)."""
    choices = [(d.id, d.name.replace("_", " ")) for d in monitor.load_detectors()]
    choices.append(("patient-report", "patient report"))
    return sorted(choices, key=lambda c: c[1])


def _detector_id(text: str) -> str:
    """A detector filter given by id or by name (``vip_access``)."""
    for detector in monitor.load_detectors():
        if text in (detector.id, detector.name):
            return detector.id
    if text == "patient-report":
        return text
    raise InputError("detector expects a detector's name or id", column="detector")


def _query(params: dict[str, Any], **overrides: Any) -> str:
    pairs = [(k, str(v)) for k, v in {**params, **overrides}.items() if v not in (None, "", False)]
    return urlencode(pairs)


# --- the queue -------------------------------------------------------------------------------


@pages.page("/monitor", template="monitor_queue.html")
def queue(
    request: Request,
    user: MonitorReader,
    status: Annotated[
        str, Query(pattern="^(active|all|open|acknowledged|dismissed|escalated)$")
    ] = "active",
    detector: Annotated[str | None, Query(max_length=64, description="Name or id.")] = None,
    pseudonym: Annotated[
        str | None,
        Query(
            alias="user",
            pattern="^#?[0-9a-fA-F]{0,32}$",
            description="The user's pseudonym, or its first characters.",
        ),
    ] = None,
    assignee: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[str | None, Query(pattern=_DATE, description="YYYY-MM-DD")] = None,
    until: Annotated[str | None, Query(pattern=_DATE, description="YYYY-MM-DD")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=PER_PAGE_MAX)] = PER_PAGE_DEFAULT,
    names: NamesQ = False,
) -> dict[str, Any]:
    """Alerts to review, most severe first, then newest; filters in the URL, paginated."""
    store = app_state(request).store
    _check_names(user, names)
    if user.role is Role.reviewer:
        assignee = user.username  # a reviewer's queue is what is assigned to them
    detector = _detector_id(detector) if detector else None
    where = QueueFilter(
        view=status,
        detector=detector,
        user=pseudonym or None,
        assignee=assignee or None,
        since=_day(since, "since"),
        until=_day(until, "until"),
    )
    result = monitor.review_queue(
        store, where, limit=per_page, offset=(page - 1) * per_page, names=names
    )
    if names:
        audit_phi(
            request,
            user,
            action="search",
            patients=sorted({p for r in result.rows for p in r["patient_pseudonyms"][:20]}),
            purpose=None,
            what="Monitor/review-queue",
            description="review queue shown with names",
        )
    pages_count = max(1, math.ceil(result.total / per_page))
    params = {
        "status": status,
        "detector": detector or "",
        "user": pseudonym or "",
        "assignee": "" if user.role is Role.reviewer else assignee or "",
        "since": since or "",
        "until": until or "",
        "per_page": per_page if per_page != PER_PAGE_DEFAULT else "",
        "names": 1 if names else "",
    }
    return {
        "title": "Review queue",
        "filters": params,
        "total": result.total,
        "page": page,
        "per_page": per_page,
        "pages": pages_count,
        "alerts": result.rows,
        "counts": monitor.queue_counts(store),
        "names": names,
        "can_reveal": user.role in _NAME_READERS,
        "next_url": f"/monitor?{_query(params, page=page + 1)}" if page < pages_count else None,
        "previous_url": f"/monitor?{_query(params, page=page - 1)}" if page > 1 else None,
        "names_url": f"/monitor?{_query(params, names='' if names else 1, page=page)}",
        "choices": {
            "status": list(monitor.QUEUE_VIEWS),
            "detector": _detector_choices(),
            "assignee": monitor.reviewers(store),
        },
    }


# --- one alert -------------------------------------------------------------------------------


def _may_work_on(user: Principal, request: Request, alert_id: AlertId) -> None:
    """A reviewer may see and act on only the alerts assigned to them.

    An alert that is not theirs answers exactly as one that does not exist (404,
    the same sentence): a 403 would tell a reviewer which alert ids exist, and so
    how many incidents the privacy office is working on.
    """
    if user.role is Role.reviewer:
        try:
            assignee = monitor.alert_assignee(app_state(request).store, alert_id)
        except NotFoundError:
            assignee = None
        if assignee != user.username:
            raise NotFoundError(f"no alert {alert_id}")


@pages.page("/monitor/alerts/{alert_id}", template="monitor_alert.html")
def alert(
    request: Request,
    user: MonitorReader,
    alert_id: AlertId,
    names: NamesQ = False,
) -> dict[str, Any]:
    """One alert: why it fired, the events behind it with their reasons, and what was done."""
    state = app_state(request)
    _check_names(user, names)
    _may_work_on(user, request, alert_id)
    record = monitor.review_alert(state.store, alert_id, names=names)
    rules = monitor.load_detection_config(state.settings).explain
    events = monitor.alert_events(
        state.settings, state.store, alert_id, rules=rules, limit=EVENTS_SHOWN
    )
    shown = dict(zip(record["patient_pseudonyms"], record["patients"], strict=True))
    for event in events:
        pseudonym = event["patient_pseudonym"]
        event["patient"] = shown.get(pseudonym, f"#{pseudonym[:8]}") if pseudonym else None
    if names:
        audit_phi(
            request,
            user,
            action="view",
            patients=record["patient_pseudonyms"],
            purpose=f"Case/{record['case']}" if record["case"] else None,
            what=f"Alert/{alert_id}",
        )
    can_act = user.role in (Role.privacy_officer, Role.reviewer)
    return {
        "title": f"Alert {alert_id}: {record['title']}",
        "alert": record,
        "events": events,
        "events_shown": len(events),
        "names": names,
        "can_reveal": user.role in _NAME_READERS,
        "can_act": can_act,
        "can_assign": user.role is Role.privacy_officer,
        "reviewers": monitor.reviewers(state.store) if user.role is Role.privacy_officer else [],
        "open_cases": monitor.open_cases(state.store, exclude=record["case"])
        if user.role is Role.privacy_officer
        else [],
        "reasons": list(monitor.DISMISS_REASONS),
    }


def _back_to_alert(alert_id: AlertId) -> Response:
    return RedirectResponse(f"/monitor/alerts/{alert_id}", status_code=303)


@pages.router.post("/monitor/alerts/{alert_id}/assign", include_in_schema=False)
def alert_assign(
    request: Request,
    user: PrivacyOfficer,
    alert_id: AlertId,
    assignee: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Give the alert to a privacy officer or reviewer (empty: nobody)."""
    monitor.assign_alert(app_state(request).store, alert_id, assignee or None, by=user.username)
    return _back_to_alert(alert_id)


@pages.router.post("/monitor/alerts/{alert_id}/acknowledge", include_in_schema=False)
def alert_acknowledge(
    request: Request, user: AlertWorker, alert_id: AlertId, note: NoteF = ""
) -> Response:
    """Mark the alert as being looked into."""
    _may_work_on(user, request, alert_id)
    monitor.acknowledge_alert(app_state(request).store, alert_id, by=user.username, note=note)
    return _back_to_alert(alert_id)


@pages.router.post("/monitor/alerts/{alert_id}/dismiss", include_in_schema=False)
def alert_dismiss(
    request: Request,
    user: AlertWorker,
    alert_id: AlertId,
    reason: Annotated[str, Form(max_length=32)],
    note: NoteF = "",
) -> Response:
    """Dismiss the alert as a false positive or as benign, with a note saying why."""
    _may_work_on(user, request, alert_id)
    monitor.dismiss_alert(app_state(request).store, alert_id, reason, by=user.username, note=note)
    return _back_to_alert(alert_id)


@pages.router.post("/monitor/alerts/{alert_id}/escalate", include_in_schema=False)
def alert_escalate(
    request: Request,
    user: AlertWorker,
    alert_id: AlertId,
    case_id: Annotated[str, Form(pattern="^[0-9]{0,12}$")] = "",
    note: NoteF = "",
) -> Response:
    """Escalate the alert: its case goes to review, or it joins another open case."""
    _may_work_on(user, request, alert_id)
    if case_id and user.role is not Role.privacy_officer:
        raise Forbidden("only a privacy officer may add an alert to another case")
    target = monitor.escalate_alert(
        app_state(request).store,
        alert_id,
        by=user.username,
        case_id=int(case_id) if case_id else None,
        note=note,
    )
    return RedirectResponse(f"/monitor/cases/{target}", status_code=303)


# --- cases -----------------------------------------------------------------------------------


@pages.page("/monitor/cases", template="monitor_cases.html")
def cases(
    request: Request,
    user: MonitorReader,
    status: Annotated[str, Query(pattern="^(|new|reviewing|false_positive|confirmed)$")] = "",
    names: NamesQ = False,
) -> dict[str, Any]:
    """Cases (the alerts on one user, together), highest score first."""
    store = app_state(request).store
    _check_names(user, names)
    rows = monitor.list_cases(store, status=status or None, limit=500, names=names)
    if user.role is Role.reviewer:
        mine = monitor.assigned_case_ids(store, user.username)
        rows = [r for r in rows if r["id"] in mine]
    if names:
        audit_phi(
            request,
            user,
            action="search",
            patients=[],
            purpose=None,
            what="Monitor/cases",
            description="case list shown with workforce names",
        )
    params = {"status": status, "names": 1 if names else ""}
    return {
        "title": "Cases",
        "status": status,
        "cases": rows,
        "names": names,
        "can_reveal": user.role in _NAME_READERS,
        "names_url": f"/monitor/cases?{_query(params, names='' if names else 1)}",
        "choices": {"status": list(monitor.STATUSES)},
    }


@pages.page("/monitor/cases/{case_id}", template="monitor_case.html")
def case(
    request: Request,
    user: MonitorReader,
    case_id: CaseId,
    names: NamesQ = False,
) -> dict[str, Any]:
    """One case: its alerts with their review status, its notes and status changes."""
    store = app_state(request).store
    _check_names(user, names)
    if user.role is Role.reviewer and case_id not in monitor.assigned_case_ids(
        store, user.username
    ):
        # Not theirs answers as unknown does (see _may_work_on): no hint that it exists.
        raise NotFoundError(f"no case {case_id}")
    record = monitor.get_case(store, case_id, names=names)
    statuses = monitor.review_statuses(store, [a["id"] for a in record["alert_list"]])
    for item in record["alert_list"]:
        item.update(statuses[item["id"]])
    if names:
        audit_phi(
            request,
            user,
            action="view",
            patients=sorted({p for a in record["alert_list"] for p in a["patient_pseudonyms"]}),
            purpose=f"Case/{case_id}",
            what=f"Case/{case_id}",
        )
    return {
        "title": f"Case {case_id}",
        "case": record,
        "names": names,
        "can_reveal": user.role in _NAME_READERS,
        "can_update": user.role is Role.privacy_officer,
        "choices": {"status": list(monitor.STATUSES)},
    }


@pages.router.post("/monitor/cases/{case_id}", include_in_schema=False)
def case_update(
    request: Request,
    user: PrivacyOfficer,
    case_id: CaseId,
    status: Annotated[str, Form(max_length=16)] = "",
    note: NoteF = "",
) -> Response:
    """Change the case's status (confirm, close as a false positive) and/or add a note."""
    text = note.strip()
    if not status and not text:
        raise InputError("choose a status or write a note", column="note")
    monitor.update_case(
        app_state(request).store, case_id, status=status or None, note=text, by=user.username
    )
    return RedirectResponse(f"/monitor/cases/{case_id}", status_code=303)
