"""Counting breaches and individuals affected, grouped the ways analysts ask.

Grouping runs in SQL (one query, the same on SQLite and PostgreSQL). Types
and locations are sets, so grouping by them joins each breach to each of
its types: a breach that was "Hacking/IT Incident, Theft" counts once under
each, and the shares are computed against distinct breaches, never against
the inflated sum.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.selectable import Subquery

from phiwatch.errors import InputError
from phiwatch.registry._cache import cached_until_import
from phiwatch.registry._filters import BreachFilter
from phiwatch.registry._vocab import (
    BREACH_TYPE_LABELS,
    LOCATION_LABELS,
    SIZE_BUCKETS,
    SIZE_UNKNOWN,
)
from phiwatch.store import Store
from phiwatch.store.models.registry import Breach

GROUPINGS = ("year", "month", "state", "entity-type", "type", "location", "size")
_TIME_KEYS = ("year", "month")
_NOT_GIVEN = "(not given)"
_SIZE_ORDER = {label: i for i, (label, _, _) in enumerate(SIZE_BUCKETS)} | {
    SIZE_UNKNOWN: len(SIZE_BUCKETS)
}


def _column_name(grouping: str) -> str:
    return grouping.replace("-", "_")


def _flag_table(labels: dict[Any, str], name: str) -> Subquery:
    """A tiny constant table (bit, label), with bit 0 standing for "not given"."""
    rows = [(int(flag), label) for flag, label in labels.items()] + [(0, _NOT_GIVEN)]
    parts = [
        select(literal(bit, Integer).label("bit"), literal(label, String).label("label"))
        for bit, label in rows
    ]
    return union_all(*parts).subquery(name)


def _member_of(
    mask: ColumnElement[int] | InstrumentedAttribute[int], table: Subquery
) -> ColumnElement[bool]:
    return or_(mask.op("&")(table.c.bit) != 0, and_(mask == 0, table.c.bit == 0))


def _size_expression() -> ColumnElement[str]:
    whens = [
        (Breach.individuals_affected < high, label)
        for label, _low, high in SIZE_BUCKETS
        if high is not None
    ]
    return case(
        (Breach.individuals_affected.is_(None), SIZE_UNKNOWN),
        *whens,
        else_=SIZE_BUCKETS[-1][0],
    )


def _month_expression(dialect: str) -> ColumnElement[str]:
    if dialect == "postgresql":
        return func.to_char(Breach.submitted_on, "YYYY-MM")
    return func.strftime("%Y-%m", Breach.submitted_on)


def _check(by: Sequence[str]) -> list[str]:
    groupings = [g.strip().lower() for g in by]
    for grouping in groupings:
        if grouping not in GROUPINGS:
            raise InputError(f"cannot group by {grouping!r}; use one of: {', '.join(GROUPINGS)}")
    if len(set(groupings)) != len(groupings):
        raise InputError("each --by may be given once")
    return groupings


def _grouped_totals(
    store: Store, groupings: Sequence[str], filters: BreachFilter
) -> list[dict[str, Any]]:
    columns: list[ColumnElement[Any]] = []
    joins: list[tuple[Subquery, ColumnElement[bool]]] = []
    for grouping in groupings:
        name = _column_name(grouping)
        if grouping == "year":
            columns.append(cast(extract("year", Breach.submitted_on), Integer).label(name))
        elif grouping == "month":
            columns.append(_month_expression(store.dialect).label(name))
        elif grouping == "state":
            columns.append(Breach.state.label(name))
        elif grouping == "entity-type":
            columns.append(Breach.entity_type.label(name))
        elif grouping == "size":
            columns.append(_size_expression().label(name))
        else:
            is_type = grouping == "type"
            table = _flag_table(BREACH_TYPE_LABELS if is_type else LOCATION_LABELS, f"{name}_set")
            joins.append(
                (table, _member_of(Breach.breach_types if is_type else Breach.locations, table))
            )
            columns.append(table.c.label.label(name))
    query = select(
        *columns,
        func.count().label("breaches"),
        func.coalesce(func.sum(Breach.individuals_affected), 0).label("individuals"),
    ).select_from(Breach)
    for table, condition in joins:
        query = query.join(table, condition)
    query = query.where(filters.clause())
    if columns:
        query = query.group_by(*columns)
    with store.reader() as session:
        return [
            {**row._asdict(), "breaches": int(row.breaches), "individuals": int(row.individuals)}
            for row in session.execute(query)
        ]


def _sort_key_factory(groupings: Sequence[str], rows: Sequence[dict[str, Any]]) -> Any:
    """Time and size in their natural order; other groups largest first."""
    totals: dict[str, dict[Any, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for grouping in groupings:
            totals[grouping][row[_column_name(grouping)]] += row["breaches"]

    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        parts: list[Any] = []
        for grouping in groupings:
            value = row[_column_name(grouping)]
            if grouping in _TIME_KEYS:
                parts.append((value is None, value or 0))
            elif grouping == "size":
                parts.append(_SIZE_ORDER.get(value, len(_SIZE_ORDER)))
            else:
                parts.append((-totals[grouping][value], str(value or "")))
        return tuple(parts)

    return key


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


@cached_until_import
def breach_stats(
    store: Store,
    by: Sequence[str] = (),
    filters: BreachFilter = BreachFilter(),
    *,
    cumulative: bool = False,
) -> list[dict[str, Any]]:
    """Breaches and individuals affected per group (one row overall when ``by`` is empty).

    Each row has the group keys (``year``, ``month``, ``state``, ``entity_type``,
    ``type``, ``location``, ``size``, as asked), ``breaches``, ``individuals``,
    and their shares in percent: of the same period when grouping by time
    and something else (hacking's share of each year), else of the total.
    ``cumulative`` adds running totals along the time grouping (or the row
    order when there is none), kept separate for each other group.
    """
    groupings = _check(by)
    rows = _grouped_totals(store, groupings, filters)
    rows.sort(key=_sort_key_factory(groupings, rows))

    time_keys = [g for g in groupings if g in _TIME_KEYS]
    other_keys = [g for g in groupings if g not in _TIME_KEYS]
    partition_keys = time_keys if other_keys else []
    denominators = {
        tuple(row[_column_name(g)] for g in partition_keys): row
        for row in _grouped_totals(store, partition_keys, filters)
    }
    for row in rows:
        whole = denominators.get(tuple(row[_column_name(g)] for g in partition_keys))
        row["breaches_share"] = _percent(row["breaches"], whole["breaches"] if whole else 0)
        row["individuals_share"] = _percent(
            row["individuals"], whole["individuals"] if whole else 0
        )

    if cumulative:
        along = time_keys[:1]
        series_keys = [g for g in groupings if g not in along]
        ordered = (
            sorted(
                rows,
                key=lambda r: tuple(
                    (r[_column_name(g)] is None, r[_column_name(g)] or 0) for g in along
                ),
            )
            if along
            else rows
        )
        running: dict[tuple[Any, ...], tuple[int, int]] = defaultdict(lambda: (0, 0))
        for row in ordered:
            series = tuple(row[_column_name(g)] for g in series_keys) if along else ()
            breaches, individuals = running[series]
            breaches += row["breaches"]
            individuals += row["individuals"]
            running[series] = (breaches, individuals)
            row["cumulative_breaches"] = breaches
            row["cumulative_individuals"] = individuals
    return rows
