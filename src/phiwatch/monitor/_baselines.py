"""Per-user baselines kept in the store, so a new day is compared without rescanning history.

Two tables hold what the lake already showed:

* ``monitor_baseline_day``: per user and day, events, distinct patients and
  distinct *unexplained* patients (bulk access, slow serial snooping);
* ``monitor_baseline_seen``: per user, each network address, workstation
  and hour of day they used, and the first day they did (new device,
  unusual hours); a run inserts only values never seen before.

A run loads these, adds the days it looks at (``daily`` and ``seen`` tables
on the DuckDB connection, history and window together, the window's days
replacing any stored copy), and writes the window back after detection.
Peer-group baselines are computed from ``daily`` joined to the roster.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import duckdb
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from phiwatch.monitor._duck_tables import table_from_rows
from phiwatch.store import Store
from phiwatch.store.models.monitor import BaselineDay, BaselineSeen

HISTORY_DAYS = 60  # how far back ``daily`` reaches; seen values are kept for good
_CHUNK = 900


def attach_baselines(
    connection: duckdb.DuckDBPyConnection, store: Store, window_days: Sequence[date]
) -> None:
    """Create ``daily``, ``seen`` and ``user_first``: stored history plus the ``access`` table."""
    oldest = min(window_days) - timedelta(days=HISTORY_DAYS) if window_days else date.min
    with store.reader() as session:
        history_daily = session.execute(
            select(
                BaselineDay.user_pseudonym,
                BaselineDay.day,
                BaselineDay.events,
                BaselineDay.patients,
                BaselineDay.unexplained,
            ).where(BaselineDay.day >= oldest)
        ).all()
        history_seen = session.execute(
            select(
                BaselineSeen.user_pseudonym,
                BaselineSeen.kind,
                BaselineSeen.value,
                BaselineSeen.first_day,
            )
        ).all()
    text, day, number = pa.string(), pa.date32(), pa.int64()
    table_from_rows(
        connection,
        "history_daily",
        {
            "user_pseudonym": text,
            "day": day,
            "events": number,
            "patients": number,
            "unexplained": number,
        },
        [tuple(r) for r in history_daily],
    )
    table_from_rows(
        connection,
        "history_seen",
        {"user_pseudonym": text, "kind": text, "value": text, "first_day": day},
        [tuple(r) for r in history_seen],
    )
    connection.execute(
        """
        CREATE OR REPLACE TABLE window_daily AS
        SELECT user_pseudonym, day, count(*) AS events,
               count(DISTINCT patient_pseudonym) AS patients,
               count(DISTINCT CASE WHEN reason IS NULL THEN patient_pseudonym END) AS unexplained
        FROM access GROUP BY user_pseudonym, day;
        CREATE OR REPLACE TABLE daily AS
        SELECT * FROM history_daily WHERE day NOT IN (SELECT DISTINCT day FROM window_daily)
        UNION ALL SELECT * FROM window_daily;
        CREATE OR REPLACE TABLE window_seen_days AS
        SELECT DISTINCT user_pseudonym, 'address' AS kind, network_address AS value, day
        FROM access WHERE network_address IS NOT NULL
        UNION SELECT DISTINCT user_pseudonym, 'workstation', workstation, day
        FROM access WHERE workstation IS NOT NULL
        UNION SELECT DISTINCT user_pseudonym, 'hour', lpad(CAST(hour AS VARCHAR), 2, '0'), day
        FROM access;
        CREATE OR REPLACE TABLE seen AS
        WITH w AS (
            SELECT user_pseudonym, kind, value, min(day) AS first_day
            FROM window_seen_days GROUP BY user_pseudonym, kind, value
        )
        SELECT coalesce(h.user_pseudonym, w.user_pseudonym) AS user_pseudonym,
               coalesce(h.kind, w.kind) AS kind, coalesce(h.value, w.value) AS value,
               least(coalesce(h.first_day, w.first_day), coalesce(w.first_day, h.first_day))
                   AS first_day,
               h.user_pseudonym IS NULL AS is_new,
               h.first_day IS NOT NULL AND w.first_day < h.first_day AS moved_earlier
        FROM history_seen h FULL OUTER JOIN w USING (user_pseudonym, kind, value);
        CREATE OR REPLACE TABLE user_first AS
        SELECT user_pseudonym, min(first_day) AS first_day FROM seen GROUP BY user_pseudonym;
        """
    )


def _chunks(values: Sequence[str]) -> list[Sequence[str]]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def save_baselines(session: Session, connection: duckdb.DuckDBPyConnection) -> None:
    """Write the window's days and the changed seen values back to the store."""
    window_days = [
        r[0] for r in connection.execute("SELECT DISTINCT day FROM window_daily").fetchall()
    ]
    for chunk_days in [window_days[i : i + _CHUNK] for i in range(0, len(window_days), _CHUNK)]:
        session.execute(delete(BaselineDay).where(BaselineDay.day.in_(chunk_days)))
    daily = connection.execute(
        "SELECT user_pseudonym, day, events, patients, unexplained FROM window_daily"
    ).fetchall()
    keys = ("user_pseudonym", "day", "events", "patients", "unexplained")
    if daily:
        session.execute(insert(BaselineDay), [dict(zip(keys, r, strict=True)) for r in daily])
    new = connection.execute(
        "SELECT user_pseudonym, kind, value, first_day FROM seen WHERE is_new"
    ).fetchall()
    seen_keys = ("user_pseudonym", "kind", "value", "first_day")
    if new:
        session.execute(insert(BaselineSeen), [dict(zip(seen_keys, r, strict=True)) for r in new])
    # a re-run over older days can move a first day earlier (late events)
    for user, kind, value, first in connection.execute(
        "SELECT user_pseudonym, kind, value, first_day FROM seen WHERE moved_earlier"
    ).fetchall():
        session.execute(
            update(BaselineSeen)
            .where(
                BaselineSeen.user_pseudonym == user,
                BaselineSeen.kind == kind,
                BaselineSeen.value == value,
            )
            .values(first_day=first)
        )
