"""Pseudonyms back to names, for the privacy officer's eyes only.

The lake and the alerts hold pseudonyms. Showing "Dr. Ada Smith" instead
of ``3f9c…`` needs ``monitor_person`` (PHI): these helpers read it on demand
and return the names to the caller, which shows them and never logs them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from phiwatch.store import Store
from phiwatch.store.models.monitor import Person

_CHUNK = 900


def short_pseudonym(pseudonym: str | None) -> str:
    """A pseudonym as shown when names are not asked for: ``user 3f9c2a1b``."""
    return f"#{pseudonym[:8]}" if pseudonym else "unknown"


def resolve_names(store: Store, pseudonyms: Iterable[str | None]) -> dict[str, str]:
    """Given and family name for each pseudonym the newest context knows (PHI: do not log)."""
    wanted = sorted({p for p in pseudonyms if p})
    names: dict[str, str] = {}
    if not wanted:
        return names
    with store.reader() as session:
        newest = dict(
            session.execute(
                select(Person.kind, func.max(Person.version_id)).group_by(Person.kind)
            ).all()
        )
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            rows = session.execute(
                select(
                    Person.pseudonym, Person.kind, Person.version_id, Person.given, Person.family
                )
                .where(Person.pseudonym.in_(chunk))
                .order_by(Person.version_id)
            ).all()
            for pseudonym, kind, version, given, family in rows:
                if newest.get(kind) != version:
                    continue
                text = " ".join(part for part in (given, family) if part)
                if text:
                    names[pseudonym] = text
    return names
