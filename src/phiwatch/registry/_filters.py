"""The one set of filters shared by ``list``, ``stats``, the web pages and their JSON twins."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, literal, true

from phiwatch.errors import InputError
from phiwatch.registry._names import normalise_entity
from phiwatch.registry._vocab import (
    ENTITY_TYPES,
    ListName,
    breach_type_from_user,
    location_from_user,
)
from phiwatch.store.models.registry import Breach

_ENTITY_TYPE_ALIASES = {
    "provider": "Healthcare Provider",
    "plan": "Health Plan",
    "health-plan": "Health Plan",
    "associate": "Business Associate",
    "business-associate": "Business Associate",
    "ba": "Business Associate",
    "clearinghouse": "Healthcare Clearing House",
    "clearing-house": "Healthcare Clearing House",
}


def entity_type_from_user(text: str) -> str:
    """An entity type named by a user: an alias (``plan``) or the portal's label."""
    key = text.strip().lower()
    for label in ENTITY_TYPES:
        if key == label.lower():
            return label
    if key in _ENTITY_TYPE_ALIASES:
        return _ENTITY_TYPE_ALIASES[key]
    raise InputError(
        f"unknown entity type {text!r}; use one of: {', '.join(sorted(_ENTITY_TYPE_ALIASES))}"
    )


def state_from_user(text: str) -> str:
    code = text.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise InputError(f"a state is a 2-letter code such as TX, not {text!r}")
    return code


def entity_contains(key: str) -> ColumnElement[bool]:
    """The breach's normalised name holds ``key``'s words, whole and in order.

    "anthem" finds "anthem" and "anthem blue cross", not "panthem".
    """
    padded = literal(" ") + Breach.entity_key + literal(" ")
    return padded.like(f"% {key} %")


@dataclass(frozen=True)
class BreachFilter:
    """Which breaches a query covers. Repeated values of one filter are alternatives (OR)."""

    entity: str | None = None
    states: tuple[str, ...] = ()
    entity_types: tuple[str, ...] = ()
    types: int = 0
    locations: int = 0
    business_associate: bool | None = None
    since: date | None = None
    until: date | None = None
    min_affected: int | None = None
    status: ListName | None = None

    @classmethod
    def from_user(
        cls,
        *,
        entity: str | None = None,
        states: Iterable[str] = (),
        entity_types: Iterable[str] = (),
        types: Iterable[str] = (),
        locations: Iterable[str] = (),
        business_associate: bool | None = None,
        since: date | None = None,
        until: date | None = None,
        min_affected: int | None = None,
        status: str | None = None,
    ) -> BreachFilter:
        """Build a filter from what a person typed (CLI options, URL query), validating each."""
        type_mask = 0
        for name in types:
            type_mask |= breach_type_from_user(name)
        location_mask = 0
        for name in locations:
            location_mask |= location_from_user(name)
        if since and until and since > until:
            raise InputError(f"--since {since} is after --until {until}")
        if min_affected is not None and min_affected < 0:
            raise InputError("--min-affected cannot be negative")
        try:
            list_name = ListName(status) if status else None
        except ValueError:
            raise InputError(f"unknown status {status!r}; use archive or investigation") from None
        return cls(
            entity=entity.strip() if entity and entity.strip() else None,
            states=tuple(state_from_user(s) for s in states),
            entity_types=tuple(entity_type_from_user(t) for t in entity_types),
            types=type_mask,
            locations=location_mask,
            business_associate=business_associate,
            since=since,
            until=until,
            min_affected=min_affected,
            status=list_name,
        )

    def conditions(self) -> list[ColumnElement[bool]]:
        """The filter as SQL conditions on ``registry_breach`` (same on SQLite and PostgreSQL)."""
        where: list[ColumnElement[bool]] = []
        if self.entity:
            key = normalise_entity(self.entity)
            if not key:
                raise InputError(f"--entity {self.entity!r} has no letters or digits to search for")
            where.append(entity_contains(key))
        if self.states:
            where.append(Breach.state.in_(self.states))
        if self.entity_types:
            where.append(Breach.entity_type.in_(self.entity_types))
        if self.types:
            where.append(Breach.breach_types.op("&")(self.types) != 0)
        if self.locations:
            where.append(Breach.locations.op("&")(self.locations) != 0)
        if self.business_associate is not None:
            where.append(Breach.business_associate.is_(self.business_associate))
        if self.since:
            where.append(Breach.submitted_on >= self.since)
        if self.until:
            where.append(Breach.submitted_on <= self.until)
        if self.min_affected is not None:
            where.append(Breach.individuals_affected >= self.min_affected)
        if self.status:
            where.append(Breach.list_name == self.status.value)
        return where

    def clause(self) -> ColumnElement[bool]:
        return and_(true(), *self.conditions())
