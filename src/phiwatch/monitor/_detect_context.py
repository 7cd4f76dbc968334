"""The context in force, copied from the store into a DuckDB connection for the detectors.

Only pseudonyms, codes, flags and dates cross over (``workforce``,
``patients``, ``care``). Names, birth dates and addresses are encrypted in
``monitor_person``; the questions the detectors ask of them are answered
from their keyed hashes (``*_hash``, see ``_person_keys``):
:func:`employee_patient_records` matches staff to patients on the hashes
of family name, given name and birth date, and :func:`attach_kin` compares
surname, address, street, town and postal code hashes for the unexplained
(user, patient) pairs. The one value decrypted is the house number, for the
few pairs on the same street at different addresses ("nearby" needs
arithmetic); only yes/no answers are left behind (``kin``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from phiwatch.monitor._duck_tables import table_from_rows
from phiwatch.monitor._person_keys import house_number
from phiwatch.store import Store
from phiwatch.store.models.monitor import CareRelationship, Patient, Person, WorkforceMember

_IN_CHUNK = 900  # below SQLite's bound-parameter limit


def _newest_version(store: Store, column: Any) -> int | None:
    with store.reader() as session:
        value = session.scalar(select(func.max(column)))
        return int(value) if value is not None else None


def context_version(store: Store) -> int | None:
    """The newest context version holding workforce rows: the roster a run used."""
    return _newest_version(store, WorkforceMember.version_id)


def attach_context(
    connection: duckdb.DuckDBPyConnection,
    store: Store,
    *,
    first_day: date | None = None,
    last_day: date | None = None,
    margin_days: int = 14,
    cache_dir: Path | None = None,
) -> None:
    """Create tables ``workforce``, ``patients`` (flagged ones) and ``care`` on ``connection``.

    ``care`` is limited to relationships overlapping the days looked at
    (with a margin), so an incremental run reads a few days of the roster.
    """
    workforce_version = _newest_version(store, WorkforceMember.version_id)
    patient_version = _newest_version(store, Patient.version_id)
    care_version = _newest_version(store, CareRelationship.version_id)
    with store.reader() as session:
        workforce = session.execute(
            select(
                WorkforceMember.pseudonym,
                WorkforceMember.role,
                WorkforceMember.department,
                WorkforceMember.hire_date,
                WorkforceMember.end_date,
                WorkforceMember.active,
                WorkforceMember.patient_pseudonym,
            ).where(WorkforceMember.version_id == workforce_version)
        ).all()
        patients = session.execute(
            select(Patient.pseudonym, Patient.vip, Patient.deceased).where(
                Patient.version_id == patient_version, (Patient.vip | Patient.deceased)
            )
        ).all()
        care_query = select(
            CareRelationship.kind,
            CareRelationship.patient_pseudonym,
            CareRelationship.user_pseudonym,
            CareRelationship.department,
            CareRelationship.start,
            CareRelationship.end,
        ).where(CareRelationship.version_id == care_version)
        if first_day is not None and last_day is not None:
            low = first_day - timedelta(days=margin_days)
            high = last_day + timedelta(days=margin_days)
            care_query = care_query.where(
                (CareRelationship.start.is_(None)) | (CareRelationship.start <= high),
                (func.coalesce(CareRelationship.end, CareRelationship.start, high) >= low),
            )
        care = session.execute(care_query).all()
    own_records = employee_patient_records(store, cache_dir)
    roster = [(*row[:6], row[6] or own_records.get(row[0])) for row in workforce]
    text, day, flag = pa.string(), pa.date32(), pa.bool_()
    table_from_rows(
        connection,
        "workforce",
        {
            "pseudonym": text,
            "role": text,
            "department": text,
            "hire_date": day,
            "end_date": day,
            "active": flag,
            "patient_pseudonym": text,
        },
        roster,
    )
    table_from_rows(
        connection,
        "patients",
        {"pseudonym": text, "vip": flag, "deceased": flag},
        list(patients),
    )
    table_from_rows(
        connection,
        "care",
        {
            "kind": text,
            "patient_pseudonym": text,
            "user_pseudonym": text,
            "department": text,
            "start": day,
            "end": day,
        },
        list(care),
    )


def employee_patient_records(store: Store, cache_dir: Path | None = None) -> dict[str, str]:
    """Employees who are also patients here: user pseudonym -> their patient pseudonym.

    A roster rarely links the two (FHIR has no field for it), so the link is
    found the way a records clerk would: same family name, given name and
    birth date, compared as keyed hashes (nothing is decrypted). The store
    narrows patients to the staff's birth dates (one scan); the rest is
    compared in memory and only pseudonyms are kept. The pairs are cached
    per context version in ``cache_dir`` (pseudonyms only).
    """
    with store.reader() as session:
        newest = dict(
            session.execute(
                select(Person.kind, func.max(Person.version_id)).group_by(Person.kind)
            ).all()
        )
        if "workforce" not in newest or "patient" not in newest:
            return {}
        cache = None
        if cache_dir is not None:
            cache = cache_dir / f"employee-records-{newest['workforce']}-{newest['patient']}.json"
            if cache.is_file():
                return dict(json.loads(cache.read_text(encoding="utf-8")))
        identity = (Person.pseudonym, Person.family_hash, Person.given_hash, Person.birth_date_hash)
        staff = session.execute(
            select(*identity).where(
                Person.kind == "workforce", Person.version_id == newest["workforce"]
            )
        ).all()
        # A subquery, not bound values: a KeyedHash parameter would be hashed again.
        staff_births = (
            select(Person.birth_date_hash)
            .where(Person.kind == "workforce", Person.version_id == newest["workforce"])
            .scalar_subquery()
        )
        candidates = session.execute(
            select(*identity).where(
                Person.kind == "patient",
                Person.version_id == newest["patient"],
                Person.birth_date_hash.in_(staff_births),
            )
        ).all()
    by_identity: dict[tuple[str | None, str | None, str | None], str] = {
        (family, given, born): pseudonym
        for pseudonym, family, given, born in candidates
        if family and given and born
    }
    found: dict[str, str] = {}
    for pseudonym, family, given, born in staff:
        own = by_identity.get((family, given, born))
        if own is not None:
            found[str(pseudonym)] = str(own)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        temporary = cache.with_suffix(".tmp")
        temporary.write_text(json.dumps(found), encoding="utf-8")
        temporary.replace(cache)
    return found


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def _newest_person_version(session: Session, kind: str) -> int | None:
    version = session.scalar(select(func.max(Person.version_id)).where(Person.kind == kind))
    return int(version) if version is not None else None


def _persons(store: Store, kind: str, pseudonyms: Sequence[str]) -> list[Any]:
    """The surname and address hashes of these people (newest version of ``kind``)."""
    with store.reader() as session:
        version = _newest_person_version(session, kind)
        if version is None:
            return []
        rows: list[Any] = []
        for chunk in _chunks(pseudonyms):
            rows.extend(
                session.execute(
                    select(
                        Person.pseudonym,
                        Person.family_hash,
                        Person.address_hash,
                        Person.street_hash,
                        Person.city_hash,
                        Person.postal_code_hash,
                    ).where(
                        Person.version_id == version,
                        Person.kind == kind,
                        Person.pseudonym.in_(chunk),
                    )
                ).all()
            )
        return rows


def _house_numbers(store: Store, kind: str, pseudonyms: Sequence[str]) -> list[tuple[str, int]]:
    """House numbers of these people, from their decrypted street lines (kept in memory only)."""
    with store.reader() as session:
        version = _newest_person_version(session, kind)
        if version is None:
            return []
        numbers: list[tuple[str, int]] = []
        for chunk in _chunks(pseudonyms):
            for pseudonym, line in session.execute(
                select(Person.pseudonym, Person.address_line).where(
                    Person.version_id == version,
                    Person.kind == kind,
                    Person.pseudonym.in_(chunk),
                )
            ):
                number = house_number(line)
                if number is not None:
                    numbers.append((str(pseudonym), number))
        return numbers


_PERSON_COLUMNS = {
    "pseudonym": pa.string(),
    "family": pa.string(),
    "line": pa.string(),
    "street": pa.string(),
    "city": pa.string(),
    "postal_code": pa.string(),
}
_NUMBER_COLUMNS = {"pseudonym": pa.string(), "number": pa.int64()}


KIN_BULK_CUTOFF = 100  # user-days with this many unexplained patients are bulk access, not kin


def attach_kin(connection: duckdb.DuckDBPyConnection, store: Store, near_numbers: int = 10) -> None:
    """Table ``kin``: for each unexplained (user, patient) pair, how the two are related.

    Compares the keyed hashes of just those people (surname, address line,
    street, city, postal code) and keeps only the answers. "Nearby" (same
    street, another address, house numbers at most ``near_numbers`` apart)
    decrypts the street lines of the people in such pairs only, which needs
    field encryption enabled on ``store``. Needs the ``access`` and
    ``window_daily`` tables; user-days with ``KIN_BULK_CUTOFF`` or more
    unexplained patients are skipped (bulk access covers them).
    """
    connection.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE kin_pairs AS
        SELECT DISTINCT a.user_pseudonym, a.patient_pseudonym FROM access a
        JOIN window_daily wd ON wd.user_pseudonym = a.user_pseudonym AND wd.day = a.day
        WHERE a.reason IS NULL AND a.patient_pseudonym IS NOT NULL
          AND wd.unexplained < {KIN_BULK_CUTOFF}
        """  # noqa: S608
    )
    pairs = connection.execute("SELECT * FROM kin_pairs").fetchall()
    users = sorted({u for u, _ in pairs if u})
    patients = sorted({p for _, p in pairs if p})
    table_from_rows(connection, "_kin_users", _PERSON_COLUMNS, _persons(store, "workforce", users))
    table_from_rows(
        connection, "_kin_patients", _PERSON_COLUMNS, _persons(store, "patient", patients)
    )
    try:
        connection.execute(
            """
            CREATE OR REPLACE TEMP TABLE kin_hashes AS
            SELECT p.user_pseudonym, p.patient_pseudonym,
                   coalesce(u.family = t.family, false) AS same_surname,
                   coalesce(u.line = t.line AND (u.postal_code = t.postal_code
                            OR u.city = t.city), false) AS same_address,
                   coalesce(u.street = t.street AND u.line <> t.line, false) AS same_street,
                   coalesce(u.city = t.city OR u.postal_code = t.postal_code, false) AS same_town
            FROM kin_pairs p
            JOIN _kin_users u ON u.pseudonym = p.user_pseudonym
            JOIN _kin_patients t ON t.pseudonym = p.patient_pseudonym
            """
        )
        street = connection.execute(
            "SELECT user_pseudonym, patient_pseudonym FROM kin_hashes WHERE same_street"
        ).fetchall()
        neighbours = sorted({u for u, _ in street})
        neighboured = sorted({p for _, p in street})
        table_from_rows(
            connection,
            "_kin_user_numbers",
            _NUMBER_COLUMNS,
            _house_numbers(store, "workforce", neighbours),
        )
        table_from_rows(
            connection,
            "_kin_patient_numbers",
            _NUMBER_COLUMNS,
            _house_numbers(store, "patient", neighboured),
        )
        connection.execute(
            f"""
            CREATE OR REPLACE TABLE kin AS
            SELECT k.user_pseudonym, k.patient_pseudonym, k.same_surname, k.same_address,
                   coalesce(k.same_street AND abs(un.number - tn.number) <= {int(near_numbers)},
                            false) AS near_address,
                   k.same_town
            FROM kin_hashes k
            LEFT JOIN _kin_user_numbers un ON un.pseudonym = k.user_pseudonym
            LEFT JOIN _kin_patient_numbers tn ON tn.pseudonym = k.patient_pseudonym
            """  # noqa: S608
        )
    finally:
        for table in ("_kin_users", "_kin_patients", "_kin_user_numbers", "_kin_patient_numbers"):
            connection.execute(f"DROP TABLE IF EXISTS {table}")
        connection.execute("DROP TABLE IF EXISTS kin_hashes")
