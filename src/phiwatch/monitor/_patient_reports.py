"""A patient's "that wasn't me", filed as an alert in the review queue.

Patient alerts (``phiwatch.notify``) let a patient report an access they do
not recognise. Each report becomes one alert per staff member it names,
filed into that user's open case like any detector's alert, so the privacy
officer sees it beside the detections about the same person. The patient's
own words stay where notify keeps them, encrypted; the alert points at the
report instead of copying them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from phiwatch.monitor._cases import case_for
from phiwatch.store.models.monitor import Alert

DETECTOR_ID = "patient-report"
TITLE = "Patient does not recognise an access"
LEVEL = "high"
RISK_SCORE = 73


def record_patient_report(
    session: Session,
    *,
    report_ref: str,
    patient_pseudonym: str,
    user_pseudonyms: Sequence[str],
    event_ids: Sequence[str],
    reported_at: datetime | None = None,
) -> list[int]:
    """File the report as one alert per named user; returns the case ids (one per user).

    Runs in the caller's transaction, so the report and its alerts land together.
    Filing the same report again changes nothing.
    """
    when = (reported_at or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    events = sorted(set(event_ids))
    case_ids: list[int] = []
    for user in sorted(set(user_pseudonyms)):
        key = hashlib.sha256(f"{DETECTOR_ID}|{report_ref}|{user}".encode()).hexdigest()
        existing = session.scalars(select(Alert).where(Alert.key == key)).first()
        if existing is not None:
            if existing.case_id is not None:
                case_ids.append(existing.case_id)
            continue
        case = case_for(session, user, RISK_SCORE)
        evidence = {
            "event_ids": events,
            "events": len(events),
            "patients": [patient_pseudonym],
            "patient_total": 1,
            "broken": "the patient says they do not recognise these accesses",
            "facts": {"report": report_ref},
        }
        session.add(
            Alert(
                key=key,
                detector_id=DETECTOR_ID,
                title=TITLE,
                level=LEVEL,
                score=RISK_SCORE,
                user_pseudonym=user,
                start=when,
                end=when,
                sentence=(
                    f"The patient reported {len(events)} access(es) by this user that they do "
                    f"not recognise ({report_ref}); their words are kept with the report."
                ),
                evidence=json.dumps(evidence),
                case_id=case.id,
            )
        )
        case_ids.append(case.id)
    session.flush()
    return case_ids
