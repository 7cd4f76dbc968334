"""The context in force, copied from the store into a DuckDB connection for the detectors.

Only pseudonyms, codes, flags and dates cross over (``workforce``,
``patients``, ``care``). The one exception is :func:`attach_kin`, which reads
names and addresses from ``monitor_person`` for the few (user, patient)
pairs that stayed unexplained, and leaves only yes/no answers behind
(``kin``: same surname, same address, nearby address).
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


def _register(
    connection: duckdb.DuckDBPyConnection,
    name: str,
    columns: dict[str, pa.DataType],
    rows: list[Any],
) -> None:
    arrays = [pa.array([r[i] for r in rows], type) for i, type in enumerate(columns.values())]
    table = pa.Table.from_arrays(arrays, names=list(columns))
    connection.register(f"_{name}_arrow", table)
    connection.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _{name}_arrow")  # noqa: S608
    connection.unregister(f"_{name}_arrow")


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
    _register(
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
    _register(
        connection,
        "patients",
        {"pseudonym": text, "vip": flag, "deceased": flag},
        list(patients),
    )
    _register(
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
    birth date. The store narrows patients to the staff's birth dates (one
    scan); the rest is compared in memory and only pseudonyms are kept. The
    pairs are cached per context version in ``cache_dir`` (pseudonyms only).
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
        staff = session.execute(
            select(Person.pseudonym, Person.family, Person.given, Person.birth_date).where(
                Person.kind == "workforce", Person.version_id == newest["workforce"]
            )
        ).all()
        staff_births = (
            select(Person.birth_date)
            .where(Person.kind == "workforce", Person.version_id == newest["workforce"])
            .scalar_subquery()
        )
        candidates = session.execute(
            select(Person.pseudonym, Person.family, Person.given, Person.birth_date).where(
                Person.kind == "patient",
                Person.version_id == newest["patient"],
                Person.birth_date.in_(staff_births),
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


def _persons(store: Store, kind: str, pseudonyms: Sequence[str]) -> list[Any]:
    version = None
    with store.reader() as session:
        version = session.scalar(select(func.max(Person.version_id)).where(Person.kind == kind))
        if version is None:
            return []
        rows: list[Any] = []
        for chunk in _chunks(pseudonyms):
            rows.extend(
                session.execute(
                    select(
                        Person.pseudonym,
                        Person.family,
                        Person.address_line,
                        Person.city,
                        Person.postal_code,
                    ).where(
                        Person.version_id == version,
                        Person.kind == kind,
                        Person.pseudonym.in_(chunk),
                    )
                ).all()
            )
        return rows


def _people_sql(table: str) -> str:
    """Normalised surname and address parts (house number, street) of a person table."""
    return f"""
        SELECT pseudonym, lower(trim(family)) AS family,
               lower(trim(regexp_replace(line, '\\s+', ' ', 'g'))) AS line,
               TRY_CAST(regexp_extract(line, '^\\s*(\\d+)', 1) AS INTEGER) AS number,
               lower(trim(regexp_replace(line, '^\\s*\\d+\\s*', ''))) AS street,
               lower(trim(city)) AS city, trim(postal_code) AS postal_code
        FROM {table}
    """  # noqa: S608


_PERSON_COLUMNS = {
    "pseudonym": pa.string(),
    "family": pa.string(),
    "line": pa.string(),
    "city": pa.string(),
    "postal_code": pa.string(),
}


KIN_BULK_CUTOFF = 100  # user-days with this many unexplained patients are bulk access, not kin


def attach_kin(connection: duckdb.DuckDBPyConnection, store: Store, near_numbers: int = 10) -> None:
    """Table ``kin``: for each unexplained (user, patient) pair, how the two are related.

    Reads the PHI of just those people, compares surnames and addresses in
    memory, and keeps only the answers. Needs the ``access`` and
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
    _register(connection, "_kin_users", _PERSON_COLUMNS, _persons(store, "workforce", users))
    _register(connection, "_kin_patients", _PERSON_COLUMNS, _persons(store, "patient", patients))
    try:
        connection.execute(
            f"""
            CREATE OR REPLACE TABLE kin AS
            WITH pairs AS (SELECT * FROM kin_pairs),
                 u AS ({_people_sql("_kin_users")}),
                 t AS ({_people_sql("_kin_patients")})
            SELECT p.user_pseudonym, p.patient_pseudonym,
                   coalesce(u.family = t.family, false) AS same_surname,
                   coalesce(u.line = t.line AND (u.postal_code = t.postal_code
                            OR u.city = t.city), false) AS same_address,
                   coalesce(u.street = t.street AND u.street <> '' AND u.line <> t.line
                            AND abs(u.number - t.number) <= {int(near_numbers)}, false)
                       AS near_address,
                   coalesce(u.city = t.city OR u.postal_code = t.postal_code, false) AS same_town
            FROM pairs p
            JOIN u ON u.pseudonym = p.user_pseudonym
            JOIN t ON t.pseudonym = p.patient_pseudonym
            """  # noqa: S608
        )
    finally:
        connection.execute("DROP TABLE IF EXISTS _kin_users")
        connection.execute("DROP TABLE IF EXISTS _kin_patients")
