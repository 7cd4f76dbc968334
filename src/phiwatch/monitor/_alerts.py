"""Alerts: what a detector found, its evidence, and a sentence a privacy officer can read.

A detector row becomes a :class:`Finding`; :func:`store_findings` turns
findings into ``monitor_alert`` rows (one per detector, user and group key,
so re-detecting a day updates instead of duplicating) and files each into
the user's case. Sentences are stored with ``{user}`` and ``{patient}``
placeholders and filled with names or short pseudonyms when shown, so the
alert table itself holds no names.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from phiwatch.errors import InputError, NotFoundError
from phiwatch.monitor._cases import case_for
from phiwatch.monitor._detector_file import Detector
from phiwatch.monitor._names import resolve_names, short_pseudonym
from phiwatch.store import Store
from phiwatch.store.models.monitor import Alert

EVIDENCE_LIMIT = 1000  # event ids and patients kept per alert (counts are kept in full)
LEVELS = ("informational", "low", "medium", "high", "critical")


@dataclass
class Finding:
    """One row of a detector's query."""

    detector: Detector
    user_pseudonym: str
    group_key: str
    start: datetime
    end: datetime
    event_ids: list[str]
    patients: list[str]
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        text = f"{self.detector.id}|{self.user_pseudonym}|{self.group_key}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fact_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(_fact_text(v) for v in value[:5])
    return "unknown" if value is None else str(value)


class _Facts(dict[str, str]):
    """Fills a template; ``{user}`` and ``{patient}`` stay for display time."""

    def __missing__(self, key: str) -> str:
        if key in ("user", "patient"):
            return "{" + key + "}"
        raise KeyError(key)


def fill(template: str, finding: Finding) -> str:
    values = _Facts({k: _fact_text(v) for k, v in finding.facts.items()})
    values.update(
        start=_fact_text(finding.start),
        end=_fact_text(finding.end),
        day=finding.start.date().isoformat(),
        patient_count=_fact_text(len(finding.patients)),
        event_count=_fact_text(len(finding.event_ids)),
    )
    for name in ("patient_count", "event_count"):
        if name in finding.facts:
            values[name] = _fact_text(finding.facts[name])
    try:
        return template.format_map(values)
    except (KeyError, ValueError, IndexError) as error:
        raise InputError(
            f"sentence uses {error}, which the query does not return",
            file=finding.detector.path,
            column="rule.sentence",
        ) from None


def _merged(old: list[str], new: list[str]) -> list[str]:
    return sorted(set(old) | set(new))[:EVIDENCE_LIMIT]


def store_findings(session: Session, findings: list[Finding], run_id: int | None) -> int:
    """Insert or update one alert per finding and file it into a case; returns new alerts."""
    added = 0
    for finding in findings:
        meta = finding.detector.metadata
        existing = session.scalars(select(Alert).where(Alert.key == finding.key)).first()
        events = sorted(set(finding.event_ids))
        patients = sorted({p for p in finding.patients if p})
        evidence: dict[str, Any] = {
            "event_ids": events[:EVIDENCE_LIMIT],
            "events": len(events),
            "patients": patients[:EVIDENCE_LIMIT],
            "patient_total": len(patients),
            "broken": fill(finding.detector.rule.broken, finding),
            "facts": {k: _fact_text(v) for k, v in finding.facts.items()},
        }
        sentence = fill(finding.detector.rule.sentence, finding)
        if existing is not None:
            old = json.loads(existing.evidence)
            evidence["event_ids"] = _merged(old.get("event_ids", []), evidence["event_ids"])
            evidence["patients"] = _merged(old.get("patients", []), evidence["patients"])
            existing.start = min(existing.start, finding.start)
            existing.end = max(existing.end, finding.end)
            existing.sentence = sentence
            existing.evidence = json.dumps(evidence)
            continue
        case = case_for(session, finding.user_pseudonym, meta.risk_score)
        session.add(
            Alert(
                key=finding.key,
                detector_id=meta.id,
                title=meta.title,
                level=meta.level,
                score=meta.risk_score,
                user_pseudonym=finding.user_pseudonym,
                start=finding.start,
                end=finding.end,
                sentence=sentence,
                evidence=json.dumps(evidence),
                case_id=case.id,
                run_id=run_id,
            )
        )
        added += 1
    return added


def _show(template: str, user: str, patient: str) -> str:
    return template.replace("{user}", user).replace("{patient}", patient)


def alert_record(alert: Alert, names: dict[str, str]) -> dict[str, Any]:
    """The documented shape of an alert (``phiwatch monitor alerts -f json``)."""
    evidence = json.loads(alert.evidence)
    patients: list[str] = evidence.get("patients", [])
    user = names.get(alert.user_pseudonym, short_pseudonym(alert.user_pseudonym))
    first = patients[0] if patients else None
    patient = names.get(first, short_pseudonym(first)) if first else "a patient"
    return {
        "id": alert.id,
        "detector": alert.detector_id,
        "title": alert.title,
        "level": alert.level,
        "score": alert.score,
        "user": user,
        "user_pseudonym": alert.user_pseudonym,
        "patients": [names.get(p, short_pseudonym(p)) for p in patients],
        "patient_pseudonyms": patients,
        "start": alert.start,
        "end": alert.end,
        "explanation": _show(alert.sentence, user, patient),
        "broken": _show(evidence.get("broken", ""), user, patient),
        "evidence": evidence.get("event_ids", []),
        "events": evidence.get("events", 0),
        "case": alert.case_id,
        "run": alert.run_id,
    }


def list_alerts(
    store: Store,
    *,
    detector: str | None = None,
    level: str | None = None,
    user_pseudonym: str | None = None,
    limit: int = 100,
    names: bool = False,
) -> list[dict[str, Any]]:
    """Alerts, newest evidence first, optionally of one detector (id), level or user."""
    if level is not None and level not in LEVELS:
        raise InputError(f"--level expects one of {', '.join(LEVELS)}, not {level!r}")
    with store.reader() as session:
        query = select(Alert).order_by(Alert.start.desc(), Alert.id.desc()).limit(limit)
        if detector is not None:
            query = query.where(Alert.detector_id == detector)
        if level is not None:
            query = query.where(Alert.level == level)
        if user_pseudonym is not None:
            query = query.where(Alert.user_pseudonym == user_pseudonym)
        alerts = list(session.scalars(query))
        shown: dict[str, str] = {}
        if names:
            people: list[str] = []
            for alert in alerts:
                people.append(alert.user_pseudonym)
                people.extend(json.loads(alert.evidence).get("patients", [])[:20])
            shown = resolve_names(store, people)
        return [alert_record(a, shown) for a in alerts]


def get_alert(store: Store, alert_id: int, *, names: bool = False) -> dict[str, Any]:
    """One alert with all its stored evidence."""
    with store.reader() as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise NotFoundError(f"no alert {alert_id}")
        evidence = json.loads(alert.evidence)
        shown = (
            resolve_names(store, [alert.user_pseudonym, *evidence.get("patients", [])])
            if names
            else {}
        )
        record = alert_record(alert, shown)
        record["facts"] = evidence.get("facts", {})
        return record
