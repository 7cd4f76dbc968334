"""Import a portal export: match each row to its breach, work out what changed, apply it at once.

Planning (``plan_import``) only reads: it compares the export with the
stored breaches and decides what is new, updated, moved between lists,
back on a list, or gone from it. Applying (``apply_plan``) writes that plan
in the caller's transaction, so an import lands completely or not at all,
and a plan with no changes writes nothing: re-importing a file is harmless.

How a row finds its breach, in order:

1. a stored breach whose published row was byte-for-byte the same (no
   parsing needed: that row was validated when first imported);
2. same match key (normalised entity, state, submission date), in ordinal
   order (reports that share all three, such as a business associate filing
   the same day for several clients);
3. a rename: no key match, but exactly one unmatched stored breach and one
   unmatched row share state, date, entity type and individuals affected.

Only rows that do not pass step 1 are parsed, and only the stored breaches
that may have changed are loaded in full: a re-import of an unchanged
export costs little more than reading the file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, delete, func, insert, literal, not_, or_, select, update
from sqlalchemy.orm import Session

from phiwatch.errors import ConflictError
from phiwatch.registry._identity import TakenUids, top_ordinals
from phiwatch.registry._vocab import ListName, labels_of_locations, labels_of_types
from phiwatch.registry.sources import PortalExport, PortalRecord
from phiwatch.registry.sources._record import ParsedRows
from phiwatch.store.models.registry import (
    Breach,
    BreachChange,
    BreachDescription,
    RegistryImport,
    Watch,
    WatchHit,
)

_VALUE_FIELDS = (
    "entity_name",
    "entity_key",
    "state",
    "entity_type",
    "individuals_affected",
    "submitted_on",
    "breach_types",
    "locations",
    "business_associate",
    "description",
)
# entity_key follows entity_name; reporting it as a change of its own would be noise.
_REPORTED_FIELDS = tuple(f for f in _VALUE_FIELDS if f != "entity_key")
# The description lives in its own table (see BreachDescription); the rest in registry_breach.
_BREACH_FIELDS = tuple(f for f in _VALUE_FIELDS if f != "description")


@dataclass(slots=True)
class BreachDelta:
    """What happened to one breach in an import. ``changes`` maps field → (old, new)."""

    uid: str
    entity_name: str
    submitted_on: date
    kind: str  # new | updated | moved | relisted | delisted
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WatchMatch:
    watch: str
    uid: str
    entity_name: str
    kind: str


@dataclass
class ImportSummary:
    """The outcome of importing one export, as reported to the user."""

    file: str
    list_name: ListName
    as_of: date
    records: int
    import_id: int | None = None
    new: int = 0
    updated: int = 0
    moved: int = 0
    relisted: int = 0
    delisted: int = 0
    unchanged: int = 0
    repeated_rows: int = 0
    identical_to: int | None = None
    skipped: str | None = None
    deltas: list[BreachDelta] = field(default_factory=list)
    watch_matches: list[WatchMatch] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.new or self.updated or self.moved or self.relisted or self.delisted)


class _Stored(NamedTuple):
    """A stored breach as loaded for matching (its full values only when needed)."""

    id: int
    uid: str
    match_key: str
    ordinal: int
    content_hash: str
    list_name: str
    listed: bool


@dataclass
class NewBreaches:
    """The rows an import adds: positions in ``parsed``, with the identity given to each."""

    parsed: ParsedRows
    positions: list[int] = field(default_factory=list)
    uids: list[str] = field(default_factory=list)
    ordinals: list[int] = field(default_factory=list)

    def column(self, name: str) -> list[Any]:
        values: list[Any] = getattr(self.parsed, name)
        if len(self.positions) == len(values):  # every parsed row is new (a first import)
            return values
        return [values[k] for k in self.positions]


@dataclass
class ImportPlan:
    """What ``apply_plan`` will write."""

    summary: ImportSummary
    export: PortalExport
    inserts: NewBreaches | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)
    change_rows: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)


def _public(field_name: str, value: Any) -> Any:
    """A value as recorded in change history (JSON-safe, types and locations as labels)."""
    if field_name == "breach_types":
        return labels_of_types(value)
    if field_name == "locations":
        return labels_of_locations(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _blocked_lists(list_name: ListName, as_of: date, list_as_of: dict[str, date]) -> list[str]:
    """The other lists whose newest import is as recent as this one (see ``load_stored``)."""
    return [name for name, day in list_as_of.items() if name != list_name and day >= as_of]


def load_stored(
    session: Session,
    *,
    identities: bool = True,
    blocked: Sequence[str] = (),
) -> list[_Stored]:
    """The identity and digest of each stored breach a row may be (a few columns, via Core).

    A breach listed on a list in ``blocked`` cannot be a row of this export:
    the two lists of one snapshot are disjoint, so a breach on the other list
    in an export as recent as this one would be a second report of the same
    entity, state and day. Older listings may have moved since, as cases do
    when OCR closes them. Leaving those breaches in the database saves the
    second import of a snapshot reading the whole first list, twice.

    Without ``identities``, ``uid`` and ``match_key`` (the two long texts) are
    left empty: a re-import whose rows are all stored byte for byte needs only
    the digests, and reading half the bytes halves the cost of this query.
    """
    table = Breach.__table__
    names = (table.c.uid, table.c.match_key) if identities else (literal(""), literal(""))
    query = select(
        table.c.id,
        *names,
        table.c.ordinal,
        table.c.content_hash,
        table.c.list_name,
        table.c.listed,
    )
    if blocked:
        query = query.where(
            or_(table.c.list_name.not_in(blocked), not_(table.c.listed)),
        )
    return list(map(_Stored._make, session.connection().execute(query).all()))


def _stored_values(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The published values of the given breaches, by id."""
    table = Breach.__table__
    text = BreachDescription.__table__.c.text
    columns = [table.c[name] for name in _BREACH_FIELDS]
    values: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = (
            select(table.c.id, *columns, text)
            .outerjoin(BreachDescription, BreachDescription.breach_id == table.c.id)
            .where(table.c.id.in_(chunk))
        )
        for row in session.connection().execute(query):
            values[row[0]] = dict(zip((*_BREACH_FIELDS, "description"), row[1:], strict=True))
    return values


def _match_identical(
    hashes: Sequence[str], eligible: Sequence[_Stored]
) -> tuple[dict[int, _Stored], list[int]]:
    """Step 1: rows identical to a stored breach's published row. Returns matches, the rest."""
    if not eligible:  # nothing stored to match (a first import)
        return {}, list(range(len(hashes)))
    by_hash: dict[str, list[_Stored]] = defaultdict(list)
    for s in sorted(eligible, key=lambda s: s.ordinal):
        by_hash[s.content_hash].append(s)
    matches: dict[int, _Stored] = {}
    rest: list[int] = []
    for index, digest in enumerate(hashes):
        candidates = by_hash.get(digest)
        if candidates:
            matches[index] = candidates.pop(0)
        else:
            rest.append(index)
    return matches, rest


def _any_changed(stored: Sequence[_Stored], identical: dict[int, _Stored], list_name: str) -> bool:
    """Whether matching by digest left anything to do: a moved, relisted or delisted breach."""
    if any(s.list_name != list_name or not s.listed for s in identical.values()):
        return True
    matched = {s.id for s in identical.values()}
    return any(s.list_name == list_name and s.listed and s.id not in matched for s in stored)


def _match_by_key(
    rows: Sequence[int], match_keys: dict[int, str], free: Sequence[_Stored]
) -> tuple[dict[int, _Stored], list[int]]:
    """Step 2: the remaining rows and breaches sharing a match key, paired in ordinal order."""
    by_key: dict[str, list[_Stored]] = defaultdict(list)
    for s in sorted(free, key=lambda s: s.ordinal):
        by_key[s.match_key].append(s)
    matches: dict[int, _Stored] = {}
    unmatched: list[int] = []
    if not by_key:  # nothing stored to match (a first import)
        return matches, list(rows)
    for index in rows:
        candidates = by_key.get(match_keys[index])
        if candidates:
            matches[index] = candidates.pop(0)
        else:
            unmatched.append(index)
    return matches, unmatched


def _rename_signature(values: dict[str, Any]) -> tuple[Any, ...]:
    return (
        values["state"],
        values["submitted_on"],
        values["entity_type"],
        values["individuals_affected"],
    )


def _match_renames(
    records: Callable[[int], PortalRecord],
    unmatched: list[int],
    candidates: dict[int, dict[str, Any]],
    stored_by_id: dict[int, _Stored],
) -> tuple[dict[int, _Stored], list[int]]:
    """Step 3: pair rows and stored breaches that are unique on their rename signature."""
    by_signature: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for breach_id, values in candidates.items():
        by_signature[_rename_signature(values)].append(breach_id)
    rows_by_signature: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for index in unmatched:
        rows_by_signature[_rename_signature(records(index).stored_values())].append(index)
    renames: dict[int, _Stored] = {}
    for signature, indexes in rows_by_signature.items():
        olds = by_signature.get(signature, [])
        if len(indexes) == 1 and len(olds) == 1:
            renames[indexes[0]] = stored_by_id[olds[0]]
    return renames, [i for i in unmatched if i not in renames]


def _repeated_rows(hashes: Sequence[str]) -> int:
    return len(hashes) - len(set(hashes))


def plan_import(
    session: Session,
    export: PortalExport,
    *,
    list_name: ListName,
    as_of: date,
    list_as_of: dict[str, date] | None = None,
) -> ImportPlan:
    """Compare ``export`` (one list's snapshot) with the stored breaches.

    ``list_as_of`` gives the snapshot date of the newest import of each list.
    Raises ``InputError`` for the first row that is new or changed and invalid.
    """
    summary = ImportSummary(file=export.name, list_name=list_name, as_of=as_of, records=export.size)
    plan = ImportPlan(summary=summary, export=export)
    hashes = export.hashes
    summary.repeated_rows = _repeated_rows(hashes)

    # First by digest alone; identities are read only if some row or breach needs them.
    blocked = _blocked_lists(list_name, as_of, list_as_of or {})
    stored = load_stored(session, identities=False, blocked=blocked)
    identical, rest = _match_identical(hashes, stored)
    if stored and (rest or _any_changed(stored, identical, list_name)):
        stored = load_stored(session, blocked=blocked)
        identical, rest = _match_identical(hashes, stored)
    stored_by_id = {s.id: s for s in stored}
    # Identical rows still change list membership when the breach moved or was off its list.
    moved_identical = {
        i: s for i, s in identical.items() if s.list_name != list_name or not s.listed
    }
    to_parse = sorted([*rest, *moved_identical])
    parsed = export.parse_many(to_parse)
    position = dict(zip(to_parse, range(len(to_parse)), strict=True))

    def record(index: int) -> PortalRecord:
        return parsed.record(position[index])

    taken = {s.id for s in identical.values()}
    free = [s for s in stored if s.id not in taken]
    match_keys = dict(zip(to_parse, parsed.match_key, strict=True))
    by_key, unmatched = _match_by_key(rest, match_keys, free)
    taken.update(s.id for s in by_key.values())
    rename_pool = [
        s.id for s in free if s.id not in taken and (s.list_name == list_name or not s.listed)
    ]
    renames: dict[int, _Stored] = {}
    if unmatched and rename_pool:
        renames, unmatched = _match_renames(
            record, unmatched, _stored_values(session, rename_pool), stored_by_id
        )
        taken.update(s.id for s in renames.values())

    changed = {**by_key, **renames, **moved_identical}
    old_values = _stored_values(session, [s.id for s in changed.values()])
    summary.unchanged = len(identical) - len(moved_identical)

    # New breaches and renamed ones take the next ordinal under their key, across both lists.
    next_ordinal: dict[str, int] = defaultdict(int)
    for s in stored:
        next_ordinal[s.match_key] = max(next_ordinal[s.match_key], s.ordinal)
    if blocked:
        keys = {match_keys[i] for i in unmatched}
        keys.update(match_keys[i] for i, s in changed.items() if match_keys[i] != s.match_key)
        for key, top in top_ordinals(session, sorted(keys)).items():
            next_ordinal[key] = max(next_ordinal[key], top)

    for index in sorted(changed):
        _plan_update(plan, record(index), hashes[index], changed[index], old_values, next_ordinal)

    if unmatched:
        uids = TakenUids(session, {s.uid for s in stored}, complete=not blocked)
        _plan_inserts(plan, parsed, [position[i] for i in unmatched], next_ordinal, uids)

    gone = [s for s in stored if s.list_name == list_name and s.listed and s.id not in taken]
    gone_values = _stored_values(session, [s.id for s in gone])
    for s in gone:
        plan.updates.append({"id": s.id, "listed": False})
        plan.change_rows.append((s.id, "delisted", {"listed": [True, False]}))
        summary.delisted += 1
        values = gone_values[s.id]
        summary.deltas.append(
            BreachDelta(
                s.uid,
                values["entity_name"],
                values["submitted_on"],
                "delisted",
                {"listed": (True, False)},
            )
        )
    return plan


def _plan_update(
    plan: ImportPlan,
    record: PortalRecord,
    digest: str,
    old: _Stored,
    old_values: dict[int, dict[str, Any]],
    next_ordinal: dict[str, int],
) -> None:
    summary = plan.summary
    list_name = summary.list_name
    new_values = record.stored_values()
    previous = old_values[old.id]
    changes: dict[str, tuple[Any, Any]] = {
        name: (_public(name, previous[name]), _public(name, new_values[name]))
        for name in _REPORTED_FIELDS
        if previous[name] != new_values[name]
    }
    kind = "updated"
    if old.list_name != list_name:
        changes["list"] = (old.list_name, list_name.value)
        kind = "moved"
    elif not old.listed:
        changes["listed"] = (False, True)
        kind = "relisted"
    if not changes:
        # Same values, different bytes (say "\\N" became ""): nothing a reader would see.
        summary.unchanged += 1
        return
    row: dict[str, Any] = {
        "id": old.id,
        **new_values,
        "content_hash": digest,
        "list_name": list_name.value,
        "listed": True,
    }
    if record.match_key != old.match_key:  # renamed: file it under its new key
        next_ordinal[record.match_key] += 1
        row["match_key"] = record.match_key
        row["ordinal"] = next_ordinal[record.match_key]
    plan.updates.append(row)
    plan.change_rows.append((old.id, kind, {k: list(v) for k, v in changes.items()}))
    setattr(summary, kind, getattr(summary, kind) + 1)
    summary.deltas.append(
        BreachDelta(old.uid, record.entity_name, record.submitted_on, kind, changes)
    )


def _plan_inserts(
    plan: ImportPlan,
    parsed: ParsedRows,
    positions: list[int],
    next_ordinal: dict[str, int],
    taken: TakenUids,
) -> None:
    """Give each new row its ordinal under its match key and its public id."""
    new = NewBreaches(parsed, positions)
    keys = [parsed.match_key[k] for k in positions]
    for key in keys:
        ordinal = next_ordinal[key] + 1
        next_ordinal[key] = ordinal
        new.ordinals.append(ordinal)
    new.uids = taken.take_all(keys, new.ordinals)
    names, days = parsed.entity_name, parsed.submitted_on
    plan.summary.deltas.extend(
        BreachDelta(uid, names[k], days[k], "new")
        for uid, k in zip(new.uids, positions, strict=True)
    )
    plan.inserts = new
    plan.summary.new += len(positions)


def _watch_matches(watch_key: str, entity_key: str) -> bool:
    """A watch matches when its words appear, whole and in order, in the entity's key."""
    return f" {watch_key} " in f" {entity_key} "


def apply_plan(session: Session, plan: ImportPlan) -> ImportSummary:
    """Write ``plan`` in ``session``'s transaction. Writes nothing when nothing changed."""
    summary = plan.summary
    if not summary.changed:
        return summary
    entry = RegistryImport(
        list_name=summary.list_name.value,
        file_name=summary.file[-255:],
        sha256=plan.export.sha256,
        source_format=plan.export.source_format,
        as_of=summary.as_of,
        records=summary.records,
        new=summary.new,
        updated=summary.updated + summary.relisted,
        moved=summary.moved,
        delisted=summary.delisted,
        unchanged=summary.unchanged,
    )
    session.add(entry)
    session.flush()
    summary.import_id = entry.id
    if plan.inserts is not None:
        _insert_new(session, plan.inserts, entry.id, summary.list_name.value)
    changed_descriptions: dict[int, str | None] = {}  # by breach id, for updated breaches
    if plan.updates:
        # Group by key set: SQLAlchemy's bulk UPDATE by primary key wants uniform rows.
        by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for row in plan.updates:
            full = {**row, "last_changed_import_id": entry.id}
            if "description" in full:
                changed_descriptions[full["id"]] = full.pop("description")
            by_shape[tuple(sorted(full))].append(full)
        for rows in by_shape.values():
            session.execute(update(Breach), rows)
    if changed_descriptions:
        _replace_descriptions(session, changed_descriptions)
    if plan.change_rows:
        session.execute(
            insert(BreachChange),
            [
                {"breach_id": bid, "import_id": entry.id, "kind": kind, "changes": changes}
                for bid, kind, changes in plan.change_rows
            ],
        )
    _record_watch_hits(session, summary, entry.id)
    return summary


# The columns that differ between new breaches, in the order ``_insert_new`` supplies them.
_VARYING_COLUMNS = ("uid", *_BREACH_FIELDS, "match_key", "ordinal", "content_hash")
_SUBMITTED = _VARYING_COLUMNS.index("submitted_on")
_ASSOCIATE = _VARYING_COLUMNS.index("business_associate")


def _insert_new(session: Session, new: NewBreaches, import_id: int, list_name: str) -> None:
    """Insert the new breaches and their descriptions.

    On SQLite the rows go straight to the driver's ``executemany``, column
    lists zipped into tuples: SQLAlchemy's per-row parameter processing costs
    more than SQLite's own insert. Values are stored the way SQLAlchemy stores
    them there (dates as ISO text, booleans as 0 and 1), the four values every
    row shares are written into the statement rather than bound row by row,
    and ids are given explicitly, following the table's largest id: the
    import's own row, inserted first, holds the database's write lock, so no
    other writer can take them. PostgreSQL keeps SQLAlchemy's batched insert,
    its ids from the table's sequence.
    """
    count = len(new.positions)
    varying: list[Sequence[Any]] = [
        new.uids,
        *(new.column(name) for name in _BREACH_FIELDS),
        new.column("match_key"),
        new.ordinals,
        new.column("content_hash"),
    ]
    shared = {
        "list_name": list_name,
        "listed": True,
        "first_import_id": import_id,
        "last_changed_import_id": import_id,
    }
    descriptions = new.column("description")
    connection = session.connection()
    table = cast(Table, Breach.__table__)
    if connection.dialect.name == "sqlite":
        submitted = varying[_SUBMITTED]
        iso = {day: day.isoformat() for day in set(submitted)}
        varying[_SUBMITTED] = [iso[day] for day in submitted]
        # Booleans as the plain ints SQLite stores: the driver binds a bool (an int
        # subclass) through its adapter lookup, which costs more than the insert itself.
        varying[_ASSOCIATE] = list(map(int, varying[_ASSOCIATE]))
        first = (connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1
        ids: Sequence[int] = range(first, first + count)
        names = ", ".join(("id", *_VARYING_COLUMNS, *shared))
        literals = (f"'{ListName(list_name).value}'", "1", str(int(import_id)), str(int(import_id)))
        values = ", ".join(("?", *("?" * len(_VARYING_COLUMNS)), *literals))
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({values})"  # noqa: S608 (our names)
        texts = [(i, text) for i, text in zip(ids, descriptions, strict=True) if text]
        connection.exec_driver_sql(sql, list(zip(ids, *varying, strict=True)))
        if texts:
            connection.exec_driver_sql(
                "INSERT INTO registry_breach_description (breach_id, text) VALUES (?, ?)", texts
            )
        return
    rows = [
        {**dict(zip(_VARYING_COLUMNS, values, strict=True)), **shared}
        for values in zip(*varying, strict=True)
    ]
    connection.execute(insert(table), rows)
    id_of: dict[str, int] = dict(
        connection.execute(
            select(table.c.uid, table.c.id).where(table.c.first_import_id == import_id)
        ).all()
    )
    described = [
        {"breach_id": id_of[uid], "text": text}
        for uid, text in zip(new.uids, descriptions, strict=True)
        if text
    ]
    if described:
        connection.execute(insert(BreachDescription), described)


def _replace_descriptions(session: Session, texts: dict[int, str | None]) -> None:
    """Replace the descriptions of updated breaches (by breach id); None removes one."""
    session.execute(delete(BreachDescription).where(BreachDescription.breach_id.in_(list(texts))))
    rows = [{"breach_id": i, "text": text} for i, text in texts.items() if text]
    if rows:
        session.execute(insert(BreachDescription), rows)


def _record_watch_hits(session: Session, summary: ImportSummary, import_id: int) -> None:
    watches = session.execute(select(Watch.id, Watch.name, Watch.entity_key)).all()
    if not watches:
        return
    interesting = [d for d in summary.deltas if d.kind != "delisted"]
    uids = [d.uid for d in interesting]
    keys = (
        dict(
            session.execute(select(Breach.uid, Breach.entity_key).where(Breach.uid.in_(uids))).all()
        )
        if uids
        else {}
    )
    ids = (
        dict(session.execute(select(Breach.uid, Breach.id).where(Breach.uid.in_(uids))).all())
        if uids
        else {}
    )
    hits = []
    for delta in interesting:
        for watch_id, watch_name, watch_key in watches:
            if _watch_matches(watch_key, keys[delta.uid]):
                hits.append(
                    {
                        "watch_id": watch_id,
                        "breach_id": ids[delta.uid],
                        "import_id": import_id,
                        "kind": "new" if delta.kind == "new" else "changed",
                    }
                )
                summary.watch_matches.append(
                    WatchMatch(watch_name, delta.uid, delta.entity_name, delta.kind)
                )
    if hits:
        session.execute(insert(WatchHit), hits)


def latest_as_of(session: Session) -> dict[str, date]:
    """The snapshot date of the newest import of each list."""
    rows = session.execute(
        select(RegistryImport.list_name, func.max(RegistryImport.as_of)).group_by(
            RegistryImport.list_name
        )
    ).all()
    return dict(rows)


def import_identical_to(session: Session, sha256: str, list_name: ListName) -> int | None:
    return session.scalar(
        select(func.max(RegistryImport.id)).where(
            RegistryImport.sha256 == sha256, RegistryImport.list_name == list_name.value
        )
    )


def guard_order(
    session: Session,
    list_name: ListName,
    as_of: date,
    *,
    file: str,
    force: bool,
    list_as_of: dict[str, date] | None = None,
) -> None:
    """Refuse an export older than the newest one already imported for its list.

    Importing last month's export after this week's would roll every breach
    back; ``--force`` allows it for the rare deliberate case. ``list_as_of``
    is ``latest_as_of``, when the caller has it already.
    """
    newest = (latest_as_of(session) if list_as_of is None else list_as_of).get(list_name.value)
    if newest is not None and as_of < newest and not force:
        raise ConflictError(
            f"{file}: this {list_name.value} export is as of {as_of.isoformat()}, older than the "
            f"one already imported (as of {newest.isoformat()}); importing it would roll breaches "
            "back. Use --as-of if the date is wrong, or --force to import it anyway."
        )
