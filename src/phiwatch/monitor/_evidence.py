"""The events behind an alert, read back from the lake, each with the reason the context gives.

An alert stores only event ids (``evidence``). The review page needs the
accesses themselves (when, what, from where, which patient) and why each
one was or was not explained, which is the explanation step run over just
those events: the same ``explain`` the detectors use, so the page shows
exactly what the detector saw. Patients stay pseudonyms here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from phiwatch.config import Settings
from phiwatch.monitor._detect_config import ExplainRules
from phiwatch.monitor._detect_context import attach_context
from phiwatch.monitor._explain import explain
from phiwatch.monitor._lake import Lake
from phiwatch.monitor._review import review_alert
from phiwatch.store import Store


def alert_events(
    settings: Settings,
    store: Store,
    alert_id: int,
    *,
    rules: ExplainRules | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The alert's evidence events, oldest first, with the reason found for each (or none)."""
    alert = review_alert(store, alert_id)
    event_ids: list[str] = alert["evidence"][: max(0, limit)]
    if not event_ids or not Lake.of(settings).manifests():
        return []
    # The evidence lies within the alert's span; the day bounds let DuckDB skip partitions.
    first_day = (alert["start"] - timedelta(days=1)).date()
    last_day = (alert["end"] + timedelta(days=1)).date()
    connection = Lake.of(settings).connect()
    try:
        connection.execute(
            "CREATE TABLE alert_events AS SELECT * FROM events "
            "WHERE day BETWEEN ? AND ? AND event_id IN (SELECT unnest(?::VARCHAR[]))",
            [first_day, last_day, event_ids],
        )
        attach_context(connection, store, first_day=first_day, last_day=last_day)
        explain(connection, rules or ExplainRules(), source="alert_events")
        rows = connection.execute(
            "SELECT event_id, recorded, action, subtype, patient_pseudonym, network_address, "
            "workstation, department, reason FROM access "
            "ORDER BY recorded, event_id, patient_index LIMIT ?",
            [limit],
        ).fetchall()
    finally:
        connection.close()
    return [
        {
            "event_id": r[0],
            "time": r[1],
            "action": r[2],
            "subtype": r[3],
            "patient_pseudonym": r[4],
            "address": r[5],
            "workstation": r[6],
            "department": r[7],
            "reason": r[8] or ("unexplained" if r[4] else "no patient"),
        }
        for r in rows
    ]
