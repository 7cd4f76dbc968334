"""Sources of affected individuals: a confirmed case, a lake query, a CSV list, a scan of files.

Each source is recorded with what it was (no PHI: case numbers, a user's
pseudonym, a network address, file names and line counts), the PHI elements
it involved, whether records were carried out (exported) or only viewed, and
the patients (pseudonyms) it found. Adding a source is one transaction:
bad input (an unknown case, a CSV with a bad row) raises before anything is
written. After the source is stored the scope is recomputed (``_scope``).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, insert

from phiwatch.config import Settings
from phiwatch.errors import InputError, NotFoundError
from phiwatch.monitor import Lake, get_case, pseudonym_key, pseudonymise
from phiwatch.respond._context import known_patients
from phiwatch.respond._vocab import ELEMENTS
from phiwatch.store import Store
from phiwatch.store.models.respond import AffectedIndividual, Incident, IncidentSource

_AFFECTED = cast(Table, AffectedIndividual.__table__)

# What an access touched, read from the event's subtype (CSV metric name or FHIR code).
_SUBTYPE_ELEMENTS = (
    (re.compile(r"bill|pay|charge|invoice|statement", re.I), "payment"),
    (re.compile(r"insur|coverage|claim|eligib|payer", re.I), "insurance"),
    (re.compile(r"ssn|social", re.I), "ssn"),
)
_EXPORT = re.compile(r"export|download|print|extract|report", re.I)
# Scanner entity -> PHI element it reveals.
_ENTITY_ELEMENTS = {
    "SSN": "ssn",
    "ITIN": "ssn",
    "MBI": "insurance",
    "HEALTH_PLAN_ID": "insurance",
    "HEALTH_CONDITION": "clinical",
    "ICD10": "clinical",
    "MRN": "demographics",
    "PERSON": "demographics",
    "DATE": "demographics",
    "STREET_ADDRESS": "demographics",
    "PHONE": "demographics",
    "EMAIL": "demographics",
    "ZIP_CODE": "demographics",
}
_PATIENT_ENTITIES = ("MRN",)


@dataclass
class Found:
    """What a source found, before it is stored."""

    kind: str
    detail: dict[str, Any]
    patients: set[str]
    elements: set[str] = field(default_factory=set)
    exported: bool = False


def parse_elements(values: Iterable[str]) -> set[str]:
    chosen = {v.strip().lower() for value in values for v in value.split(",") if v.strip()}
    unknown = sorted(chosen - set(ELEMENTS))
    if unknown:
        raise InputError(f"--elements expects some of {', '.join(ELEMENTS)}, not {unknown[0]!r}")
    return chosen


def _elements_of_access(subtypes: Iterable[str | None]) -> set[str]:
    """Opening a chart shows demographics and clinical data; some subtypes show more."""
    found = {"demographics", "clinical"}
    for subtype in subtypes:
        for pattern, element in _SUBTYPE_ELEMENTS:
            if subtype and pattern.search(subtype):
                found.add(element)
    return found


def _lake_connection(settings: Settings) -> Any:
    lake = Lake.of(settings)
    if not lake.manifests():
        raise InputError("the event lake is empty: run phiwatch monitor ingest first")
    return lake.connect()


def _events_summary(connection: Any, where: str, params: list[Any]) -> tuple[set[str], bool]:
    sql = f"SELECT DISTINCT subtype, action FROM events WHERE {where}"  # noqa: S608 (fixed clauses)
    rows = connection.execute(sql, params).fetchall()
    exported = any(a == "E" or (s and _EXPORT.search(s)) for s, a in rows)
    return _elements_of_access(s for s, _ in rows), exported


def from_case(settings: Settings, store: Store, case_id: int) -> Found:
    """The patients in a confirmed case's evidence (alert patients and the evidence events')."""
    try:
        case = get_case(store, case_id)
    except NotFoundError:
        raise InputError(f"no monitor case {case_id}") from None
    if case["status"] != "confirmed":
        raise InputError(
            f"monitor case {case_id} is {case['status']!r}, not confirmed: "
            f"confirm it first (phiwatch monitor case {case_id} --status confirmed)"
        )
    patients: set[str] = set()
    event_ids: set[str] = set()
    for alert in case["alert_list"]:
        patients.update(alert["patient_pseudonyms"])
        event_ids.update(alert["evidence"])
    elements, exported = {"demographics", "clinical"}, False
    if event_ids and Lake.of(settings).manifests():
        connection = Lake.of(settings).connect()
        connection.execute("CREATE TEMP TABLE wanted (event_id VARCHAR)")
        connection.executemany("INSERT INTO wanted VALUES (?)", [[e] for e in event_ids])
        where = "event_id IN (SELECT event_id FROM wanted)"
        sql = f"SELECT DISTINCT patient_pseudonym FROM events WHERE {where}"  # noqa: S608
        patients.update(p for (p,) in connection.execute(sql).fetchall() if p is not None)
        elements, exported = _events_summary(connection, where, [])
        connection.close()
    return Found(
        "case",
        {"case": case_id, "alerts": len(case["alert_list"]), "events": len(event_ids)},
        patients,
        elements,
        exported,
    )


def from_lake(
    settings: Settings,
    *,
    user: str | None = None,
    address: str | None = None,
    between: tuple[datetime, datetime] | None = None,
) -> Found:
    """Every patient a user (or a network address) touched, optionally between two times."""
    if user is None and address is None:
        raise InputError("a lake source needs --user or --address (or both)")
    clauses: list[str] = ["patient_pseudonym IS NOT NULL"]
    params: list[Any] = []
    detail: dict[str, Any] = {}
    if user is not None:
        pseudonym = pseudonymise(pseudonym_key(settings), user)
        clauses.append("user_pseudonym = ?")
        params.append(pseudonym)
        detail["user_pseudonym"] = pseudonym
    if address is not None:
        clauses.append("network_address = ?")
        params.append(address)
        detail["address"] = address
    if between is not None:
        start, end = between
        if end < start:
            raise InputError("--between: the second time is before the first")
        clauses.append("recorded BETWEEN ? AND ?")
        params.extend([start, end])
        detail["between"] = [start.isoformat(), end.isoformat()]
    where = " AND ".join(clauses)
    connection = _lake_connection(settings)
    try:
        sql = f"SELECT DISTINCT patient_pseudonym FROM events WHERE {where}"  # noqa: S608
        patients = {p for (p,) in connection.execute(sql, params).fetchall()}
        elements, exported = _events_summary(connection, where, params)
        sql = f"SELECT count(DISTINCT event_id) FROM events WHERE {where}"  # noqa: S608
        detail["events"] = connection.execute(sql, params).fetchone()[0]
    finally:
        connection.close()
    return Found("lake", detail, patients, elements if patients else set(), exported)


def from_csv(settings: Settings, store: Store, path: Path) -> Found:
    """Patients listed by ``patient_id`` in a CSV file; every row must name a known patient."""
    key = pseudonym_key(settings)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", file=path.name) from None
    wanted: dict[str, int] = {}
    with handle:
        reader = csv.DictReader(handle)
        fields = [f.strip().lower() for f in reader.fieldnames or []]
        if "patient_id" not in fields:
            raise InputError("expected a header row with a patient_id column", file=path.name)
        column = (reader.fieldnames or [])[fields.index("patient_id")]
        try:
            for row in reader:
                value = (row.get(column) or "").strip()
                if not value:
                    raise InputError(
                        "empty (expected a patient identifier)",
                        file=path.name,
                        line=reader.line_num,
                        column="patient_id",
                    )
                wanted.setdefault(pseudonymise(key, value), reader.line_num)
        except csv.Error as exc:
            raise InputError(
                f"not valid CSV ({exc})", file=path.name, line=reader.line_num
            ) from None
    if not wanted:
        raise InputError("no rows (expected one patient_id per line)", file=path.name)
    with store.reader() as session:
        known = known_patients(session, wanted)
    missing = [line for pseudonym, line in wanted.items() if pseudonym not in known]
    if missing:
        raise InputError(
            f"not a patient of the context in force ({len(missing)} such rows; "
            "load the context with phiwatch monitor context load)",
            file=path.name,
            line=min(missing),
            column="patient_id",
        )
    return Found("csv", {"file": path.name, "rows": len(wanted)}, set(wanted))


def from_scan(settings: Settings, store: Store, paths: list[Path]) -> Found:
    """Patients whose medical record numbers appear in the scanned files."""
    from phiwatch.scan import scan_path

    key = pseudonym_key(settings)
    candidates: set[str] = set()
    elements: set[str] = set()
    files = 0
    for path in paths:
        if not path.exists():
            raise InputError("no such file or directory", file=str(path))
        for report in scan_path(path):
            files += 1
            for finding in report.findings:
                element = _ENTITY_ELEMENTS.get(finding.entity)
                if element:
                    elements.add(element)
                if finding.entity in _PATIENT_ENTITIES:
                    candidates.add(pseudonymise(key, finding.text.strip()))
    with store.reader() as session:
        patients = known_patients(session, candidates)
    detail = {"paths": [p.name for p in paths], "files": files, "identifiers": len(candidates)}
    return Found("scan", detail, patients, elements if patients else set(), exported=True)


def store_source(store: Store, incident_id: int, found: Found, elements: set[str]) -> int:
    """Write one source and its patients in one transaction; its id."""
    with store.transaction() as session:
        if session.get(Incident, incident_id) is None:
            raise NotFoundError(f"no incident {incident_id}")
        source = IncidentSource(
            incident_id=incident_id,
            kind=found.kind,
            detail=json.dumps(found.detail, sort_keys=True),
            elements=json.dumps(sorted(found.elements | elements)),
            individuals=len(found.patients),
            exported=found.exported,
        )
        session.add(source)
        session.flush()
        rows = [
            {"incident_id": incident_id, "source_id": source.id, "patient_pseudonym": p}
            for p in sorted(found.patients)
        ]
        for start in range(0, len(rows), 10_000):
            # Core executemany: the ORM's bulk path costs several times more per row.
            session.execute(insert(_AFFECTED), rows[start : start + 10_000])
        return source.id
