"""Context into the store: who the patients and the workforce are, who cared for whom.

Inputs are a FHIR Bulk Data export (``Patient.ndjson``, ``Practitioner.ndjson``,
``PractitionerRole.ndjson``, ``Organization.ndjson``, ``Encounter.ndjson``,
``Appointment.ndjson``, ``CareTeam.ndjson``) or the equivalent CSVs
(``patients.csv``, ``workforce.csv``, ``encounters.csv``); see docs/formats.md.
Files are parsed by DuckDB with explicit columns; each load becomes a new
context version. Identifiers are pseudonymised with the lake's key so the
context joins to the lake without clear identifiers; the people's PHI is
stored encrypted, with keyed hashes beside it for comparisons
(``_person_keys``).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import String, bindparam, insert
from sqlalchemy.orm import Session

from phiwatch.config import Settings
from phiwatch.errors import InputError
from phiwatch.monitor._person_keys import hash_sources
from phiwatch.monitor._pseudonym import pseudonym_key, pseudonymise
from phiwatch.monitor._schema import sql_text
from phiwatch.security import FieldCipher, KeyedHash, enable_field_encryption
from phiwatch.store import Store
from phiwatch.store.models.monitor import (
    CareRelationship,
    ContextVersion,
    Patient,
    Person,
    WorkforceMember,
)

Progress = Callable[[str, int, int], None]
_CHUNK = 20_000

_REF = "STRUCT(reference VARCHAR)"
_NAME = "STRUCT(family VARCHAR, given VARCHAR[])[]"
_ADDRESS = "STRUCT(line VARCHAR[], city VARCHAR, state VARCHAR, postalCode VARCHAR)[]"
_CODING = "STRUCT(system VARCHAR, code VARCHAR)"
_PERIOD = 'STRUCT("start" VARCHAR, "end" VARCHAR)'
_COMMUNICATION = f"STRUCT(language STRUCT(coding {_CODING}[], text VARCHAR), preferred BOOLEAN)[]"

# The language of the preferred ``Patient.communication`` (else the first): a struct with
# ``coding`` and ``text``; the patient SELECT takes its first non-empty code, else its text.
_SPOKEN = (
    "coalesce(list_filter(communication, lambda c: coalesce(c.preferred, false))[1], "
    "communication[1]).language"
)

# File name (lower case) -> (kind, DuckDB columns, SELECT list)
_FHIR: dict[str, tuple[str, dict[str, str], str]] = {
    "organization.ndjson": ("organization", {"id": "VARCHAR", "name": "VARCHAR"}, "id, name"),
    "patient.ndjson": (
        "patient",
        {
            "id": "VARCHAR",
            "meta": f"STRUCT(security {_CODING}[], tag {_CODING}[])",
            "name": _NAME,
            "birthDate": "VARCHAR",
            "deceasedBoolean": "BOOLEAN",
            "deceasedDateTime": "VARCHAR",
            "address": _ADDRESS,
            "communication": _COMMUNICATION,
        },
        f"""id, name[1].family AS family, name[1].given[1] AS given, birthDate AS birth_date,
           address[1].line[1] AS line, address[1].city AS city, address[1].state AS state,
           address[1].postalCode AS postal_code,
           coalesce(list_filter({_SPOKEN}.coding,
                                lambda k: nullif(trim(k.code), '') IS NOT NULL)[1].code,
                    {_SPOKEN}.text) AS language,
           coalesce(deceasedBoolean, deceasedDateTime IS NOT NULL, false) AS deceased,
           coalesce(list_has_any(list_transform(meta.security, lambda s: s.code), ['V', 'R'])
                 OR list_has_any(list_transform(meta.tag, lambda t: upper(t.code)),
                                 ['VIP', 'CELEBRITY']), false) AS vip""",
    ),
    "practitioner.ndjson": (
        "practitioner",
        {"id": "VARCHAR", "name": _NAME, "birthDate": "VARCHAR", "address": _ADDRESS},
        """id, name[1].family AS family, name[1].given[1] AS given, birthDate AS birth_date,
           address[1].line[1] AS line, address[1].city AS city, address[1].state AS state,
           address[1].postalCode AS postal_code""",
    ),
    "practitionerrole.ndjson": (
        "role",
        {
            "id": "VARCHAR",
            "active": "BOOLEAN",
            "period": _PERIOD,
            "practitioner": _REF,
            "organization": _REF,
            "code": f"STRUCT(coding {_CODING}[])[]",
        },
        """regexp_extract(practitioner.reference, '([^/]+)$', 1) AS user_id,
           active, period.start AS hire_date, period."end" AS end_date,
           regexp_extract(organization.reference, '([^/]+)$', 1) AS organization,
           code[1].coding[1].code AS role""",
    ),
    "encounter.ndjson": (
        "care",
        {
            "id": "VARCHAR",
            "subject": _REF,
            "participant": f"STRUCT(individual {_REF})[]",
            "period": _PERIOD,
            "serviceProvider": _REF,
        },
        """'encounter' AS kind, id, subject.reference AS patient,
           list_transform(participant, lambda p: p.individual.reference) AS members,
           period.start AS start, period."end" AS "end",
           regexp_extract(serviceProvider.reference, '([^/]+)$', 1) AS organization""",
    ),
    "appointment.ndjson": (
        "care",
        {
            "id": "VARCHAR",
            "start": "VARCHAR",
            "end": "VARCHAR",
            "participant": f"STRUCT(actor {_REF})[]",
        },
        """'appointment' AS kind, id,
           list_filter(list_transform(participant, lambda p: p.actor.reference),
                       lambda r: starts_with(r, 'Patient/'))[1] AS patient,
           list_filter(list_transform(participant, lambda p: p.actor.reference),
                       lambda r: NOT starts_with(r, 'Patient/')) AS members,
           "start", "end", CAST(NULL AS VARCHAR) AS organization""",
    ),
    "careteam.ndjson": (
        "care",
        {
            "id": "VARCHAR",
            "subject": _REF,
            "participant": f"STRUCT(member {_REF})[]",
            "period": _PERIOD,
            "managingOrganization": f"{_REF}[]",
        },
        """'careteam' AS kind, id, subject.reference AS patient,
           list_transform(participant, lambda p: p.member.reference) AS members,
           period.start AS start, period."end" AS "end",
           regexp_extract(managingOrganization[1].reference, '([^/]+)$', 1) AS organization""",
    ),
}
_CSV = {"patients.csv": "patient", "workforce.csv": "workforce", "encounters.csv": "care"}
_ORDER = [
    "organization.ndjson",
    "patient.ndjson",
    "practitioner.ndjson",
    "practitionerrole.ndjson",
    "encounter.ndjson",
    "appointment.ndjson",
    "careteam.ndjson",
    "patients.csv",
    "workforce.csv",
    "encounters.csv",
]


@dataclass
class ContextLoadResult:
    version: int
    files: int
    patients: int = 0
    workforce: int = 0
    relationships: int = 0
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "files": self.files,
            "patients": self.patients,
            "workforce": self.workforce,
            "relationships": self.relationships,
            "seconds": round(self.seconds, 2),
        }


def _context_files(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in path.iterdir() if p.name.lower() in _ORDER)
        elif path.is_file():
            if path.name.lower() not in _ORDER:
                raise InputError(
                    "unknown context file: expected one of " + ", ".join(_ORDER), file=path
                )
            found.append(path)
        else:
            raise InputError("no such file or directory", file=path)
    if not found:
        raise InputError("no context files found (Patient.ndjson, patients.csv, ...)")
    return sorted(found, key=lambda p: _ORDER.index(p.name.lower()))


def _rows(connection: duckdb.DuckDBPyConnection, sql: str) -> Iterator[dict[str, Any]]:
    result = connection.execute(sql)
    names = [d[0] for d in result.description]
    while batch := result.fetchmany(_CHUNK):
        for row in batch:
            yield dict(zip(names, row, strict=True))


def _read_fhir(connection: duckdb.DuckDBPyConnection, path: Path) -> Iterator[dict[str, Any]]:
    _kind, columns, select = _FHIR[path.name.lower()]
    spec = "{" + ", ".join(f"{sql_text(k)}: {sql_text(v)}" for k, v in columns.items()) + "}"
    sql = (
        f"SELECT {select} FROM read_json({sql_text(path)}, "  # noqa: S608
        f"format = 'newline_delimited', columns = {spec})"
    )
    try:
        yield from _rows(connection, sql)
    except duckdb.Error:
        raise _locate_bad_json(path) from None


def _locate_bad_json(path: Path) -> InputError:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                resource = json.loads(line)
            except ValueError:
                return InputError("not valid JSON", file=path, line=number)
            if not isinstance(resource, dict):
                return InputError("expected a JSON object", file=path, line=number)
    return InputError("a resource does not have the expected FHIR shape", file=path)


def _read_csv(connection: duckdb.DuckDBPyConnection, path: Path) -> Iterator[dict[str, Any]]:
    sql = f"SELECT * FROM read_csv({sql_text(path)}, header = true, all_varchar = true)"  # noqa: S608
    try:
        yield from _rows(connection, sql)
    except duckdb.Error as exc:
        raise InputError(f"cannot be read as CSV ({type(exc).__name__})", file=path) from None


def _day(text: Any) -> date | None:
    if text is None or str(text).strip() == "":
        return None
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _flag(text: Any) -> bool:
    return str(text).strip().lower() in ("1", "true", "yes", "y", "t")


# Language names and ISO 639-2 codes some systems write instead of a BCP 47 tag.
_LANGUAGE_NAMES = {
    "english": "en",
    "eng": "en",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "castellano": "es",
    "spa": "es",
}
_TAG = re.compile(r"^([a-z]{2,3})(?:-[a-z0-9]{1,8})*$")
# BCP 47 subtags that say there is no particular language.
_NO_LANGUAGE = frozenset({"und", "mul", "zxx", "mis"})


def language_subtag(value: Any) -> str | None:
    """A preferred language as its primary subtag (``es-MX`` -> ``es``), or ``None``.

    Notices are written per language, not per region, so the region is
    dropped. Blank, unknown or malformed values mean "no preference" (the
    notice is then in English) rather than an error: a language is not worth
    refusing a context load for.
    """
    if value is None:
        return None
    text = " ".join(str(value).split()).lower()
    if not text:
        return None
    tag = _TAG.match(text.replace("_", "-"))
    if tag:  # a BCP 47 tag: es, es-MX, zh-Hant-TW (or an ISO 639-2 code: spa)
        primary = _LANGUAGE_NAMES.get(tag.group(1), tag.group(1))
        return None if primary in _NO_LANGUAGE else primary
    # A name, perhaps with a region: "Spanish", "Spanish (Mexico)", "español-latino".
    return _LANGUAGE_NAMES.get(re.split(r"[-_\s(),;/]", text, maxsplit=1)[0])


def _tail(reference: Any) -> str | None:
    if reference is None or str(reference).strip() == "":
        return None
    return str(reference).rsplit("/", 1)[-1]


class _Digests:
    """``KeyedHash`` digests made once per distinct value (cities, surnames and dates repeat).

    The digest is the cipher's own ``keyed_hash``, so a stored hash is what
    ``where(Person.family_hash == "Smith")`` computes; only the repeats are
    saved.
    """

    _LIMIT = 500_000

    def __init__(self, cipher: FieldCipher) -> None:
        self._hash = cipher.keyed_hash
        self._seen: dict[str, str] = {}

    def __call__(self, value: str | None) -> str | None:
        if value is None:
            return None
        digest = self._seen.get(value)
        if digest is None:
            digest = self._hash(value)
            if len(self._seen) < self._LIMIT:
                self._seen[value] = digest
        return digest


# Person rows carry their hash companions already digested (``_Digests``): these
# parameters are plain strings, so ``KeyedHash`` does not hash them a second time.
_PERSON_TABLE = Person.metadata.tables[Person.__tablename__]
_HASH_COLUMNS = tuple(c.name for c in _PERSON_TABLE.columns if isinstance(c.type, KeyedHash))
_INSERT_PERSON = insert(_PERSON_TABLE).values(
    {name: bindparam(f"{name}_digest", type_=String(64)) for name in _HASH_COLUMNS}
)


class _Loader:
    """Collects rows for one context version and writes them in chunks."""

    def __init__(self, key: bytes, digests: _Digests) -> None:
        self.key = key
        self.digests = digests
        self.organizations: dict[str, str] = {}
        self.persons: list[dict[str, Any]] = []
        self.patients: list[dict[str, Any]] = []
        self.workforce: list[dict[str, Any]] = []
        self.care: list[dict[str, Any]] = []

    def pseudonym(self, identifier: str | None) -> str | None:
        return pseudonymise(self.key, identifier) if identifier else None

    def person(self, kind: str, row: dict[str, Any], identifier: str) -> None:
        """One ``monitor_person`` row: the PHI (encrypted on write) and its hash companions."""
        self.persons.append(
            {
                "kind": kind,
                "pseudonym": self.pseudonym(identifier),
                "identifier": identifier,
                "family": row.get("family"),
                "given": row.get("given"),
                "birth_date": row.get("birth_date"),
                "address_line": row.get("line"),
                "city": row.get("city"),
                "state": row.get("state"),
                "postal_code": row.get("postal_code"),
            }
        )
        sources = hash_sources(
            identifier=identifier,
            family=row.get("family"),
            given=row.get("given"),
            birth_date=row.get("birth_date"),
            line=row.get("line"),
            city=row.get("city"),
            postal_code=row.get("postal_code"),
        )
        record = self.persons[-1]
        for name, value in sources.items():
            record[f"{name}_digest"] = self.digests(value)

    def add(self, kind: str, row: dict[str, Any], path: Path, number: int) -> None:
        if kind == "organization":
            if row.get("id"):
                self.organizations[row["id"]] = row.get("name") or row["id"]
            return
        if kind == "patient":
            identifier = row.get("id") or row.get("patient_id")
            if not identifier:
                raise InputError("missing patient id", file=path, record=number, column="id")
            self.person("patient", row, identifier)
            self.patients.append(
                {
                    "pseudonym": self.pseudonym(identifier),
                    "vip": _flag(row.get("vip")),
                    "deceased": _flag(row.get("deceased")),
                    "language": language_subtag(row.get("language")),
                }
            )
        elif kind in ("practitioner", "workforce"):
            identifier = row.get("id") or row.get("user_id")
            if not identifier:
                raise InputError("missing user id", file=path, record=number, column="id")
            self.person("workforce", row, identifier)
            if kind == "workforce":
                self._member(identifier, row)
        elif kind == "role":
            if row.get("user_id"):
                self._member(row["user_id"], row)
        else:
            self._care(row, path, number)

    def _member(self, identifier: str, row: dict[str, Any]) -> None:
        end = _day(row.get("end_date"))
        active = row.get("active")
        organization = row.get("organization")
        department = self.organizations.get(organization or "", organization) or row.get(
            "department"
        )
        self.workforce.append(
            {
                "pseudonym": self.pseudonym(identifier),
                "role": row.get("role"),
                "department": department,
                "hire_date": _day(row.get("hire_date")),
                "end_date": end,
                "active": bool(active) if isinstance(active, bool) else end is None,
                "patient_pseudonym": self.pseudonym(row.get("patient_id") or None),
            }
        )

    def _care(self, row: dict[str, Any], path: Path, number: int) -> None:
        patient = _tail(row.get("patient") or row.get("patient_id"))
        if patient is None:
            raise InputError("no patient (subject)", file=path, record=number, column="subject")
        if "members" in row:
            members = [_tail(m) for m in row.get("members") or []]
        else:  # CSV: the attending, nurses and any member columns
            members = [
                _tail(v)
                for k, v in row.items()
                if k in ("attending", "user_id") or k.startswith(("nurse", "member"))
            ]
        organization = row.get("organization")
        department = self.organizations.get(organization or "", organization) or row.get(
            "department"
        )
        base = {
            "kind": row.get("kind") or "encounter",
            "source_id": str(row.get("id") or row.get("encounter_id") or number),
            "patient_pseudonym": self.pseudonym(patient),
            "department": department,
            "start": _day(row.get("start")),
            "end": _day(row.get("end")),
        }
        people: list[str | None] = [m for m in members if m]
        for member in people or [None]:
            self.care.append({**base, "user_pseudonym": self.pseudonym(member)})


def _flush(
    session: Session, loader: _Loader, version_id: int, counts: dict[str, int], *, final: bool
) -> None:
    """Insert the rows collected so far (a chunk at a time), so memory stays bounded."""
    for name, model in (
        ("persons", Person),
        ("patients", Patient),
        ("workforce", WorkforceMember),
        ("care", CareRelationship),
    ):
        records: list[dict[str, Any]] = getattr(loader, name)
        if not records or (len(records) < _CHUNK and not final):
            continue
        statement = _INSERT_PERSON if model is Person else insert(model)
        session.execute(statement, [{**r, "version_id": version_id} for r in records])
        counts[name] += len(records)
        records.clear()


def load_context(
    settings: Settings,
    store: Store,
    paths: Iterable[Path],
    *,
    progress: Progress | None = None,
) -> ContextLoadResult:
    """Load context files as one new version, in one transaction: a bad file writes nothing.

    Rows are inserted in chunks as they are read, so memory does not grow
    with the size of the export. The people's PHI is encrypted as it is
    written (Core ``insert`` on the model applies the column types), so
    field encryption is switched on for ``store`` first.
    """
    started = time.perf_counter()
    cipher = enable_field_encryption(store, settings)
    files = _context_files(paths)
    report = progress or (lambda _stage, _done, _total: None)
    loader = _Loader(pseudonym_key(settings), _Digests(cipher))
    counts = dict.fromkeys(("persons", "patients", "workforce", "care"), 0)
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    try:
        with store.transaction() as session:
            version = ContextVersion(
                source=", ".join(sorted({str(p.parent) for p in files})),
                patients=0,
                workforce=0,
                relationships=0,
            )
            session.add(version)
            session.flush()
            for done, path in enumerate(files):
                report("read", done, len(files))
                name = path.name.lower()
                if name in _FHIR:
                    kind, rows = _FHIR[name][0], _read_fhir(connection, path)
                else:
                    kind, rows = _CSV[name], _read_csv(connection, path)
                for number, row in enumerate(rows, start=1):
                    loader.add(kind, row, path, number)
                    if number % _CHUNK == 0:
                        _flush(session, loader, version.id, counts, final=False)
            _flush(session, loader, version.id, counts, final=True)
            report("read", len(files), len(files))
            version.patients = counts["patients"]
            version.workforce = counts["workforce"]
            version.relationships = counts["care"]
            result = ContextLoadResult(
                version=version.id,
                files=len(files),
                patients=counts["patients"],
                workforce=counts["workforce"],
                relationships=counts["care"],
            )
    finally:
        connection.close()
    result.seconds = time.perf_counter() - started
    return result
