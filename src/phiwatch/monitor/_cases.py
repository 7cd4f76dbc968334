"""Cases: the alerts on one user, reviewed together (new, reviewing, false positive, confirmed).

A detection adds an alert to the user's open case (``new`` or
``reviewing``) or opens a new one, so slow serial snooping over weeks and a
burst of related alerts read as one story. A ``confirmed`` case is what
breach response takes over; a closed case is never reopened by new alerts:
they start a new case.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from phiwatch.errors import InputError, NotFoundError
from phiwatch.monitor._names import resolve_names, short_pseudonym
from phiwatch.monitor._vocab import OPEN_STATUSES, STATUSES
from phiwatch.store import Store
from phiwatch.store.models.monitor import Alert, Case, CaseNote


def case_for(session: Session, user_pseudonym: str, score: int) -> Case:
    """The user's open case (raising its score if needed), or a new one."""
    case = session.scalars(
        select(Case)
        .where(Case.user_pseudonym == user_pseudonym, Case.status.in_(OPEN_STATUSES))
        .order_by(Case.id.desc())
        .limit(1)
    ).first()
    if case is None:
        case = Case(user_pseudonym=user_pseudonym, status="new", score=score)
        session.add(case)
        session.flush()
    elif score > case.score:
        case.score = score
    case.updated_at = datetime.now(UTC)
    return case


def _case_row(case: Case, alerts: int, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": case.id,
        "status": case.status,
        "score": case.score,
        "user": names.get(case.user_pseudonym, short_pseudonym(case.user_pseudonym)),
        "user_pseudonym": case.user_pseudonym,
        "alerts": alerts,
        "opened": case.opened_at,
        "updated": case.updated_at,
    }


def list_cases(
    store: Store, *, status: str | None = None, limit: int = 100, names: bool = False
) -> list[dict[str, Any]]:
    """Cases, highest score first, with how many alerts each holds."""
    if status is not None and status not in STATUSES:
        raise InputError(f"--status expects one of {', '.join(STATUSES)}, not {status!r}")
    with store.reader() as session:
        query = (
            select(Case, func.count(Alert.id))
            .outerjoin(Alert, Alert.case_id == Case.id)
            .group_by(Case.id)
            .order_by(Case.score.desc(), Case.id)
            .limit(limit)
        )
        if status is not None:
            query = query.where(Case.status == status)
        rows = session.execute(query).all()
        shown = resolve_names(store, [c.user_pseudonym for c, _ in rows]) if names else {}
        return [_case_row(case, count, shown) for case, count in rows]


def get_case(store: Store, case_id: int, *, names: bool = False) -> dict[str, Any]:
    """One case with its alerts (oldest first) and notes."""
    from phiwatch.monitor._alerts import alert_record

    with store.reader() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFoundError(f"no case {case_id}")
        alerts = list(
            session.scalars(select(Alert).where(Alert.case_id == case_id).order_by(Alert.start))
        )
        notes = list(
            session.scalars(
                select(CaseNote).where(CaseNote.case_id == case_id).order_by(CaseNote.id)
            )
        )
        people = [case.user_pseudonym]
        for alert in alerts:
            people.extend(json.loads(alert.evidence).get("patients", [])[:20])
        shown = resolve_names(store, people) if names else {}
        record = _case_row(case, len(alerts), shown)
        record["alert_list"] = [alert_record(a, shown) for a in alerts]
        record["notes"] = [
            {"written": n.written_at, "author": n.author, "status": n.status, "text": n.text}
            for n in notes
        ]
        return record


def update_case(
    store: Store,
    case_id: int,
    *,
    status: str | None = None,
    note: str | None = None,
    by: str | None = None,
) -> dict[str, Any]:
    """Set a case's status and/or add a note; both are recorded as one note, signed ``by``."""
    if status is None and not note:
        raise InputError("give --status or --note (or both)")
    if status is not None and status not in STATUSES:
        raise InputError(f"--status expects one of {', '.join(STATUSES)}, not {status!r}")
    with store.transaction() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFoundError(f"no case {case_id}")
        if status is not None:
            case.status = status
        case.updated_at = datetime.now(UTC)
        session.add(CaseNote(case_id=case_id, author=by, status=status, text=note or ""))
    return get_case(store, case_id)
