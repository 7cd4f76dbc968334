"""The review queue: what a privacy officer decides about each alert, and who works on it.

Detectors file alerts into cases (``_alerts``, ``_cases``); this module is
the human side. An alert is ``open`` until someone acknowledges it
(looking into it), dismisses it with a reason (``false_positive`` or
``benign``) or escalates it (its case goes to ``reviewing``, or it joins
another open case). Each alert can be assigned to an account that may
review (``privacy_officer`` or ``reviewer``). Every decision is kept in
``monitor_alert_action`` and, when the alert is in a case, written as a note
on the case, so the case page reads as one timeline.

The web pages and the CLI call these same functions, so there is one way
to do each thing. The decisions live in their own table because a detection
re-run rewrites an alert's evidence and must not undo a person's decision.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from phiwatch.errors import ConflictError, InputError, NotFoundError
from phiwatch.monitor._alerts import alert_record
from phiwatch.monitor._names import resolve_names
from phiwatch.monitor._vocab import ALERT_STATUSES, DISMISS_REASONS, OPEN_STATUSES, QUEUE_VIEWS
from phiwatch.store import Store
from phiwatch.store.models.monitor import Alert, Case, CaseNote
from phiwatch.store.models.monitor_review import AlertAction, AlertReview
from phiwatch.store.models.security import User

REVIEWER_ROLES = ("privacy_officer", "reviewer")
MAX_NOTE = 4000
_NAMED_PATIENTS = 20  # per alert, as list_alerts resolves them


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows: a status view, and optionally one detector, user, assignee, span."""

    view: str = "active"
    detector: str | None = None
    user: str | None = None  # a pseudonym or its first characters (``3f9c2a1b``)
    assignee: str | None = None
    since: date | None = None
    until: date | None = None

    def check(self) -> QueueFilter:
        if self.view not in QUEUE_VIEWS:
            raise InputError(f"status expects one of {', '.join(QUEUE_VIEWS)}", column="status")
        if self.user is not None:
            prefix = self.user.lstrip("#").lower()
            if len(prefix) < 4 or any(c not in "0123456789abcdef" for c in prefix):
                raise InputError(
                    "user expects a pseudonym (at least 4 hexadecimal characters)", column="user"
                )
        if self.since and self.until and self.since > self.until:
            raise InputError("since must not be after until", column="since")
        return self


@dataclass(frozen=True)
class QueuePage:
    total: int
    rows: list[dict[str, Any]]


def _review_fields(review: AlertReview | None) -> dict[str, Any]:
    if review is None:
        return {"status": "open", "reason": None, "assignee": None, "reviewed": None}
    return {
        "status": review.status,
        "reason": review.reason,
        "assignee": review.assignee,
        "reviewed": review.updated_at,
    }


def _names_for(store: Store, alerts: list[Alert]) -> dict[str, str]:
    people: list[str] = []
    for alert in alerts:
        people.append(alert.user_pseudonym)
        people.extend(json.loads(alert.evidence).get("patients", [])[:_NAMED_PATIENTS])
    return resolve_names(store, people)


def review_queue(
    store: Store,
    where: QueueFilter | None = None,
    *,
    limit: int = 50,
    offset: int = 0,
    names: bool = False,
) -> QueuePage:
    """Alerts to review, most severe first and then newest, with their review status."""
    where = (where or QueueFilter()).check()
    status = func.coalesce(AlertReview.status, "open")
    query = select(Alert, AlertReview).outerjoin(AlertReview, AlertReview.alert_id == Alert.id)
    if where.view == "active":
        query = query.where(status.in_(("open", "acknowledged")))
    elif where.view != "all":
        query = query.where(status == where.view)
    if where.detector:
        query = query.where(Alert.detector_id == where.detector)
    if where.user:
        query = query.where(Alert.user_pseudonym.startswith(where.user.lstrip("#").lower()))
    if where.assignee:
        query = query.where(AlertReview.assignee == where.assignee)
    if where.since:
        query = query.where(Alert.end >= datetime.combine(where.since, time.min))
    if where.until:
        query = query.where(
            Alert.start < datetime.combine(where.until + timedelta(days=1), time.min)
        )
    with store.reader() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.execute(
            query.order_by(Alert.score.desc(), Alert.start.desc(), Alert.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        alerts = [alert for alert, _ in rows]
        shown = _names_for(store, alerts) if names else {}
        return QueuePage(
            total=total,
            rows=[alert_record(a, shown) | _review_fields(r) for a, r in rows],
        )


def review_alert(store: Store, alert_id: int, *, names: bool = False) -> dict[str, Any]:
    """One alert as the review page shows it: the alert, its review status, what was done."""
    with store.reader() as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise NotFoundError(f"no alert {alert_id}")
        review = session.get(AlertReview, alert_id)
        actions = session.scalars(
            select(AlertAction).where(AlertAction.alert_id == alert_id).order_by(AlertAction.id)
        ).all()
        case = session.get(Case, alert.case_id) if alert.case_id is not None else None
        evidence = json.loads(alert.evidence)
        shown = (
            resolve_names(store, [alert.user_pseudonym, *evidence.get("patients", [])])
            if names
            else {}
        )
        record = alert_record(alert, shown) | _review_fields(review)
        record["facts"] = evidence.get("facts", {})
        record["patient_total"] = evidence.get("patient_total", len(record["patients"]))
        record["case_status"] = case.status if case is not None else None
        record["history"] = [
            {"at": a.at, "by": a.by, "action": a.action, "detail": a.detail} for a in actions
        ]
        return record


def reviewers(store: Store) -> list[str]:
    """Accounts an alert can be assigned to: enabled privacy officers and reviewers."""
    with store.reader() as session:
        return list(
            session.scalars(
                select(User.username)
                .where(User.role.in_(REVIEWER_ROLES), User.disabled.is_(False))
                .order_by(User.username)
            )
        )


def assigned_case_ids(store: Store, assignee: str) -> set[int]:
    """Cases holding at least one alert assigned to ``assignee`` (what a reviewer may open)."""
    with store.reader() as session:
        return {
            case_id
            for case_id in session.scalars(
                select(Alert.case_id)
                .join(AlertReview, AlertReview.alert_id == Alert.id)
                .where(AlertReview.assignee == assignee, Alert.case_id.is_not(None))
            )
            if case_id is not None
        }


def alert_assignee(store: Store, alert_id: int) -> str | None:
    with store.reader() as session:
        if session.get(Alert, alert_id) is None:
            raise NotFoundError(f"no alert {alert_id}")
        review = session.get(AlertReview, alert_id)
        return review.assignee if review is not None else None


def open_cases(
    store: Store, *, exclude: int | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Open cases an alert could be added to (id, user pseudonym, status, score)."""
    with store.reader() as session:
        query = (
            select(Case)
            .where(Case.status.in_(OPEN_STATUSES))
            .order_by(Case.score.desc(), Case.id)
            .limit(limit)
        )
        if exclude is not None:
            query = query.where(Case.id != exclude)
        return [
            {"id": c.id, "user_pseudonym": c.user_pseudonym, "status": c.status, "score": c.score}
            for c in session.scalars(query)
        ]


# --- decisions ------------------------------------------------------------------------------


def _note(text: str | None) -> str:
    cleaned = (text or "").strip()
    if len(cleaned) > MAX_NOTE:
        raise InputError(f"a note is at most {MAX_NOTE} characters", column="note")
    return cleaned


def _alert(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFoundError(f"no alert {alert_id}")
    return alert


def _review_row(session: Session, alert_id: int) -> AlertReview:
    review = session.get(AlertReview, alert_id)
    if review is None:
        review = AlertReview(alert_id=alert_id, status="open")
        session.add(review)
    return review


def _record(
    session: Session,
    alert: Alert,
    *,
    by: str,
    action: str,
    detail: str,
    note: str,
    case_id: int | None = None,
    case_status: str | None = None,
) -> None:
    """Keep the action in the alert's history and as a note on its case."""
    now = datetime.now(UTC)
    text = f"{detail}: {note}" if note else detail
    session.add(AlertAction(alert_id=alert.id, at=now, by=by, action=action, detail=text))
    target = case_id if case_id is not None else alert.case_id
    if target is not None:
        session.add(
            CaseNote(case_id=target, written_at=now, author=by, status=case_status, text=text)
        )
        case = session.get(Case, target)
        if case is not None:
            case.updated_at = now


def _set(review: AlertReview, by: str, **values: Any) -> None:
    for name, value in values.items():
        setattr(review, name, value)
    review.updated_by = by
    review.updated_at = datetime.now(UTC)


def assign_alert(store: Store, alert_id: int, assignee: str | None, *, by: str) -> dict[str, Any]:
    """Give an alert to a privacy officer or reviewer (``None``: take it back)."""
    with store.transaction() as session:
        alert = _alert(session, alert_id)
        if assignee:
            row = session.execute(
                select(User.role, User.disabled).where(User.username == assignee)
            ).first()
            if row is None or row.disabled or row.role not in REVIEWER_ROLES:
                raise InputError(
                    "assignee must be an enabled privacy officer or reviewer account",
                    column="assignee",
                )
        review = _review_row(session, alert_id)
        _set(review, by, assignee=assignee or None)
        detail = (
            f"Alert {alert_id} assigned to {assignee}"
            if assignee
            else f"Alert {alert_id} unassigned"
        )
        _record(session, alert, by=by, action="assign", detail=detail, note="")
    return review_alert(store, alert_id)


def acknowledge_alert(
    store: Store, alert_id: int, *, by: str, note: str | None = None
) -> dict[str, Any]:
    """Mark an alert as being looked into (it stays in the active queue)."""
    text = _note(note)
    with store.transaction() as session:
        alert = _alert(session, alert_id)
        _set(_review_row(session, alert_id), by, status="acknowledged", reason=None)
        _record(
            session,
            alert,
            by=by,
            action="acknowledge",
            detail=f"Alert {alert_id} acknowledged",
            note=text,
        )
    return review_alert(store, alert_id)


def dismiss_alert(
    store: Store, alert_id: int, reason: str, *, by: str, note: str | None = None
) -> dict[str, Any]:
    """Take an alert off the queue as a false positive or as benign, with a reason."""
    if reason not in DISMISS_REASONS:
        raise InputError(f"reason expects one of {', '.join(DISMISS_REASONS)}", column="reason")
    text = _note(note)
    with store.transaction() as session:
        alert = _alert(session, alert_id)
        _set(_review_row(session, alert_id), by, status="dismissed", reason=reason)
        words = reason.replace("_", " ")
        _record(
            session,
            alert,
            by=by,
            action="dismiss",
            detail=f"Alert {alert_id} dismissed as {words}",
            note=text,
        )
    return review_alert(store, alert_id)


def escalate_alert(
    store: Store,
    alert_id: int,
    *,
    by: str,
    case_id: int | None = None,
    note: str | None = None,
) -> int:
    """Escalate an alert to a case under review; returns the case id.

    Without ``case_id`` the alert's own case goes to ``reviewing`` (a new
    case is opened when it has none or its case is already closed). With
    ``case_id`` the alert is added to that open case (related alerts on
    another user, a celebrity's record opened by several staff).
    """
    text = _note(note)
    with store.transaction() as session:
        alert = _alert(session, alert_id)
        current = session.get(Case, alert.case_id) if alert.case_id is not None else None
        if case_id is not None:
            target = session.get(Case, case_id)
            if target is None:
                raise NotFoundError(f"no case {case_id}")
            if target.status not in OPEN_STATUSES:
                raise ConflictError(f"case {case_id} is closed; choose an open case")
        elif current is not None and current.status in OPEN_STATUSES:
            target = current
        else:
            target = Case(user_pseudonym=alert.user_pseudonym, status="new", score=alert.score)
            session.add(target)
            session.flush()
        moved = current is None or current.id != target.id
        if moved and current is not None:
            _record(
                session,
                alert,
                by=by,
                action="move",
                detail=f"Alert {alert_id} moved to case {target.id}",
                note="",
            )
        alert.case_id = target.id
        target.score = max(target.score, alert.score)
        became = "reviewing" if target.status == "new" else None
        if became:
            target.status = became
        _set(_review_row(session, alert_id), by, status="escalated", reason=None)
        _record(
            session,
            alert,
            by=by,
            action="escalate",
            detail=f"Alert {alert_id} escalated to case {target.id}",
            note=text,
            case_id=target.id,
            case_status=became,
        )
        return target.id


def patient_report_alerts(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Alerts filed from patients' "that wasn't me" reports, by report reference.

    ``phiwatch.notify`` files report N as alerts whose facts say
    ``notify report #N``; this maps each reference to its alerts and cases.
    """
    from phiwatch.monitor._patient_reports import DETECTOR_ID

    found: dict[str, list[dict[str, Any]]] = {}
    with store.reader() as session:
        rows = session.execute(
            select(Alert, AlertReview, Case)
            .outerjoin(AlertReview, AlertReview.alert_id == Alert.id)
            .outerjoin(Case, Case.id == Alert.case_id)
            .where(Alert.detector_id == DETECTOR_ID)
            .order_by(Alert.id)
        ).all()
        for alert, review, case in rows:
            reference = json.loads(alert.evidence).get("facts", {}).get("report")
            if not reference:
                continue
            status = _review_fields(review)["status"]
            case_status = case.status if case is not None else None
            found.setdefault(str(reference), []).append(
                {
                    "alert": alert.id,
                    "alert_status": status,
                    "user_pseudonym": alert.user_pseudonym,
                    "case": alert.case_id,
                    "case_status": case_status,
                    # Reviewed to the end: dismissed, or its case closed either way.
                    "settled": status == "dismissed"
                    or (case_status is not None and case_status not in OPEN_STATUSES),
                }
            )
    return found


def queue_counts(store: Store) -> dict[str, int]:
    """How many alerts are in each review status (for the queue's tabs)."""
    status = func.coalesce(AlertReview.status, "open")
    with store.reader() as session:
        counts = dict(
            session.execute(
                select(status, func.count(Alert.id))
                .select_from(Alert)
                .outerjoin(AlertReview, AlertReview.alert_id == Alert.id)
                .group_by(status)
            ).all()
        )
    result = {s: int(counts.get(s, 0)) for s in ALERT_STATUSES}
    result["active"] = result["open"] + result["acknowledged"]
    result["all"] = sum(result[s] for s in ALERT_STATUSES)
    return result


def review_statuses(store: Store, alert_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Review status, reason and assignee of each alert (``open`` when none was recorded)."""
    with store.reader() as session:
        found = {
            r.alert_id: r
            for r in session.scalars(select(AlertReview).where(AlertReview.alert_id.in_(alert_ids)))
        }
    return {i: _review_fields(found.get(i)) for i in alert_ids}
