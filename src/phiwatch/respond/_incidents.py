"""Incidents: open one, list them, show one, record that a notice was given."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import func, select

from phiwatch.errors import ConflictError, InputError, NotFoundError
from phiwatch.respond._deadlines import NOTICES
from phiwatch.respond._state_rules import STATE_NOTICE
from phiwatch.store import Store
from phiwatch.store.models.respond import (
    AffectedIndividual,
    Incident,
    IncidentSource,
    NoticeDone,
    ScopeSnapshot,
)


def parse_day(value: str, option: str) -> date:
    """A calendar date from the command line, or an error naming the option."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} expects a date as YYYY-MM-DD") from None


def open_incident(
    store: Store,
    title: str,
    *,
    discovered: date,
    occurred_from: date | None = None,
    occurred_to: date | None = None,
    business_associate: bool = False,
    delay_from: date | None = None,
    delay_until: date | None = None,
) -> int:
    """A new incident; its id. Sources are added afterwards (``add_*_source``)."""
    if not title.strip():
        raise InputError("an incident needs a title")
    if occurred_from and occurred_to and occurred_to < occurred_from:
        raise InputError("--occurred-to is before --occurred-from")
    if occurred_from and occurred_from > discovered:
        raise InputError("--occurred-from is after --discovered")
    if delay_until is None and delay_from is not None:
        raise InputError("--delay-from needs --delay-until")
    if delay_until is not None and delay_until < (delay_from or discovered):
        raise InputError("--delay-until is before the delay starts")
    with store.transaction() as session:
        incident = Incident(
            title=title.strip(),
            status="open",
            discovered=discovered,
            occurred_from=occurred_from,
            occurred_to=occurred_to,
            business_associate=business_associate,
            delay_from=(delay_from or discovered) if delay_until else None,
            delay_until=delay_until,
        )
        session.add(incident)
        session.flush()
        return incident.id


def incident_row(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "title": incident.title,
        "status": incident.status,
        "discovered": incident.discovered,
        "occurred_from": incident.occurred_from,
        "occurred_to": incident.occurred_to,
        "business_associate": incident.business_associate,
        "delay_from": incident.delay_from,
        "delay_until": incident.delay_until,
        "opened": incident.opened_at,
    }


def list_incidents(store: Store, *, status: str | None = None) -> list[dict[str, Any]]:
    """Incidents, newest first, each with its number of distinct affected individuals."""
    with store.reader() as session:
        per_incident = session.execute(
            select(
                AffectedIndividual.incident_id,
                func.count(func.distinct(AffectedIndividual.patient_pseudonym)),
            ).group_by(AffectedIndividual.incident_id)
        )
        counts: dict[int, int] = dict(per_incident.all())
        query = select(Incident).order_by(Incident.id.desc())
        if status is not None:
            query = query.where(Incident.status == status)
        rows = []
        for incident in session.scalars(query):
            row = incident_row(incident)
            row["individuals"] = counts.get(incident.id, 0)
            rows.append(row)
        return rows


def get_incident(store: Store, incident_id: int) -> dict[str, Any]:
    """One incident with its sources, its latest scope and the notices recorded as done."""
    with store.reader() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFoundError(f"no incident {incident_id}")
        record = incident_row(incident)
        record["sources"] = [
            {
                "id": s.id,
                "kind": s.kind,
                "detail": json.loads(s.detail),
                "individuals": s.individuals,
                "elements": json.loads(s.elements),
                "exported": s.exported,
                "added": s.added_at,
            }
            for s in session.scalars(
                select(IncidentSource)
                .where(IncidentSource.incident_id == incident_id)
                .order_by(IncidentSource.id)
            )
        ]
        latest = session.scalars(
            select(ScopeSnapshot)
            .where(ScopeSnapshot.incident_id == incident_id)
            .order_by(ScopeSnapshot.id.desc())
            .limit(1)
        ).first()
        record["scope"] = json.loads(latest.summary) if latest else None
        record["done"] = {
            d.notice: d.done_on
            for d in session.scalars(
                select(NoticeDone).where(NoticeDone.incident_id == incident_id)
            )
        }
        return record


def mark_done(store: Store, incident_id: int, notice: str, *, on: date) -> None:
    """Record that ``notice`` was given on ``on`` (once; a second record is a conflict)."""
    if notice not in NOTICES and not STATE_NOTICE.match(notice):
        raise InputError(
            f"NOTICE expects one of {', '.join(NOTICES)} or state-XX-individuals/"
            f"state-XX-regulator, not {notice!r}"
        )
    with store.transaction() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFoundError(f"no incident {incident_id}")
        if on < incident.discovered:
            raise InputError("--on is before the incident was discovered")
        exists = session.scalar(
            select(NoticeDone.id).where(
                NoticeDone.incident_id == incident_id, NoticeDone.notice == notice
            )
        )
        if exists is not None:
            raise ConflictError(f"incident {incident_id}: {notice} notice already recorded")
        session.add(NoticeDone(incident_id=incident_id, notice=notice, done_on=on))


def close_incident(store: Store, incident_id: int) -> None:
    """Close an incident: it leaves ``respond status``; its record stays."""
    with store.transaction() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFoundError(f"no incident {incident_id}")
        incident.status = "closed"
