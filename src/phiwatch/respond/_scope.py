"""Scope: computed from an incident's sources, never typed in; each computation kept as counts.

The scope is the distinct patients of all sources, looked up in the context
in force: how many, by state of residence (media threshold, state
regulators), minors (notice to a parent) and deceased (next of kin) at the
day of discovery, how many have no usable postal address (substitute notice
at 10 or more), how many are not in the context at all, and the PHI elements
and exports the sources involved. Each computation is stored (counts only,
no PHI) so that the next one can say what changed.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlalchemy import select

from phiwatch.errors import NotFoundError
from phiwatch.respond._context import patient_facts
from phiwatch.store import Store
from phiwatch.store.models.respond import (
    AffectedIndividual,
    Incident,
    IncidentSource,
    ScopeSnapshot,
)

UNKNOWN_STATE = "unknown"
_COUNTS = ("individuals", "minors", "deceased", "unreachable", "not_in_context")


def _compute(store: Store, incident_id: int) -> dict[str, Any]:
    with store.reader() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFoundError(f"no incident {incident_id}")
        pseudonyms = set(
            session.scalars(
                select(AffectedIndividual.patient_pseudonym)
                .where(AffectedIndividual.incident_id == incident_id)
                .distinct()
            )
        )
        sources = list(
            session.scalars(select(IncidentSource).where(IncidentSource.incident_id == incident_id))
        )
        discovered = incident.discovered
        facts = patient_facts(session, pseudonyms, on=discovered)
    by_state: Counter[str] = Counter()
    minors = deceased = unreachable = 0
    for pseudonym in pseudonyms:
        fact = facts.get(pseudonym)
        if fact is None:
            by_state[UNKNOWN_STATE] += 1
            unreachable += 1
            continue
        by_state[fact.state or UNKNOWN_STATE] += 1
        minors += fact.is_minor(discovered)
        deceased += fact.deceased
        unreachable += not fact.postal_address
    elements: set[str] = set()
    for source in sources:
        elements.update(json.loads(source.elements))
    return {
        "individuals": len(pseudonyms),
        "by_state": dict(sorted(by_state.items())),
        "minors": minors,
        "deceased": deceased,
        "unreachable": unreachable,
        "not_in_context": len(pseudonyms) - len(facts),
        "elements": sorted(elements),
        "exported": any(s.exported for s in sources),
        "sources": len(sources),
    }


def scope_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """What changed between two scopes, in words (empty when nothing did)."""
    if before is None:
        return ["first computation"]
    changes = []
    for name in _COUNTS:
        old, new = before.get(name, 0), after[name]
        if old != new:
            changes.append(f"{name.replace('_', ' ')}: {old:,} -> {new:,} ({new - old:+,})")
    states = sorted(set(before.get("by_state", {})) | set(after["by_state"]))
    for state in states:
        old, new = before.get("by_state", {}).get(state, 0), after["by_state"].get(state, 0)
        if old != new:
            changes.append(f"state {state}: {old:,} -> {new:,} ({new - old:+,})")
    added = sorted(set(after["elements"]) - set(before.get("elements", [])))
    if added:
        changes.append(f"elements added: {', '.join(added)}")
    if after["exported"] and not before.get("exported"):
        changes.append("records were exported")
    return changes


def latest_scope(store: Store, incident_id: int) -> dict[str, Any] | None:
    """The last stored scope of an incident, or None when it was never computed."""
    with store.reader() as session:
        snapshot = session.scalars(
            select(ScopeSnapshot)
            .where(ScopeSnapshot.incident_id == incident_id)
            .order_by(ScopeSnapshot.id.desc())
            .limit(1)
        ).first()
        return json.loads(snapshot.summary) if snapshot else None


def compute_scope(store: Store, incident_id: int) -> dict[str, Any]:
    """Recompute and store an incident's scope; the scope plus ``changes`` since the last one."""
    before = latest_scope(store, incident_id)
    scope = _compute(store, incident_id)
    with store.transaction() as session:
        session.add(ScopeSnapshot(incident_id=incident_id, summary=json.dumps(scope)))
    return {**scope, "changes": scope_changes(before, scope)}
