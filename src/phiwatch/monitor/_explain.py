"""Explanation-based auditing: give each access the reason the context offers for it.

Most accesses have an obvious reason (Fabbri & LeFevre, "Explanation-Based
Auditing"): the user treats the patient, covers for a colleague of the same
department while the patient is there, registers or bills the visit,
dispenses for the stay, or broke the glass in an emergency. Each access is
given the first reason that applies, in this order; what stays unexplained
(``reason IS NULL``) is what most detectors look at.

The work is one SQL statement over the ``events`` view and the context
tables (``workforce``, ``care``), written in DuckDB's dialect.
"""

from __future__ import annotations

from typing import Any

from phiwatch.config import Settings
from phiwatch.monitor._detect_config import ExplainRules
from phiwatch.monitor._detect_context import attach_context
from phiwatch.monitor._lake import Lake
from phiwatch.monitor._pseudonym import pseudonym_key, pseudonymise
from phiwatch.monitor._schema import sql_text
from phiwatch.store import Store

# (rank, reason) in the order they are tried; the text is what a privacy officer reads.
REASONS: tuple[tuple[int, str], ...] = (
    (1, "care relationship"),
    (2, "same-department coverage"),
    (3, "registration for a visit"),
    (4, "billing for a visit"),
    (5, "pharmacy for a stay"),
    (6, "break-the-glass during a visit"),
)


def _roles(values: list[str]) -> str:
    quoted = ", ".join(sql_text(v.lower()) for v in values)
    return f"({quoted or 'NULL'})"


def explain_sql(rules: ExplainRules, source: str = "events") -> str:
    """SQL creating table ``access``: every row of ``source`` with the user's role and a reason."""
    reg, bill, pharm = (
        _roles(rules.registration_roles),
        _roles(rules.billing_roles),
        _roles(rules.pharmacy_roles),
    )
    before, after = rules.registration_days_before, rules.billing_days_after
    return f"""
    CREATE OR REPLACE TABLE access AS
    WITH e AS (
        SELECT s.*, lower(w.role) AS user_role, w.department AS user_department,
               w.end_date AS user_end_date, w.active AS user_active,
               w.patient_pseudonym AS user_patient, w.pseudonym IS NOT NULL AS user_known
        FROM {source} s LEFT JOIN workforce w ON w.pseudonym = s.user_pseudonym
    ), c AS (
        SELECT kind, patient_pseudonym, user_pseudonym, department,
               coalesce(start, "end") AS first_day, coalesce("end", start) AS last_day
        FROM care
    ), reasons AS (
        SELECT e.event_id, e.patient_index, 1 AS rank, 'care relationship (' || c.kind || ')'
               AS reason
        FROM e JOIN c ON c.user_pseudonym = e.user_pseudonym
                     AND c.patient_pseudonym = e.patient_pseudonym
        WHERE e.day BETWEEN c.first_day - INTERVAL 1 DAY AND c.last_day + INTERVAL 1 DAY
        UNION ALL
        SELECT e.event_id, e.patient_index, 2, 'same-department coverage'
        FROM e JOIN c ON c.patient_pseudonym = e.patient_pseudonym
                     AND c.department = e.user_department
        WHERE e.day BETWEEN c.first_day AND c.last_day + INTERVAL 1 DAY
        UNION ALL
        SELECT e.event_id, e.patient_index, 3, 'registration for a visit'
        FROM e JOIN c ON c.patient_pseudonym = e.patient_pseudonym
        WHERE e.user_role IN {reg}
          AND e.day BETWEEN c.first_day - INTERVAL {before} DAY AND c.last_day + INTERVAL 1 DAY
        UNION ALL
        SELECT e.event_id, e.patient_index, 4, 'billing for a visit'
        FROM e JOIN c ON c.patient_pseudonym = e.patient_pseudonym
        WHERE e.user_role IN {bill}
          AND e.day BETWEEN c.first_day AND c.last_day + INTERVAL {after} DAY
        UNION ALL
        SELECT e.event_id, e.patient_index, 5, 'pharmacy for a stay'
        FROM e JOIN c ON c.patient_pseudonym = e.patient_pseudonym
        WHERE e.user_role IN {pharm}
          AND e.day BETWEEN c.first_day AND c.last_day + INTERVAL 1 DAY
        UNION ALL
        SELECT e.event_id, e.patient_index, 6, 'break-the-glass during a visit'
        FROM e JOIN c ON c.patient_pseudonym = e.patient_pseudonym
        WHERE replace(replace(lower(e.subtype), '-', ' '), '_', ' ') LIKE '%break%glass%'
          AND e.day BETWEEN c.first_day - INTERVAL 1 DAY AND c.last_day + INTERVAL 1 DAY
    ), best AS (
        SELECT event_id, patient_index, arg_min(reason, rank) AS reason
        FROM reasons GROUP BY event_id, patient_index
    )
    SELECT e.*, CASE WHEN e.patient_pseudonym IS NULL THEN NULL ELSE best.reason END AS reason,
           hour(e.recorded) AS hour
    FROM e LEFT JOIN best ON best.event_id = e.event_id AND best.patient_index = e.patient_index
    """  # noqa: S608


_RANKED_REASONS = {  # lower rank wins, in the order of REASONS
    1: "care relationship (encounter)",
    2: "care relationship (appointment)",
    3: "care relationship (careteam)",
    4: "care relationship",
    5: "same-department coverage",
    6: "registration for a visit",
    7: "billing for a visit",
    8: "pharmacy for a stay",
    9: "break-the-glass during a visit",
}


def explain_statements(rules: ExplainRules, source: str = "events") -> list[str]:
    """The same explanation as :func:`explain_sql`, staged for DuckDB on large windows.

    The reason depends only on (user, patient, day, break-the-glass or not),
    so reasons are found once per distinct key (several times fewer than
    events: a chart session is a burst) and joined back to the events. The single
    statement of :func:`explain_sql` is the portable form (Spark); a test
    checks both give the same alerts.
    """
    reg, bill, pharm = (
        _roles(rules.registration_roles),
        _roles(rules.billing_roles),
        _roles(rules.pharmacy_roles),
    )
    before, after = rules.registration_days_before, rules.billing_days_after
    kinds = (
        "CASE c.kind WHEN 'encounter' THEN 1 WHEN 'appointment' THEN 2 "
        "WHEN 'careteam' THEN 3 ELSE 4 END"
    )
    names = " ".join(f"WHEN {rank} THEN '{text}'" for rank, text in _RANKED_REASONS.items())
    # identifiers and numbers below come from settings and code, never from data
    glass = "replace(replace(lower(s.subtype), '-', ' '), '_', ' ') LIKE '%break%glass%'"
    return [
        f"""
        CREATE OR REPLACE TEMP TABLE explain_keys AS
        SELECT k.*, lower(w.role) AS user_role, w.department AS user_department
        FROM (SELECT DISTINCT s.user_pseudonym, s.patient_pseudonym, s.day, {glass} AS glass
              FROM {source} s WHERE s.patient_pseudonym IS NOT NULL) k
        LEFT JOIN workforce w ON w.pseudonym = k.user_pseudonym
        """,  # noqa: S608
        """
        CREATE OR REPLACE TEMP TABLE explain_care AS
        SELECT kind, patient_pseudonym, user_pseudonym, department,
               coalesce(start, "end") AS first_day, coalesce("end", start) AS last_day
        FROM care
        """,
        f"""
        CREATE OR REPLACE TEMP TABLE explain_best AS
        WITH e AS (SELECT rowid AS rid, * FROM explain_keys),
        c AS (SELECT * FROM explain_care),
        ranked AS (
            SELECT rid, min(rank) AS rank FROM (
                SELECT e.rid, {kinds} AS rank
                FROM e JOIN c ON c.user_pseudonym = e.user_pseudonym
                             AND c.patient_pseudonym = e.patient_pseudonym
                WHERE e.day BETWEEN c.first_day - INTERVAL 1 DAY AND c.last_day + INTERVAL 1 DAY
                UNION ALL
                SELECT e.rid, 5 FROM e JOIN c ON c.patient_pseudonym = e.patient_pseudonym
                                             AND c.department = e.user_department
                WHERE e.day BETWEEN c.first_day AND c.last_day + INTERVAL 1 DAY
                UNION ALL
                SELECT e.rid, 6 FROM e JOIN c ON c.patient_pseudonym = e.patient_pseudonym
                WHERE e.user_role IN {reg}
                  AND e.day BETWEEN c.first_day - INTERVAL {before} DAY
                                AND c.last_day + INTERVAL 1 DAY
                UNION ALL
                SELECT e.rid, 7 FROM e JOIN c ON c.patient_pseudonym = e.patient_pseudonym
                WHERE e.user_role IN {bill}
                  AND e.day BETWEEN c.first_day AND c.last_day + INTERVAL {after} DAY
                UNION ALL
                SELECT e.rid, 8 FROM e JOIN c ON c.patient_pseudonym = e.patient_pseudonym
                WHERE e.user_role IN {pharm}
                  AND e.day BETWEEN c.first_day AND c.last_day + INTERVAL 1 DAY
                UNION ALL
                SELECT e.rid, 9 FROM e JOIN c ON c.patient_pseudonym = e.patient_pseudonym
                WHERE e.glass
                  AND e.day BETWEEN c.first_day - INTERVAL 1 DAY AND c.last_day + INTERVAL 1 DAY
            ) GROUP BY rid
        )
        SELECT e.user_pseudonym, e.patient_pseudonym, e.day, e.glass, r.rank
        FROM e JOIN ranked r ON r.rid = e.rid
        """,  # noqa: S608
        f"""
        CREATE OR REPLACE TABLE access AS
        SELECT s.*, lower(w.role) AS user_role, w.department AS user_department,
               w.end_date AS user_end_date, w.active AS user_active,
               w.patient_pseudonym AS user_patient, w.pseudonym IS NOT NULL AS user_known,
               CASE b.rank {names} END AS reason, hour(s.recorded) AS hour
        FROM {source} s
        LEFT JOIN workforce w ON w.pseudonym = s.user_pseudonym
        LEFT JOIN explain_best b ON b.user_pseudonym = s.user_pseudonym
              AND b.patient_pseudonym = s.patient_pseudonym AND b.day = s.day
              AND b.glass = ({glass})
        """,  # noqa: S608
        "DROP TABLE explain_keys; DROP TABLE explain_care; DROP TABLE explain_best",
    ]


def explain(connection: Any, rules: ExplainRules, source: str = "events") -> None:
    """Create table ``access`` on a DuckDB connection (see :func:`explain_statements`)."""
    for statement in explain_statements(rules, source):
        connection.execute(statement)


def explain_access(
    settings: Settings,
    store: Store,
    *,
    user: str,
    patient: str,
    rules: ExplainRules | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Every access of ``user`` to ``patient`` (clear identifiers) with the reason found for it.

    The identifiers are turned into pseudonyms here and never leave this
    function; the rows returned hold times, actions and reasons.
    """
    key = pseudonym_key(settings)
    user_p, patient_p = pseudonymise(key, user), pseudonymise(key, patient)
    connection = Lake.of(settings).connect()
    try:
        connection.execute(
            "CREATE TABLE pair_events AS SELECT * FROM events "
            "WHERE user_pseudonym = ? AND patient_pseudonym = ?",
            [user_p, patient_p],
        )
        span = connection.execute("SELECT min(day), max(day) FROM pair_events").fetchall()[0]
        if span[0] is None:
            return []
        attach_context(connection, store, first_day=span[0], last_day=span[1])
        explain(connection, rules or ExplainRules(), source="pair_events")
        rows = connection.execute(
            "SELECT recorded, action, subtype, network_address, workstation, reason "
            "FROM access ORDER BY recorded LIMIT ?",
            [limit],
        ).fetchall()
    finally:
        connection.close()
    return [
        {
            "time": r[0],
            "action": r[1],
            "subtype": r[2],
            "address": r[3],
            "workstation": r[4],
            "reason": r[5] or "unexplained",
        }
        for r in rows
    ]
