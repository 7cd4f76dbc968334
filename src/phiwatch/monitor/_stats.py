"""What is in the lake, and how much of it the context explains (``phiwatch monitor stats``).

Users and patients seen in the lake but absent from the context in force are
counted, not dropped: an unknown account is itself worth a look.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
from sqlalchemy import func, select

from phiwatch.config import Settings
from phiwatch.errors import InputError
from phiwatch.monitor._lake import Lake
from phiwatch.monitor._vocab import BREAKDOWNS
from phiwatch.store import Store
from phiwatch.store.models.monitor import Patient, WorkforceMember

# The SQL of each breakdown, in the order of BREAKDOWNS (a test holds the two together).
BREAKDOWN_SQL = {
    "day": "CAST(day AS VARCHAR)",
    "action": "action",
    "user": "user_pseudonym",
    "subtype": "subtype",
    "source": "source_format",
}


def _latest(store: Store, model: type[Patient] | type[WorkforceMember]) -> list[str]:
    """Pseudonyms of the newest context version that has rows of ``model``."""
    with store.reader() as session:
        version = session.scalar(select(func.max(model.version_id)))
        if version is None:
            return []
        return list(
            session.scalars(select(model.pseudonym).where(model.version_id == version).distinct())
        )


def lake_stats(
    settings: Settings, store: Store | None = None, *, by: str | None = None, limit: int = 50
) -> dict[str, Any]:
    """Totals, context coverage and (with ``by``) counts per day, action, user, ..."""
    lake = Lake.of(settings)
    connection = lake.connect()
    try:
        row = connection.execute(
            "SELECT count(*), count(DISTINCT event_id), min(day), max(day), "
            "count(DISTINCT user_pseudonym), count(DISTINCT patient_pseudonym) FROM events"
        ).fetchall()[0]
        summary: dict[str, Any] = {
            "rows": row[0],
            "events": row[1],
            "first_day": row[2],
            "last_day": row[3],
            "users": row[4],
            "patients": row[5],
            "ingests": len(lake.manifests()),
        }
        if store is not None:
            summary.update(_coverage(connection, store))
        if by is not None:
            if by not in BREAKDOWN_SQL:
                raise InputError(f"--by expects one of {', '.join(BREAKDOWNS)}, not {by!r}")
            order = "1" if by == "day" else "2 DESC, 1"
            rows = connection.execute(
                f"SELECT {BREAKDOWN_SQL[by]} AS {by}, count(*) AS events, "  # noqa: S608
                f"count(DISTINCT patient_pseudonym) AS patients FROM events "
                f"GROUP BY 1 ORDER BY {order} LIMIT {int(limit)}"
            ).fetchall()
            summary["breakdown"] = [{by: r[0], "events": r[1], "patients": r[2]} for r in rows]
        return summary
    finally:
        connection.close()


def _coverage(connection: Any, store: Store) -> dict[str, Any]:
    users = _latest(store, WorkforceMember)
    patients = _latest(store, Patient)
    connection.register("known_users", pa.table({"p": pa.array(users, pa.string())}))
    connection.register("known_patients", pa.table({"p": pa.array(patients, pa.string())}))
    row = connection.execute(
        """
        SELECT
          count(DISTINCT user_pseudonym) FILTER (WHERE user_pseudonym NOT IN
              (SELECT p FROM known_users)),
          count(DISTINCT patient_pseudonym) FILTER (WHERE patient_pseudonym NOT IN
              (SELECT p FROM known_patients)),
          count(*) FILTER (WHERE user_pseudonym NOT IN (SELECT p FROM known_users)),
          count(*) FILTER (WHERE patient_pseudonym IS NOT NULL
              AND patient_pseudonym NOT IN (SELECT p FROM known_patients))
        FROM events
        """
    ).fetchall()[0]
    return {
        "context_users": len(users),
        "context_patients": len(patients),
        "unknown_users": row[0],
        "unknown_patients": row[1],
        "rows_with_unknown_user": row[2],
        "rows_with_unknown_patient": row[3],
    }
