"""One breach report as the portal publishes it, parsed and checked field by field."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from operator import itemgetter
from typing import Any

from phiwatch.errors import InputError
from phiwatch.registry._names import normalise_entities, normalise_entity
from phiwatch.registry._vocab import parse_breach_types, parse_locations

COLUMNS = (
    "Name of Covered Entity",
    "State",
    "Covered Entity Type",
    "Individuals Affected",
    "Breach Submission Date",
    "Type of Breach",
    "Location of Breached Information",
    "Business Associate Present",
    "Web Description",
)
# Newer exports put JSF component ids (``javax.faces.component.UIPanel@165a5fe0``)
# where these two column names belong; their ``@hash`` changes on every export.
POSITIONAL_COLUMNS = frozenset({0, 7})
_JSF_PREFIX = "javax.faces.component.UIPanel@"
# MySQL's NULL marker, left in many archive descriptions.
_NULL_MARKER = "\\N"
_NO_DESCRIPTION = ("", _NULL_MARKER)


@dataclass(slots=True)
class PortalRecord:
    """A parsed row; ``line`` and ``record`` say where it was (``line`` may be unknown).

    ``entity_key`` is the normalised entity and ``match_key`` the normalised
    entity, state and date: how a row finds its breach in a later export.
    Built by ``parse_row`` or, many at a time, by ``ParsedRows``.
    """

    entity_name: str
    state: str | None
    entity_type: str | None
    individuals_affected: int | None
    submitted_on: date
    breach_types: int
    locations: int
    business_associate: bool
    description: str | None
    line: int | None
    record: int
    content_hash: str
    entity_key: str
    match_key: str

    def stored_values(self) -> dict[str, object]:
        """The values kept in the store, by column name."""
        return {
            "entity_name": self.entity_name,
            "entity_key": self.entity_key,
            "state": self.state,
            "entity_type": self.entity_type,
            "individuals_affected": self.individuals_affected,
            "submitted_on": self.submitted_on,
            "breach_types": self.breach_types,
            "locations": self.locations,
            "business_associate": self.business_associate,
            "description": self.description,
        }


def match_key_of(entity_key: str, state: str | None, submitted_on: date) -> str:
    return f"{entity_key}|{state or ''}|{submitted_on.isoformat()}"


def content_hash(cells: Sequence[str]) -> str:
    """A digest of a row's published text: equal digests mean an identical row.

    Taken over the raw cells, so a row that was imported before is recognised
    without parsing it again (it was validated when it was first imported).
    """
    return hashlib.blake2b("\x1f".join(cells).encode(), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class RawRow:
    """A row's nine cells as read by a row-at-a-time reader, with its physical line."""

    cells: tuple[str, ...]
    line: int
    record: int


@dataclass(frozen=True)
class PortalExport:
    """A whole export, held as its nine columns of text: structure checked, values unparsed.

    Columns rather than rows because an import works a column at a time:
    each distinct date, count or type label is parsed once however many rows
    share it, and rows already stored byte for byte are never parsed.
    ``records`` parses (and so validates) every row.
    """

    name: str
    sha256: str
    source_format: str
    columns: tuple[list[str], ...]
    # Each record's physical line where the reader tracked it; else ``locate_lines`` works
    # them out, which only an error message needs.
    lines: list[int] | None = None
    saved_on: date | None = None
    locate_lines: Callable[[], list[int]] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_rows(
        cls, *, name: str, sha256: str, source_format: str, rows: Sequence[RawRow]
    ) -> PortalExport:
        """An export from a reader that went row by row (and so knows every line)."""
        columns = tuple(list(column) for column in zip(*(row.cells for row in rows), strict=True))
        return cls(
            name=name,
            sha256=sha256,
            source_format=source_format,
            columns=columns or tuple([] for _ in COLUMNS),
            lines=[row.line for row in rows],
        )

    @property
    def size(self) -> int:
        """How many records the export holds."""
        return len(self.columns[0])

    def cells(self, index: int) -> tuple[str, ...]:
        return tuple(column[index] for column in self.columns)

    @cached_property
    def hashes(self) -> list[str]:
        """Each row's ``content_hash``, in order."""
        return list(map(content_hash, zip(*self.columns, strict=True)))

    def line_of(self, index: int) -> int | None:
        return self.lines[index] if self.lines is not None else None

    def parse(self, index: int) -> PortalRecord:
        """One row parsed, or the ``InputError`` that says where and what is wrong with it."""
        try:
            return parse_row(
                self.cells(index),
                file=self.name,
                line=self.line_of(index),
                record=index + 1,
                digest=self.hashes[index],
            )
        except InputError as error:
            if error.line is not None or self.locate_lines is None:
                raise
            line = self.locate_lines()[index]
            raise InputError(
                error.problem, file=error.file, line=line, record=error.record, column=error.column
            ) from None

    def parse_many(self, indexes: Sequence[int]) -> ParsedRows:
        """The given rows parsed column by column; the first bad one raises as in ``parse``."""
        try:
            return ParsedRows.of(self, indexes)
        except ValueError:
            for index in indexes:  # find, in file order, the row to blame
                self.parse(index)
            raise

    @cached_property
    def records(self) -> list[PortalRecord]:
        parsed = self.parse_many(range(self.size))
        return [parsed.record(k) for k in range(len(parsed.indexes))]

    @property
    def snapshot_date(self) -> date | None:
        """When the export was taken, best guess: the day the file was saved (a browser sets
        that on download), never earlier than its newest submission."""
        dates = [d for d in (self.saved_on, self.latest_submission) if d is not None]
        return max(dates, default=None)

    @property
    def looks_like_archive(self) -> bool:
        """Only the archive list carries OCR's case descriptions."""
        return any(text not in _NO_DESCRIPTION for text in self.columns[8])

    @property
    def latest_submission(self) -> date | None:
        dates = []
        for text in set(self.columns[4]):
            try:
                dates.append(_parse_date(text))
            except ValueError:
                continue  # reported, with its position, when the row is parsed
        return max(dates, default=None)


def _parsed_once(values: Sequence[str], parse: Callable[[str], Any]) -> list[Any]:
    """``parse`` of each value, calling it once per distinct value. Raises its ValueError."""
    table = {text: parse(text) for text in set(values)}
    return list(map(table.__getitem__, values))


def _parsed_counts(values: Sequence[str]) -> list[int | None]:
    """``_parse_count`` of each value; plain digits, the usual form, converted directly."""
    distinct = set(values)
    table: dict[str, int | None] = {text: int(text) for text in distinct if text.isdigit()}
    table.update((text, _parse_count(text)) for text in distinct - table.keys())
    return list(map(table.__getitem__, values))


def _parsed_dates(values: Sequence[str]) -> list[date]:
    """``_parse_date`` of each value; the portal's own ``MM/DD/YYYY`` converted directly.

    The direct form accepts nothing ``_parse_date`` refuses (the year must
    be four digits; a bad month or day raises either way), so a file is
    refused, and its bad row found by ``_parse_date``, exactly as before.
    """
    distinct = set(values)
    table = {
        text: date(int(text[6:]), int(text[:2]), int(text[3:5]))
        for text in distinct
        if len(text) == 10 and text[2] == "/" == text[5] and text[6:].isdigit()
    }
    table.update((text, _parse_date(text)) for text in distinct - table.keys())
    return list(map(table.__getitem__, values))


def _state(text: str) -> str | None:
    state = text.strip().upper() or None
    if state is not None and (len(state) != 2 or not state.isalpha()):
        raise ValueError(f"expected a 2-letter state code, found {text!r}")
    return state


def _optional_text(text: str) -> str | None:
    return text.strip() or None


@dataclass(frozen=True, slots=True)
class ParsedRows:
    """Some rows of an export parsed, as parallel lists (position ``k`` is row ``indexes[k]``)."""

    indexes: Sequence[int]
    entity_name: list[str]
    entity_key: list[str]
    state: list[str | None]
    entity_type: list[str | None]
    individuals_affected: list[int | None]
    submitted_on: list[date]
    breach_types: list[int]
    locations: list[int]
    business_associate: list[bool]
    description: list[str | None]
    match_key: list[str]
    content_hash: list[str]
    lines: list[int | None]

    @classmethod
    def of(cls, export: PortalExport, indexes: Sequence[int]) -> ParsedRows:
        """Parse column by column. Raises ``ValueError`` (unlocated) if any value is invalid."""
        whole = len(indexes) == export.size
        columns = export.columns if whole else tuple(_take(c, indexes) for c in export.columns)
        names, states, entity_types, counts, dates, types, places, associates, texts = columns
        distinct_names = list(set(names))
        if not all(map(str.strip, distinct_names)):  # names are kept as published
            raise ValueError("the entity name is empty")
        keys = dict(zip(distinct_names, normalise_entities(distinct_names), strict=True))
        entity_keys = list(map(keys.__getitem__, names))
        state = _parsed_once(states, _state)
        submitted = _parsed_dates(dates)
        iso = {day: day.isoformat() for day in set(submitted)}
        hashes = export.hashes if whole else _take(export.hashes, indexes)
        return cls(
            indexes=indexes,
            entity_name=names,
            entity_key=entity_keys,
            state=state,
            entity_type=_parsed_once(entity_types, _optional_text),
            individuals_affected=_parsed_counts(counts),
            submitted_on=submitted,
            breach_types=_parsed_once(types, _parse_types),
            locations=_parsed_once(places, _parse_locations),
            business_associate=_parsed_once(associates, _parse_yes_no),
            description=[None if text in _NO_DESCRIPTION else text for text in texts],
            match_key=[
                f"{key}|{code or ''}|{iso[day]}"
                for key, code, day in zip(entity_keys, state, submitted, strict=True)
            ],
            content_hash=hashes,
            lines=[export.line_of(i) for i in indexes] if export.lines else [None] * len(indexes),
        )

    def __len__(self) -> int:
        return len(self.indexes)

    def record(self, k: int) -> PortalRecord:
        """Position ``k`` as a ``PortalRecord``."""
        return PortalRecord(
            entity_name=self.entity_name[k],
            state=self.state[k],
            entity_type=self.entity_type[k],
            individuals_affected=self.individuals_affected[k],
            submitted_on=self.submitted_on[k],
            breach_types=self.breach_types[k],
            locations=self.locations[k],
            business_associate=self.business_associate[k],
            description=self.description[k],
            line=self.lines[k],
            record=self.indexes[k] + 1,
            content_hash=self.content_hash[k],
            entity_key=self.entity_key[k],
            match_key=self.match_key[k],
        )


def _take(values: Sequence[Any], indexes: Sequence[int]) -> list[Any]:
    """``[values[i] for i in indexes]``, done in C."""
    if len(indexes) > 1:
        return list(itemgetter(*indexes)(values))
    return [values[i] for i in indexes]


def check_header(header: Sequence[str], *, file: str, line: int = 1) -> None:
    """Refuse anything that is not a portal export, saying which column is wrong."""
    cells = [c.strip().lstrip("\ufeff") for c in header]
    if len(cells) != len(COLUMNS):
        raise InputError(
            f"not an HHS OCR breach portal export: expected {len(COLUMNS)} columns "
            f"({', '.join(COLUMNS)}), found {len(cells)}",
            file=file,
            line=line,
        )
    for index, (found, expected) in enumerate(zip(cells, COLUMNS, strict=True)):
        if found == expected:
            continue
        if index in POSITIONAL_COLUMNS and found.startswith(_JSF_PREFIX):
            continue
        raise InputError(
            f"not an HHS OCR breach portal export: column {index + 1} is {found!r}, "
            f"expected {expected!r}",
            file=file,
            line=line,
        )


@lru_cache(maxsize=16384)
def _parse_date(text: str) -> date:
    """``MM/DD/YYYY`` (the portal zero-pads; we also accept unpadded and ISO dates)."""
    text = text.strip()
    try:
        if "-" in text:
            return date.fromisoformat(text)
        month, day, year = text.split("/")
        if len(year) != 4:
            raise ValueError(text)
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f"expected a date as MM/DD/YYYY, found {text!r}") from None


def _parse_count(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    digits = text.replace(",", "")
    if not digits.isdigit():
        raise ValueError(f"expected a whole number of individuals, found {text!r}")
    return int(digits)


@lru_cache(maxsize=64)
def _parse_yes_no(text: str) -> bool:
    value = text.strip().lower()
    if value in ("yes", "y", "true"):
        return True
    if value in ("no", "n", "false"):
        return False
    raise ValueError(f"expected Yes or No, found {text!r}")


_parse_types = lru_cache(maxsize=1024)(parse_breach_types)
_parse_locations = lru_cache(maxsize=1024)(parse_locations)


def _check_length(cells: Sequence[str], *, file: str, line: int | None, record: int) -> None:
    if len(cells) != len(COLUMNS):
        raise InputError(
            f"expected {len(COLUMNS)} fields, found {len(cells)}",
            file=file,
            line=line,
            record=record,
        )


def raw_row(cells: Sequence[str], *, file: str, line: int, record: int) -> RawRow:
    """A row kept for later parsing, once its field count is known to be right."""
    _check_length(cells, file=file, line=line, record=record)
    return RawRow(tuple(cells), line, record)


def parse_row(
    cells: Sequence[str], *, file: str, line: int | None, record: int, digest: str | None = None
) -> PortalRecord:
    """Turn one row of nine strings into a ``PortalRecord`` or an ``InputError`` that locates it."""
    _check_length(cells, file=file, line=line, record=record)
    column = COLUMNS[0]
    try:
        name = cells[0]
        if not name.strip():
            raise ValueError("the entity name is empty")
        column = COLUMNS[3]
        individuals = _parse_count(cells[3])
        column = COLUMNS[4]
        submitted = _parse_date(cells[4])
        column = COLUMNS[5]
        types = _parse_types(cells[5])
        column = COLUMNS[6]
        locations = _parse_locations(cells[6])
        column = COLUMNS[7]
        associate = _parse_yes_no(cells[7])
    except ValueError as exc:
        raise InputError(str(exc), file=file, line=line, record=record, column=column) from None
    description = cells[8]
    state = cells[1].strip().upper() or None
    if state is not None and (len(state) != 2 or not state.isalpha()):
        raise InputError(
            f"expected a 2-letter state code, found {cells[1]!r}",
            file=file,
            line=line,
            record=record,
            column=COLUMNS[1],
        )
    entity_key = normalise_entity(name)
    return PortalRecord(
        entity_name=name,
        state=state,
        entity_type=cells[2].strip() or None,
        individuals_affected=individuals,
        submitted_on=submitted,
        breach_types=types,
        locations=locations,
        business_associate=associate,
        description=None if description in _NO_DESCRIPTION else description,
        line=line,
        record=record,
        content_hash=digest or content_hash(cells),
        entity_key=entity_key,
        match_key=match_key_of(entity_key, state, submitted),
    )
