"""Leaked-file matching: which of our patients a dump "for sale" contains, by keyed hashes.

Both sides are hashed with the store's keyed-hash key (the key of the
``KeyedHash`` columns, so the context's hash companions can be compared
directly when they exist): the patients' identifiers, family and given names
and birth dates, and every cell, word and date of the dump. Only digests are
compared; the dump's values live in memory for the time it takes to hash
one row and are never logged, printed, stored or written to a temporary file.

Matching ignores headers and column order, so a CSV with or without a header,
a spreadsheet and a text file are read the same way: each row (a CSV record,
a spreadsheet row, a line of text) is a set of values.

* **strong**: a value equals a patient's identifier (medical record number).
  SSN and Medicare ID (MBI) would be strong too, but the context holds
  neither, so they are reported as not matchable rather than silently
  skipped;
* **medium**: a row holds a patient's family name and birth date;
* **weak**: a row holds a patient's family and given names, no birth date.

A patient is reported once, with the strongest match any row gave.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from phiwatch.config import Settings
from phiwatch.errors import InputError
from phiwatch.respond._context import patient_version
from phiwatch.respond._sources import _ENTITY_ELEMENTS, Found
from phiwatch.security import enable_field_encryption
from phiwatch.store import Store
from phiwatch.store.models.monitor import Person

STRENGTHS = ("strong", "medium", "weak")
_RANK = {name: rank for rank, name in enumerate(STRENGTHS)}
# Identifiers that are strong when the context holds them (it does not, yet).
_OTHER_IDENTIFIERS = ("ssn", "mbi")
_CELL_SPLIT = re.compile(r"[\t,;|]")
_WORD = re.compile(r"[^\W_](?:[\w'\u2019.-]*[^\W_])?")
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")
_US = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})$")
_DATE_IN_TEXT = re.compile(r"\b(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})\b")
_KINDS = {".csv": ",", ".tsv": "\t"}


def canonical_date(value: str) -> str | None:
    """A date as YYYY-MM-DD from the ways dumps write it, or None (US order: month first)."""
    text = value.strip()
    for pattern, order in ((_ISO, (1, 2, 3)), (_US, (3, 1, 2)), (_COMPACT, (1, 2, 3))):
        found = pattern.match(text)
        if found:
            year, month, day = (int(found.group(i)) for i in order)
            try:
                return date(year, month, day).isoformat()
            except ValueError:
                return None
    return None


@dataclass
class _Index:
    """The patients of the context in force, by digest only."""

    identifiers: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    name_birth: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    names: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    patients: int = 0

    def add(self, table: dict[Any, set[str]], key: Any, pseudonym: str) -> None:
        table.setdefault(key, set()).add(pseudonym)


def _companion(name: str) -> Any | None:
    """A ``KeyedHash`` companion column of ``monitor_person`` when the model has one."""
    return getattr(Person, name, None)


def available_identifiers() -> tuple[str, ...]:
    """SSN and MBI when the context model holds them (plain or as a hash companion)."""
    return tuple(
        name
        for name in _OTHER_IDENTIFIERS
        if _companion(f"{name}_hash") is not None or _companion(name) is not None
    )


def patient_index(session: Session, digest: Callable[[str], str]) -> _Index:
    """Digests of every patient's identifier, family name, given name and birth date."""
    index = _Index()
    version = patient_version(session)
    if version is None:
        return index
    names = ("identifier", "family", "given", "birth_date", *available_identifiers())
    hashed = {n: _companion(f"{n}_hash") for n in names}
    columns: list[Any] = [
        Person.pseudonym,
        *(hashed[n] if hashed[n] is not None else getattr(Person, n) for n in names),
    ]
    rows = session.execute(
        select(*columns).where(Person.version_id == version, Person.kind == "patient")
    )

    def as_digest(name: str, value: str | None) -> str | None:
        if value is None or not str(value).strip():
            return None
        if hashed[name] is not None:
            return str(value)
        if name == "birth_date":
            iso = canonical_date(str(value)[:10])
            return digest(iso) if iso else None
        return digest(str(value))

    for pseudonym, identifier, family, given, birth, *others in rows:
        index.patients += 1
        family_h = as_digest("family", family)
        given_h = as_digest("given", given)
        birth_h = as_digest("birth_date", birth)
        for basis, value in zip(("mrn", *names[4:]), (identifier, *others), strict=True):
            value_h = as_digest("identifier" if basis == "mrn" else basis, value)
            if value_h:
                index.identifiers.setdefault(value_h, set()).add((pseudonym, basis))
        if family_h and birth_h:
            index.add(index.name_birth, (family_h, birth_h), pseudonym)
        if family_h and given_h:
            index.add(index.names, (family_h, given_h), pseudonym)
    return index


# -- reading dumps: rows of values, never kept ------------------------------------------


def _text_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, _CELL_SPLIT.split(line)


def _delimited_rows(path: Path, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            for row in reader:
                if any(cell.strip() for cell in row):
                    yield reader.line_num, row
        except csv.Error as exc:
            raise InputError(
                f"not valid CSV ({exc})", file=path.name, line=reader.line_num
            ) from None


def dump_rows(path: Path) -> Iterator[tuple[str, int, list[str]]]:
    """(where, line, values) of each non-empty row of a dump, with the scanner's readers."""
    from phiwatch.scan._extract import file_kind, parts_of

    if not path.is_file():
        raise InputError("no such file", file=str(path))
    suffix = path.suffix.lower()
    if suffix in _KINDS:
        for line, row in _delimited_rows(path, _KINDS[suffix]):
            yield path.name, line, row
        return
    kind = file_kind(path)
    if kind == "binary":
        raise InputError("not a file phiwatch can read (expected CSV, text or XLSX)", file=path)
    for part in parts_of(path, kind):
        data = part.data if part.data is not None else (part.path or path).read_bytes()
        where = f"{path.name} / {part.location}" if part.location else path.name
        for line, row in _text_rows(data.decode("utf-8", "replace")):
            yield where, line, row


def _values(row: list[str]) -> tuple[set[str], set[str]]:
    """The words and whole cells of a row (names, identifiers) and its dates (ISO)."""
    values: set[str] = set()
    dates: set[str] = set()
    for cell in row:
        text = cell.strip().strip('"')
        if not text:
            continue
        values.add(text)
        iso = canonical_date(text)
        if iso:
            dates.add(iso)
            continue
        values.update(_WORD.findall(text))
        for token in _DATE_IN_TEXT.findall(text):
            found = canonical_date(token)
            if found:
                dates.add(found)
    return values, dates


@dataclass
class _Hit:
    strength: str
    matched_on: set[str]
    where: str
    line: int
    rows: int = 1


def _better(old: _Hit | None, strength: str) -> bool:
    return old is None or _RANK[strength] < _RANK[old.strength]


def _note(
    found: dict[str, tuple[str, str]], pseudonyms: Iterable[str], strength: str, basis: str
) -> None:
    """Keep the strongest match of each patient in one row."""
    for pseudonym in pseudonyms:
        current = found.get(pseudonym)
        if current is None or _RANK[strength] < _RANK[current[0]]:
            found[pseudonym] = (strength, basis)


def match_rows(
    rows: Iterable[tuple[str, int, list[str]]], index: _Index, digest: Callable[[str], str]
) -> tuple[dict[str, _Hit], Counter[str]]:
    """Patients found in ``rows`` (best match each) and counts of rows read and matched."""
    hits: dict[str, _Hit] = {}
    counts: Counter[str] = Counter()
    cache: dict[str, str] = {}

    def hashed(value: str) -> str:
        found = cache.get(value)
        if found is None:
            found = digest(value)
            if len(cache) < 200_000:
                cache[value] = found
        return found

    for where, line, row in rows:
        counts["rows"] += 1
        values, dates = _values(row)
        digests = {hashed(v) for v in values}
        date_digests = {hashed(d) for d in dates}
        found: dict[str, tuple[str, str]] = {}
        for value in digests:
            for pseudonym, basis in index.identifiers.get(value, ()):
                _note(found, [pseudonym], "strong", basis)
        for value in digests:
            for birth in date_digests:
                key = (value, birth)
                if key in index.name_birth:
                    _note(found, index.name_birth[key], "medium", "family+birth_date")
            for other in digests:
                if (value, other) in index.names:
                    _note(found, index.names[(value, other)], "weak", "family+given")
        if found:
            counts["matched_rows"] += 1
        for pseudonym, (strength, basis) in found.items():
            hit = hits.get(pseudonym)
            if hit is None:
                hits[pseudonym] = _Hit(strength, {basis}, where, line)
                continue
            hit.rows += 1
            hit.matched_on.add(basis)
            if _better(hit, strength):
                hit.strength, hit.where, hit.line = strength, where, line
    return hits, counts


def _scan_elements(paths: list[Path]) -> tuple[set[str], Counter[str]]:
    """PHI elements in the dump and counts of identifier kinds, from the scanner's findings."""
    from phiwatch.scan import scan_path

    elements: set[str] = set()
    entities: Counter[str] = Counter()
    for path in paths:
        for report in scan_path(path):
            for finding in report.findings:
                entities[finding.entity] += 1
                element = _ENTITY_ELEMENTS.get(finding.entity)
                if element:
                    elements.add(element)
    return elements, entities


@dataclass
class MatchResult:
    """What a dump holds of our patients: no leaked value, only pseudonyms, counts and places."""

    files: list[str]
    rows: int
    matched_rows: int
    patients_in_context: int
    by_strength: dict[str, int]
    matches: list[dict[str, Any]]
    not_matchable: list[str]
    elements: list[str]
    identifier_counts: dict[str, int]

    def summary(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "rows": self.rows,
            "matched_rows": self.matched_rows,
            "patients_in_context": self.patients_in_context,
            **{s: self.by_strength.get(s, 0) for s in STRENGTHS},
            "not_matchable": self.not_matchable,
            "elements": self.elements,
            "identifiers_in_dump": self.identifier_counts,
        }

    def found(self, *, min_strength: str = "medium") -> Found:
        """The matched patients as an incident source (``kind`` match)."""
        if min_strength not in _RANK:
            raise InputError(f"--min-strength expects one of {', '.join(STRENGTHS)}")
        chosen = {m["patient"] for m in self.matches if _RANK[m["strength"]] <= _RANK[min_strength]}
        detail = {
            "files": self.files,
            "rows": self.rows,
            "min_strength": min_strength,
            **{s: self.by_strength.get(s, 0) for s in STRENGTHS},
        }
        return Found("match", detail, chosen, set(self.elements), exported=True)


def match_files(settings: Settings, store: Store, paths: list[Path]) -> MatchResult:
    """Which patients of the context in force the files contain, and how strongly."""
    if not paths:
        raise InputError("give at least one file to match")
    cipher = enable_field_encryption(store, settings)
    digest = cipher.keyed_hash
    with store.reader() as session:
        index = patient_index(session, digest)
    if index.patients == 0:
        raise InputError(
            "no patients in the context: load it first (phiwatch monitor context load)"
        )

    def all_rows() -> Iterator[tuple[str, int, list[str]]]:
        for path in paths:
            yield from dump_rows(path)

    hits, counts = match_rows(all_rows(), index, digest)
    elements, entities = _scan_elements(paths)
    elements.add("demographics")
    matches = [
        {
            "patient": pseudonym,
            "strength": hit.strength,
            "matched_on": sorted(hit.matched_on),
            "rows": hit.rows,
            "first_seen": f"{hit.where}, line {hit.line}",
        }
        for pseudonym, hit in sorted(hits.items(), key=lambda i: (_RANK[i[1].strength], i[0]))
    ]
    present = {
        "ssn": entities.get("SSN", 0) + entities.get("ITIN", 0),
        "mbi": entities.get("MBI", 0),
        "mrn": entities.get("MRN", 0),
    }
    return MatchResult(
        files=[p.name for p in paths],
        rows=counts["rows"],
        matched_rows=counts["matched_rows"],
        patients_in_context=index.patients,
        by_strength=dict(Counter(h.strength for h in hits.values())),
        matches=matches,
        not_matchable=[n for n in _OTHER_IDENTIFIERS if n not in available_identifiers()],
        elements=sorted(elements),
        identifier_counts=present,
    )
