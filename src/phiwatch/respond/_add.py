"""Adding a source to an incident: find its patients, store them, recompute the scope."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from phiwatch.config import Settings
from phiwatch.respond._incidents import open_incident
from phiwatch.respond._scope import compute_scope
from phiwatch.respond._sources import Found, from_case, parse_elements, store_source
from phiwatch.store import Store
from phiwatch.store.models.respond import Incident


def add_source(
    store: Store, incident_id: int, found: Found, *, elements: Iterable[str] = ()
) -> dict[str, Any]:
    """Store what a source found and recompute the scope; the source id, its count, the scope.

    ``elements`` adds PHI elements the source cannot know by itself (a CSV
    list from a business associate says nothing of what was in the files).
    """
    extra = parse_elements(elements)
    source_id = store_source(store, incident_id, found, extra)
    return {
        "incident": incident_id,
        "source": source_id,
        "kind": found.kind,
        "found": len(found.patients),
        "scope": compute_scope(store, incident_id),
    }


def open_from_case(
    settings: Settings, store: Store, title: str, *, case_id: int, discovered: date, **dates: Any
) -> dict[str, Any]:
    """Open an incident whose first source is a confirmed monitor case (checked first)."""
    found = from_case(settings, store, case_id)
    incident_id = open_incident(store, title, discovered=discovered, **dates)
    try:
        return add_source(store, incident_id, found)
    except BaseException:
        with store.transaction() as session:
            incident = session.get(Incident, incident_id)
            if incident is not None:
                session.delete(incident)
        raise
