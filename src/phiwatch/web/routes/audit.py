"""phiwatch's own audit trail, for auditors and privacy officers, with its chain checked."""

from __future__ import annotations

from itertools import islice
from typing import Annotated, Any

from fastapi import Query, Request
from sqlalchemy import func, select

from phiwatch.security import Role, iter_events, verify_trail
from phiwatch.store.models.security import AuditRecord
from phiwatch.web._auth import AuditReader
from phiwatch.web._pages import Pages
from phiwatch.web._state import NavItem, app_state

pages = Pages(
    nav=[
        NavItem(
            "Audit trail",
            "/audit",
            roles=frozenset({Role.auditor, Role.privacy_officer}),
            order=70,
        )
    ]
)


def _action(event: dict[str, Any]) -> str | None:
    subtype = (event.get("subtype") or [{}])[0]
    value = subtype.get("display") or subtype.get("code")
    return None if value is None else str(value)


def _summary(event: dict[str, Any]) -> dict[str, Any]:
    agent: dict[str, Any] = next((a for a in event.get("agent", []) if a.get("requestor")), {})
    entities = event.get("entity", [])
    return {
        "id": event.get("id"),
        "recorded": event.get("recorded"),
        "user": agent.get("who", {}).get("identifier", {}).get("value"),
        "address": agent.get("network", {}).get("address"),
        "action": _action(event),
        "patients": [
            e["what"]["reference"]
            for e in entities
            if e.get("role", {}).get("display") == "Patient"
        ],
        "object": next(
            (e["what"].get("reference") for e in entities if e.get("type", {}).get("code") == "2"),
            None,
        ),
        "purpose": (event.get("purposeOfEvent") or [{}])[0].get("text"),
    }


@pages.page("/audit", template="audit.html")
def audit_trail(
    request: Request,
    _reader: AuditReader,
    limit: Annotated[int, Query(ge=1, le=500, description="How many of the latest records")] = 50,
) -> dict[str, Any]:
    """The latest records of who viewed, searched, exported or changed PHI in phiwatch."""
    store = app_state(request).store
    with store.reader() as session:
        total = session.scalar(select(func.count()).select_from(AuditRecord)) or 0
    events = list(islice(iter_events(store, since=max(0, total - limit)), limit))
    verdict = verify_trail(store)
    return {
        "title": "Audit trail",
        "total": total,
        "chain": {"ok": verdict.ok, "problem": verdict.problem, "head_hash": verdict.head_hash},
        "records": [_summary(e) for e in reversed(events)],
    }
