"""Reading breaches back: lists, one breach with its history, the imports.

Rows leave this module as plain dicts with documented keys (docs/registry.md)
so the CLI, the web pages and their JSON twins all show the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from phiwatch.errors import InputError, NotFoundError
from phiwatch.registry._cache import cached_until_import
from phiwatch.registry._filters import BreachFilter
from phiwatch.registry._vocab import DEFAULT_SORT, labels_of_locations, labels_of_types
from phiwatch.store import Store
from phiwatch.store.models.registry import (
    Breach,
    BreachChange,
    BreachDescription,
    RegistryImport,
)

SORT_COLUMNS = {
    "submitted": Breach.submitted_on,
    "affected": Breach.individuals_affected,
    "entity": Breach.entity_key,
    "state": Breach.state,
}
MAX_LIMIT = 10_000


@dataclass(frozen=True)
class Sort:
    """A sort order such as ``-affected`` (largest first) or ``entity``."""

    column: str
    descending: bool

    @classmethod
    def parse(cls, text: str | None) -> Sort:
        text = (text or DEFAULT_SORT).strip()
        descending = text.startswith("-")
        column = text.lstrip("-+")
        if column not in SORT_COLUMNS:
            raise InputError(
                f"cannot sort by {column!r}; use one of: {', '.join(SORT_COLUMNS)} "
                "(prefix with - for descending, e.g. -affected)"
            )
        return cls(column, descending)

    def __str__(self) -> str:
        return ("-" if self.descending else "") + self.column


def breach_row(breach: Breach) -> dict[str, Any]:
    """The public summary of a breach (list rows, CSV downloads, JSON)."""
    return {
        "id": breach.uid,
        "entity": breach.entity_name.strip(),
        "state": breach.state,
        "entity_type": breach.entity_type,
        "individuals_affected": breach.individuals_affected,
        "submitted": breach.submitted_on,
        "types": labels_of_types(breach.breach_types),
        "locations": labels_of_locations(breach.locations),
        "business_associate": breach.business_associate,
        "status": breach.list_name,
        "listed": breach.listed,
    }


def _ordered(query: Select[Breach], sort: Sort) -> Select[Breach]:
    column = SORT_COLUMNS[sort.column]
    order = column.desc().nulls_last() if sort.descending else column.asc().nulls_last()
    tiebreak = Breach.id.desc() if sort.descending else Breach.id.asc()
    return query.order_by(order, tiebreak)


@cached_until_import
def list_breaches(
    store: Store,
    filters: BreachFilter = BreachFilter(),
    *,
    sort: Sort | str | None = None,
    limit: int | None = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Breaches matching ``filters``, sorted, one page at a time."""
    order = sort if isinstance(sort, Sort) else Sort.parse(sort)
    if limit is not None and not 0 < limit <= MAX_LIMIT:
        raise InputError(f"--limit must be between 1 and {MAX_LIMIT:,}")
    if offset < 0:
        raise InputError("the offset cannot be negative")
    query = _ordered(select(Breach).where(filters.clause()), order).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    with store.reader() as session:
        return [breach_row(b) for b in session.scalars(query)]


@cached_until_import
def count_breaches(store: Store, filters: BreachFilter = BreachFilter()) -> tuple[int, int]:
    """How many breaches match ``filters`` and how many individuals they affected."""
    query = select(
        func.count(Breach.id), func.coalesce(func.sum(Breach.individuals_affected), 0)
    ).where(filters.clause())
    with store.reader() as session:
        count, individuals = session.execute(query).one()
    return int(count or 0), int(individuals or 0)


def _find(session: Session, breach_id: str) -> Breach:
    """A breach by its id, or by an unambiguous prefix of at least 4 characters."""
    wanted = breach_id.strip().lower()
    breach = session.scalar(select(Breach).where(Breach.uid == wanted))
    if breach is not None:
        return breach
    if len(wanted) >= 4:
        found = session.scalars(select(Breach).where(Breach.uid.like(f"{wanted}%")).limit(2)).all()
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise NotFoundError(f"breach id {breach_id!r} is ambiguous; give more characters")
    raise NotFoundError(f"no breach with id {breach_id!r} (see: phiwatch registry list)")


def _history(session: Session, breach: Breach) -> list[dict[str, Any]]:
    first = session.get_one(RegistryImport, breach.first_import_id)
    events: list[dict[str, Any]] = [
        {
            "import": first.id,
            "file": first.file_name,
            "list": first.list_name,
            "as_of": first.as_of,
            "imported_at": first.imported_at,
            "kind": "new",
            "changes": {},
        }
    ]
    rows = session.execute(
        select(BreachChange, RegistryImport)
        .join(RegistryImport, BreachChange.import_id == RegistryImport.id)
        .where(BreachChange.breach_id == breach.id)
        .order_by(BreachChange.import_id)
    ).all()
    for change, entry in rows:
        events.append(
            {
                "import": entry.id,
                "file": entry.file_name,
                "list": entry.list_name,
                "as_of": entry.as_of,
                "imported_at": entry.imported_at,
                "kind": change.kind,
                "changes": change.changes,
            }
        )
    return events


def get_breach(store: Store, breach_id: str) -> dict[str, Any]:
    """One breach with every field, its history across imports and its entity's other breaches."""
    with store.reader() as session:
        breach = _find(session, breach_id)
        related = session.scalars(
            select(Breach)
            .where(Breach.entity_key == breach.entity_key, Breach.id != breach.id)
            .order_by(Breach.submitted_on.desc())
        ).all()
        return {
            **breach_row(breach),
            "entity_as_published": breach.entity_name,
            "entity_key": breach.entity_key,
            "description": session.scalar(
                select(BreachDescription.text).where(BreachDescription.breach_id == breach.id)
            ),
            "history": _history(session, breach),
            "same_entity": [breach_row(b) for b in related],
        }


def list_imports(store: Store) -> list[dict[str, Any]]:
    """Every import that changed something, newest first."""
    with store.reader() as session:
        entries = session.scalars(select(RegistryImport).order_by(RegistryImport.id.desc()))
        return [
            {
                "import": e.id,
                "file": e.file_name,
                "list": e.list_name,
                "as_of": e.as_of,
                "imported_at": e.imported_at,
                "records": e.records,
                "new": e.new,
                "updated": e.updated,
                "moved": e.moved,
                "delisted": e.delisted,
                "unchanged": e.unchanged,
            }
            for e in entries
        ]


def entity_breaches(store: Store, entity_key: str) -> list[dict[str, Any]]:
    """Every breach of one normalised entity, newest first (the entity page)."""
    query = (
        select(Breach).where(Breach.entity_key == entity_key).order_by(Breach.submitted_on.desc())
    )
    with store.reader() as session:
        return [breach_row(b) for b in session.scalars(query)]


@cached_until_import
def top_entities(store: Store, *, limit: int = 10) -> list[dict[str, Any]]:
    """The organisations whose breaches affected the most individuals, all breaches summed."""
    total = func.coalesce(func.sum(Breach.individuals_affected), 0)
    query = (
        select(Breach.entity_key, func.min(Breach.entity_name), func.count(), total)
        .group_by(Breach.entity_key)
        .order_by(total.desc(), Breach.entity_key)
        .limit(limit)
    )
    with store.reader() as session:
        return [
            {
                "entity_key": key,
                "entity": name.strip(),
                "breaches": int(count or 0),
                "individuals": int(individuals or 0),
            }
            for key, name, count, individuals in session.execute(query)
        ]
