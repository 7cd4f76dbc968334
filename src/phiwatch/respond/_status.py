"""Obligations of one incident and the status of every open one: done, due, days left, overdue."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from phiwatch.config import Settings
from phiwatch.respond._assessment import current_result
from phiwatch.respond._deadlines import LawEnforcementDelay, obligations
from phiwatch.respond._incidents import get_incident
from phiwatch.respond._scope import compute_scope, latest_scope
from phiwatch.respond._state_rules import state_obligations, state_rules
from phiwatch.store import Store
from phiwatch.store.models.respond import Incident


def incident_obligations(
    store: Store, incident_id: int, *, today: date | None = None, settings: Settings | None = None
) -> list[dict[str, Any]]:
    """Each notice the incident owes: section, due date, done or not, days left, overdue.

    Until a risk assessment says otherwise, an incident is presumed a breach
    (164.402), so every notice its scope calls for is listed; when the newest
    assessment finds a low probability of compromise, none is owed. State
    rules (``_state_rules``; the user's file from ``settings``) add notices
    for the states of the scope.
    """
    today = today or date.today()
    incident = get_incident(store, incident_id)
    assessed = current_result(store, incident_id)
    if assessed == "no_notice":
        return []
    scope = latest_scope(store, incident_id) or compute_scope(store, incident_id)
    delay = (
        LawEnforcementDelay(incident["delay_from"], incident["delay_until"])
        if incident["delay_until"]
        else None
    )
    owed = obligations(
        discovered=incident["discovered"],
        individuals=scope["individuals"],
        by_state=scope["by_state"],
        unreachable=scope["unreachable"],
        business_associate=incident["business_associate"],
        delay=delay,
    )
    shift = timedelta(days=delay.extra_days(incident["discovered"]) if delay else 0)
    owed += state_obligations(
        state_rules(settings),
        discovered=incident["discovered"],
        by_state=scope["by_state"],
        shift=shift,
    )
    rows = []
    for item in owed:
        done_on = incident["done"].get(item.notice)
        left = (item.due - today).days
        rows.append(
            {
                "incident": incident_id,
                "title": incident["title"],
                "notice": item.notice,
                "section": item.section,
                "due": item.due,
                "done": done_on,
                "days_left": None if done_on else left,
                "overdue": done_on is None and left < 0,
                "late": done_on is not None and done_on > item.due,
                "reason": item.reason,
                "assessment": assessed or "presumed breach",
            }
        )
    return rows


def status(
    store: Store, *, today: date | None = None, settings: Settings | None = None
) -> list[dict[str, Any]]:
    """Obligations of every open incident, the most urgent first (done ones last)."""
    with store.reader() as session:
        ids = list(session.scalars(select(Incident.id).where(Incident.status == "open")))
    rows = [
        row for i in ids for row in incident_obligations(store, i, today=today, settings=settings)
    ]
    return sorted(rows, key=lambda r: (r["done"] is not None, r["due"], r["incident"]))
