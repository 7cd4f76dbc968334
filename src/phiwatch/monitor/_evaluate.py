"""Score stored alerts against the simulator's labelled incidents (``monitor evaluate``).

An alert *matches* an incident when it is on the incident's account and its
time span overlaps the incident's (with a little slack). Per attack kind:
recall (incidents caught by the detector meant for that kind, and by any
detector), precision of that detector (its alerts that match some
incident), time from the incident's first event to the first matching
alert's evidence, and whether the alert came from the first detection run
whose days cover the incident's start. On benign traffic: alerts that match
no incident per 1,000 users per day, and the share of benign patient
accesses the context explains. An access is an attack's when it is by the
incident's account, on one of its patients, within its span: the lake's
event ids cannot say so, since a CSV lake's ids are keyed hashes of the
export's ids, not the ids the labels name.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
from sqlalchemy import select

from phiwatch.config import Settings
from phiwatch.errors import InputError
from phiwatch.monitor._detect import connect_days
from phiwatch.monitor._detect_config import DetectionConfig, load_detection_config
from phiwatch.monitor._detect_context import attach_context
from phiwatch.monitor._explain import explain
from phiwatch.monitor._lake import Lake
from phiwatch.monitor._pseudonym import pseudonym_key, pseudonymise
from phiwatch.store import Store
from phiwatch.store.models.monitor import Alert, DetectionRun

# The detector meant to catch each kind of incident the simulator injects.
DETECTOR_FOR_KIND = {
    "bulk_exfiltration": "bulk_access",
    "vip_snooping": "vip_access",
    "coworker_snooping": "coworker_access",
    "family_snooping": "family_access",
    "neighbour_snooping": "neighbour_access",
    "self_access": "self_access",
    "compromised_credentials": "unfamiliar_device",
    "access_after_termination": "access_after_termination",
    "mass_modification": "mass_modification",
    "slow_serial_snooping": "slow_serial_snooping",
}
SLACK = timedelta(hours=1)


@dataclass
class _Incident:
    kind: str
    user: str
    start: datetime
    end: datetime
    patients: frozenset[str]  # pseudonyms, as in the lake


def _naive(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def read_labels(settings: Settings, path: Path) -> list[_Incident]:
    key = pseudonym_key(settings)
    incidents = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError("labels file not found", file=path) from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            incidents.append(
                _Incident(
                    kind=str(row["kind"]),
                    user=pseudonymise(key, str(row["user_id"])),
                    start=_naive(row["start"]),
                    end=_naive(row["end"]),
                    patients=frozenset(
                        pseudonymise(key, str(p)) for p in row.get("patient_ids", [])
                    ),
                )
            )
        except (ValueError, KeyError, TypeError):
            raise InputError(
                "expected an incident with kind, user_id, start, end", file=path, line=number
            ) from None
    return incidents


def _matches(alert: Alert, incident: _Incident) -> bool:
    return (
        alert.user_pseudonym == incident.user
        and alert.start <= incident.end + SLACK
        and alert.end >= incident.start - SLACK
    )


def _attack_accesses(incidents: list[_Incident]) -> pa.Table:
    """One row per (account, patient, span) an incident covers."""
    rows = [(i.user, p, i.start, i.end) for i in incidents for p in sorted(i.patients)]
    return pa.table(
        {
            "user_pseudonym": pa.array([r[0] for r in rows], pa.string()),
            "patient_pseudonym": pa.array([r[1] for r in rows], pa.string()),
            "start": pa.array([r[2] for r in rows], pa.timestamp("us")),
            "end": pa.array([r[3] for r in rows], pa.timestamp("us")),
        }
    )


def _explained_share(
    settings: Settings, store: Store, config: DetectionConfig, incidents: list[_Incident]
) -> tuple[float, int]:
    days = sorted(
        {
            date.fromisoformat(f.split("/", 1)[0][4:])
            for m in Lake.of(settings).manifests()
            for f in m.files
        }
    )
    if not days:
        return 0.0, 0
    connection = connect_days(settings, days)
    try:
        attach_context(connection, store, first_day=min(days), last_day=max(days))
        explain(connection, config.explain)
        connection.register("attacks", _attack_accesses(incidents))
        # All patient accesses, less the attacks' (found by a hash join on account
        # and patient): a NOT EXISTS with the time range took twice the evaluation.
        explained, total = connection.execute(
            """
            WITH attack AS (
                SELECT DISTINCT a.day, a.event_id, a.patient_index, a.reason
                FROM access a JOIN attacks k
                  ON k.user_pseudonym = a.user_pseudonym
                 AND k.patient_pseudonym = a.patient_pseudonym
                WHERE a.recorded BETWEEN k.start AND k."end"
            )
            SELECT all_.explained - attack_.explained, all_.total - attack_.total
            FROM (SELECT count(*) FILTER (WHERE reason IS NOT NULL) AS explained,
                         count(*) AS total
                  FROM access WHERE patient_pseudonym IS NOT NULL) all_,
                 (SELECT count(*) FILTER (WHERE reason IS NOT NULL) AS explained,
                         count(*) AS total FROM attack) attack_
            """
        ).fetchall()[0]
    finally:
        connection.close()
    return (explained / total if total else 0.0), int(total)


def evaluate(
    settings: Settings, store: Store, labels: Path, *, config: DetectionConfig | None = None
) -> dict[str, Any]:
    """Recall, precision and time to detect per kind, benign alert rate, explained share."""
    config = config or load_detection_config(settings)
    incidents = read_labels(settings, labels)
    names = {d.id: d.name for d in config.detectors}
    with store.reader() as session:
        alerts = list(session.scalars(select(Alert)))
        runs = list(session.scalars(select(DetectionRun).order_by(DetectionRun.id)))
    matched = {a.id for a in alerts if any(_matches(a, i) for i in incidents)}
    kinds: list[dict[str, Any]] = []
    for kind in sorted({i.kind for i in incidents}):
        mine = [i for i in incidents if i.kind == kind]
        detector = DETECTOR_FOR_KIND.get(kind)
        caught, caught_any, lags, first_run = 0, 0, [], 0
        for incident in mine:
            hits = [a for a in alerts if _matches(a, incident)]
            own = [a for a in hits if names.get(a.detector_id) == detector]
            caught_any += bool(hits)
            if not own:
                continue
            caught += 1
            first = min(own, key=lambda a: a.start)
            lags.append(max(0.0, (first.start - incident.start).total_seconds() / 60))
            covering = [
                r.id
                for r in runs
                if r.first_day and r.last_day and r.first_day <= incident.start.date() <= r.last_day
            ]
            if covering and min(a.run_id or 0 for a in own) == min(covering):
                first_run += 1
        of_detector = [a for a in alerts if names.get(a.detector_id) == detector]
        kinds.append(
            {
                "kind": kind,
                "detector": detector,
                "incidents": len(mine),
                "recall": round(caught / len(mine), 3),
                "recall_any_detector": round(caught_any / len(mine), 3),
                "precision": round(sum(a.id in matched for a in of_detector) / len(of_detector), 3)
                if of_detector
                else None,
                "minutes_to_evidence": round(statistics.median(lags), 1) if lags else None,
                "caught_in_first_run": f"{first_run}/{caught}",
            }
        )
    lake = Lake.of(settings).connect()
    try:
        users, day_count = lake.execute(
            "SELECT count(DISTINCT user_pseudonym), count(DISTINCT day) FROM events"
        ).fetchall()[0]
    finally:
        lake.close()
    benign = [a for a in alerts if a.id not in matched]
    rate = 1000 * len(benign) / (users * day_count) if users and day_count else 0.0
    share, benign_accesses = _explained_share(settings, store, config, incidents)
    by_detector: dict[str, int] = {}
    for alert in benign:
        name = names.get(alert.detector_id, alert.detector_id)
        by_detector[name] = by_detector.get(name, 0) + 1
    return {
        "kinds": kinds,
        "alerts": len(alerts),
        "alerts_matching_incidents": len(matched),
        "benign_alerts": len(benign),
        "benign_alerts_by_detector": by_detector,
        "users": users,
        "days": day_count,
        "benign_alerts_per_1000_users_per_day": round(rate, 3),
        "benign_accesses": benign_accesses,
        "benign_explained_share": round(share, 4),
    }
