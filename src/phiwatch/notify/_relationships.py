"""Which care relationship explains an access: the minimal rule notify needs.

The monitor's own explanation API (part 2) was not there when notify was
built, so this module holds the smallest rule that lets a patient read why
someone opened their chart. An access by user U to patient P on day D is
explained, strongest first, when:

1. U is named in one of P's encounters, appointments or care teams that is
   open on D (one day of slack either side);
2. U works in the department of such an encounter (colleagues cover);
3. U works in registration, billing or pharmacy and P had an encounter
   within a week before D (the back office follows every visit).

The rule runs as DuckDB SQL over the events of interest, with the roster in
force (workforce and care relationships) registered as Arrow tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb
import pyarrow as pa
from sqlalchemy import func, select

from phiwatch.store import Store
from phiwatch.store.models.monitor import CareRelationship, Person, WorkforceMember

BACK_OFFICE_ROLES = ("registration", "billing", "pharmacist")
BACK_OFFICE_DAYS = 7


def _newest(session: object, column: object) -> int | None:
    return session.scalar(select(func.max(column)))  # type: ignore[attr-defined, no-any-return]


def load_roster(store: Store, connection: duckdb.DuckDBPyConnection) -> None:
    """Register ``staff`` and ``care`` (the versions in force) on ``connection``."""
    with store.reader() as session:
        staff_version = _newest(session, WorkforceMember.version_id)
        staff_rows: list[tuple[str, str | None, str | None, str | None, str | None]] = []
        if staff_version is not None:
            # Names in a second query, merged here: SQLite would otherwise walk every person
            # of the version for each staff member (it picks the version index for the join).
            names = {
                pseudonym: (given, family)
                for pseudonym, given, family in session.execute(
                    select(Person.pseudonym, Person.given, Person.family).where(
                        Person.version_id == staff_version, Person.kind == "workforce"
                    )
                )
            }
            for pseudonym, role, department in session.execute(
                select(
                    WorkforceMember.pseudonym, WorkforceMember.role, WorkforceMember.department
                ).where(WorkforceMember.version_id == staff_version)
            ):
                given, family = names.get(pseudonym, (None, None))
                staff_rows.append((pseudonym, role, department, given, family))
        care_version = _newest(session, CareRelationship.version_id)
        care_rows: Sequence[tuple[str, str | None, str, str | None, date | None, date | None]] = []
        if care_version is not None:
            care_rows = session.execute(
                select(
                    CareRelationship.patient_pseudonym,
                    CareRelationship.user_pseudonym,
                    CareRelationship.kind,
                    CareRelationship.department,
                    CareRelationship.start,
                    CareRelationship.end,
                ).where(CareRelationship.version_id == care_version)
            ).all()
    staff = pa.table(
        {
            "pseudonym": pa.array([r[0] for r in staff_rows], pa.string()),
            "role": pa.array([r[1] for r in staff_rows], pa.string()),
            "department": pa.array([r[2] for r in staff_rows], pa.string()),
            "given": pa.array([r[3] for r in staff_rows], pa.string()),
            "family": pa.array([r[4] for r in staff_rows], pa.string()),
        }
    )
    care = pa.table(
        {
            "patient_pseudonym": pa.array([r[0] for r in care_rows], pa.string()),
            "user_pseudonym": pa.array([r[1] for r in care_rows], pa.string()),
            "kind": pa.array([r[2] for r in care_rows], pa.string()),
            "department": pa.array([r[3] for r in care_rows], pa.string()),
            "start": pa.array([r[4] for r in care_rows], pa.date32()),
            "end": pa.array([r[5] for r in care_rows], pa.date32()),
        }
    )
    # Deduplicate staff on pseudonym: one row per account.
    connection.register("_staff_arrow", staff)
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE staff AS SELECT pseudonym, any_value(role) AS role, "
        "any_value(department) AS department, any_value(given) AS given, "
        "any_value(family) AS family FROM _staff_arrow GROUP BY pseudonym"
    )
    connection.register("_care_arrow", care)
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE care AS SELECT patient_pseudonym, user_pseudonym, kind, "
        "department, coalesce(start, DATE '1900-01-01') AS start_day, "
        "coalesce(\"end\", DATE '9999-12-31') AS end_day, start AS shown_day FROM _care_arrow"
    )


EXPLAINED_SQL = f"""
SELECT ev.event_id, ev.patient_index,
       arg_min(c.kind, m.strength) AS care_kind,
       arg_min(c.department, m.strength) AS care_department,
       arg_min(c.shown_day, m.strength) AS care_day,
       min(m.strength) AS strength
FROM {{events}} ev
JOIN care c ON c.patient_pseudonym = ev.patient_pseudonym
LEFT JOIN staff w ON w.pseudonym = ev.user_pseudonym
CROSS JOIN LATERAL (SELECT CASE
    WHEN c.user_pseudonym = ev.user_pseudonym
         AND ev.day BETWEEN c.start_day - 1 AND c.end_day + 1 THEN 1
    WHEN w.department IS NOT NULL AND w.department = c.department
         AND ev.day BETWEEN c.start_day - 1 AND c.end_day + 1 THEN 2
    WHEN w.role IN {BACK_OFFICE_ROLES!r} AND c.kind <> 'careteam'
         AND ev.day BETWEEN c.start_day - 1 AND c.end_day + {BACK_OFFICE_DAYS} THEN 3
    END AS strength) m
WHERE m.strength IS NOT NULL
GROUP BY ev.event_id, ev.patient_index
"""  # noqa: S608 (constants only)


def explained_sql(events_relation: str) -> str:
    """SQL giving, per (event_id, patient_index) of ``events_relation``, its best explanation."""
    return EXPLAINED_SQL.replace("{events}", events_relation)
