"""One breach report as the portal publishes it, parsed and checked field by field."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache

from phiwatch.errors import InputError
from phiwatch.registry._names import normalise_entity
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


@dataclass(frozen=True, slots=True)
class PortalRecord:
    """A parsed row; ``line`` and ``record`` say where it was (``line`` may be unknown)."""

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
    entity_key: str = field(init=False)
    # Normalised entity, state and date: how a row finds its breach in a later export.
    match_key: str = field(init=False)

    def __post_init__(self) -> None:
        key = normalise_entity(self.entity_name)
        object.__setattr__(self, "entity_key", key)
        object.__setattr__(
            self, "match_key", f"{key}|{self.state or ''}|{self.submitted_on.isoformat()}"
        )

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


def content_hash(cells: Sequence[str]) -> str:
    """A digest of a row's published text: equal digests mean an identical row.

    Taken over the raw cells, so a row that was imported before is recognised
    without parsing it again (it was validated when it was first imported).
    """
    return hashlib.blake2b("\x1f".join(cells).encode(), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class RawRow:
    """A row's nine cells as read, with where it was (``line`` 0: not worked out yet)."""

    cells: tuple[str, ...]
    line: int
    record: int


@dataclass(frozen=True)
class PortalExport:
    """A whole export: its structure checked on reading, its values when first parsed.

    ``records`` parses (and so validates) every row; the importer parses only
    the rows it has not already stored byte for byte.
    """

    name: str
    sha256: str
    source_format: str
    rows: list[RawRow]
    saved_on: date | None = None
    # Works out each record's physical line when a reader skipped that (fast path).
    locate_lines: Callable[[], list[int]] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def hashes(self) -> list[str]:
        """Each row's ``content_hash``, in order."""
        return [content_hash(row.cells) for row in self.rows]

    def parse(self, index: int) -> PortalRecord:
        row = self.rows[index]
        try:
            return parse_row(
                row.cells,
                file=self.name,
                line=row.line or None,
                record=row.record,
                digest=self.hashes[index],
            )
        except InputError as error:
            if error.line is not None or self.locate_lines is None:
                raise
            line = self.locate_lines()[row.record - 1]
            raise InputError(
                error.problem, file=error.file, line=line, record=error.record, column=error.column
            ) from None

    @cached_property
    def records(self) -> list[PortalRecord]:
        return [self.parse(i) for i in range(len(self.rows))]

    @property
    def snapshot_date(self) -> date | None:
        """When the export was taken, best guess: the day the file was saved (a browser sets
        that on download), never earlier than its newest submission."""
        dates = [d for d in (self.saved_on, self.latest_submission) if d is not None]
        return max(dates, default=None)

    @property
    def looks_like_archive(self) -> bool:
        """Only the archive list carries OCR's case descriptions."""
        return any(row.cells[8] not in ("", _NULL_MARKER) for row in self.rows)

    @property
    def latest_submission(self) -> date | None:
        dates = []
        for row in self.rows:
            try:
                dates.append(_parse_date(row.cells[4]))
            except ValueError:
                continue  # reported, with its position, when the row is parsed
        return max(dates, default=None)


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
    return PortalRecord(
        entity_name=name,
        state=state,
        entity_type=cells[2].strip() or None,
        individuals_affected=individuals,
        submitted_on=submitted,
        breach_types=types,
        locations=locations,
        business_associate=associate,
        description=None if description in ("", _NULL_MARKER) else description,
        line=line,
        record=record,
        content_hash=digest or content_hash(cells),
    )
