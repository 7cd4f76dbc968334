"""The privacy office's page of patients' "that wasn't me" reports, linked to their cases.

A patient who does not recognise an access answers on their message page
(``routes/notify.py``); ``phiwatch.notify`` keeps the report (their words
encrypted) and files one alert per staff member it names in the monitor's
review queue. This page lists the reports with those alerts and cases, so
the privacy officer can go from the patient's words to the case.

The privacy officer sees the patient's words (PHI: the view is recorded in
the audit trail); the auditor sees the same list without them, in
pseudonyms only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request

from phiwatch import monitor, notify
from phiwatch.security import Principal, Role
from phiwatch.web._auth import RequireRole
from phiwatch.web._errors import Forbidden
from phiwatch.web._pages import Pages
from phiwatch.web._phi import audit_phi
from phiwatch.web._state import NavItem, app_state

_READERS = frozenset({Role.privacy_officer, Role.auditor})

pages = Pages(nav=[NavItem("Patient reports", "/notify/reports", roles=_READERS, order=22)])

ReportReader = Annotated[Principal, RequireRole(Role.privacy_officer, Role.auditor)]


def _short(pseudonym: str | None) -> str:
    return f"#{pseudonym[:8]}" if pseudonym else "unknown"


@pages.page("/notify/reports", template="notify_reports.html")
def reports(
    request: Request,
    user: ReportReader,
    status: Annotated[str, Query(pattern="^(open|closed|all)$")] = "open",
    names: Annotated[
        bool, Query(description="Show names instead of pseudonyms (PHI; recorded).")
    ] = False,
) -> dict[str, Any]:
    """Patients' reports of accesses they do not recognise, with the alerts and cases opened."""
    state = app_state(request)
    officer = user.role is Role.privacy_officer
    if names and not officer:
        raise Forbidden("your role may see pseudonyms only, not names")
    chosen = None if status == "all" else status
    found = notify.list_reports(state.store, state.settings, status=chosen)
    linked = monitor.patient_report_alerts(state.store)
    people = [p for r in found for p in (r["patient"], *r["users"])]
    shown = monitor.resolve_names(state.store, people) if names else {}
    rows = []
    for report in found:
        alerts = linked.get(f"notify report #{report['id']}", [])
        rows.append(
            {
                "id": report["id"],
                "created_at": report["created_at"],
                "verdict": report["verdict"],
                "status": report["status"],
                "patient": shown.get(report["patient"], _short(report["patient"])),
                "patient_pseudonym": report["patient"],
                "users": [shown.get(u, _short(u)) for u in report["users"]],
                "user_pseudonyms": report["users"],
                "events": len(report["events"]),
                "posts": report["posts"],
                "last_post_at": report["last_post_at"],
                "words": report["words"] if officer else None,
                "alerts": [
                    a | {"user": shown.get(a["user_pseudonym"], _short(a["user_pseudonym"]))}
                    for a in alerts
                ],
            }
        )
    if officer and rows:
        audit_phi(
            request,
            user,
            action="view",
            patients=sorted({r["patient_pseudonym"] for r in rows}),
            purpose=None,
            what="Notify/reports",
            description="patients' reports with their words" + (" and names" if names else ""),
        )
    return {
        "title": "Patient reports",
        "status": status,
        "reports": rows,
        "names": names,
        "can_reveal": officer,
        "shows_words": officer,
    }
