"""What the patient's signed link opens: their message, their answer, their unsubscribe.

The link is the only credential (patients never get accounts), so every
function here first verifies it: signature, expiry, purpose, and that the
subscription's link generation still matches (unsubscribing revokes links).

"That wasn't me" becomes a row in ``notify_patient_report`` with status
``open``: the privacy office's review queue for patient reports (the
monitor's case API was not available when this was built; see
docs/notify.md). It names the events and the staff accounts by the lake's
pseudonyms and keeps the patient's words encrypted.

A link is one message about fixed accesses, so "that wasn't me" sent from it
again while its report is open is the same report: the post is counted on it
(``posts``, ``last_post_at``) and its words added, and no new alert is filed.
Anyone holding the link could otherwise flood the review queue (five posts
made five reports and five alerts). Once the review settles the report, a
new post opens a new one: the patient disagrees with the outcome.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from phiwatch.config import Settings
from phiwatch.errors import InputError, NotFoundError
from phiwatch.monitor import patient_report_alerts, record_patient_report
from phiwatch.notify._links import INVALID_LINK, LinkClaim, LinkSigner, verify_link
from phiwatch.notify._subscriptions import end_subscription
from phiwatch.security import enable_field_encryption
from phiwatch.store import Store
from phiwatch.store.models.notify import OutboxMessage, PatientReport, Subscription

VERDICTS = ("recognised", "not_me")
MAX_WORDS = 4000
# The words of every post to one report together; later posts beyond it are only counted.
MAX_REPORT_WORDS = 4 * MAX_WORDS


def _subscription(session: Any, claim: LinkClaim) -> Subscription:
    row = session.get(Subscription, claim.subscription_id)
    if row is None or row.link_generation != claim.generation:
        raise NotFoundError(INVALID_LINK)
    return row  # type: ignore[no-any-return]


def _message(session: Any, claim: LinkClaim, *, lock: bool = False) -> OutboxMessage:
    query = select(OutboxMessage).where(OutboxMessage.idempotency_key == claim.message_key)
    # Locked while answering, so two posts from one link queue on PostgreSQL instead of
    # both finding no open report (SQLite lets one writer at a time in any case).
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None or row.subscription_id != claim.subscription_id:
        raise NotFoundError(INVALID_LINK)
    return row  # type: ignore[no-any-return]


def message_for_link(store: Store, settings: Settings, token: str) -> dict[str, Any]:
    """The message a link points at, as the patient page shows it (no pseudonyms)."""
    enable_field_encryption(store, settings)
    claim = verify_link(LinkSigner(settings).key, token, purpose="message")
    with store.reader() as session:
        subscription = _subscription(session, claim)
        if not subscription.active:
            raise NotFoundError(INVALID_LINK)
        message = _message(session, claim)
        stored = json.loads(message.items or "{}")
        answers = session.scalars(
            select(PatientReport.verdict).where(PatientReport.message_id == message.id)
        ).all()
    items = [
        {k: v for k, v in item.items() if k not in ("user", "event_ids")}
        for item in stored.get("items", [])
    ]
    return {
        "subject": message.subject,
        "kind": message.kind,
        "sent_at": message.sent_at,
        "items": items,
        "answered": list(answers),
        "unsubscribe_url": stored.get("unsubscribe_url"),
    }


def answer_message(
    store: Store, settings: Settings, token: str, verdict: str, words: str | None = None
) -> int:
    """Record the patient's answer; "not_me" opens a report for the privacy office."""
    if verdict not in VERDICTS:
        raise InputError(f"expected an answer of {', '.join(VERDICTS)}", column="verdict")
    text = (words or "").strip() or None
    if text is not None and len(text) > MAX_WORDS:
        raise InputError(f"please keep it under {MAX_WORDS} characters", column="words")
    enable_field_encryption(store, settings)
    claim = verify_link(LinkSigner(settings).key, token, purpose="message")
    reviews = patient_report_alerts(store) if verdict == "not_me" else {}
    with store.transaction() as session:
        subscription = _subscription(session, claim)
        if not subscription.active:
            raise NotFoundError(INVALID_LINK)
        message = _message(session, claim, lock=True)
        stored = json.loads(message.items or "{}")
        items = stored.get("items", [])
        if verdict == "not_me":
            items = [i for i in items if i.get("attention")] or items
        event_ids = json.dumps(sorted({e for i in items for e in i.get("event_ids", [])}))
        if verdict == "not_me":
            again = _open_report(session, message.id, event_ids, reviews)
            if again is not None:
                _add_post(again, text)
                return again.id
        report = PatientReport(
            message_id=message.id,
            patient_pseudonym=subscription.patient_pseudonym,
            verdict=verdict,
            event_ids=event_ids,
            user_pseudonyms=json.dumps(sorted({i["user"] for i in items if i.get("user")})),
            words=text,
            status="open" if verdict == "not_me" else "closed",
        )
        session.add(report)
        session.flush()
        if verdict == "not_me":
            # The review queue: one alert per staff member named, in their open case.
            record_patient_report(
                session,
                report_ref=report_reference(report.id),
                patient_pseudonym=subscription.patient_pseudonym,
                user_pseudonyms=json.loads(report.user_pseudonyms),
                event_ids=json.loads(report.event_ids),
            )
        return report.id


def _open_report(
    session: Any, message_id: int, event_ids: str, reviews: dict[str, list[dict[str, Any]]]
) -> PatientReport | None:
    """The link's open "that wasn't me" report about the same accesses, if there is one."""
    candidates = session.scalars(
        select(PatientReport)
        .where(
            PatientReport.message_id == message_id,
            PatientReport.verdict == "not_me",
            PatientReport.status == "open",
            PatientReport.event_ids == event_ids,
        )
        .order_by(PatientReport.id.desc())
    )
    for report in candidates:
        if _status(report, reviews.get(report_reference(report.id), [])) == "open":
            return report  # type: ignore[no-any-return]
    return None


def _add_post(report: PatientReport, words: str | None) -> None:
    """Count one more post on ``report`` and keep its words, up to ``MAX_REPORT_WORDS``."""
    now = datetime.now(UTC)
    report.posts = (report.posts or 1) + 1
    report.last_post_at = now
    if not words:
        return
    added = f"[{now:%Y-%m-%d %H:%M} UTC] {words}"
    combined = f"{report.words}\n\n{added}" if report.words else added
    if len(combined) <= MAX_REPORT_WORDS:
        report.words = combined


def unsubscribe_by_link(store: Store, settings: Settings, token: str) -> None:
    """The one-link unsubscribe: ends the subscription and revokes every link sent."""
    enable_field_encryption(store, settings)
    claim = verify_link(LinkSigner(settings).key, token, purpose="unsubscribe")
    with store.transaction() as session:
        end_subscription(_subscription(session, claim))


def check_unsubscribe_link(store: Store, settings: Settings, token: str) -> None:
    """Refuse (NotFound) a link that could not unsubscribe anyone."""
    claim = verify_link(LinkSigner(settings).key, token, purpose="unsubscribe")
    with store.reader() as session:
        subscription = _subscription(session, claim)
        if not subscription.active:
            raise NotFoundError(INVALID_LINK)


def list_reports(
    store: Store, settings: Settings, *, status: str | None = "open"
) -> list[dict[str, Any]]:
    """Patient reports for the privacy office's review queue (pseudonyms, not names).

    A "that wasn't me" report stays open until the monitor's review settles
    every alert filed from it (each dismissed, or its case closed); the
    status is worked out from that review when listed, so the two never
    disagree.
    """
    enable_field_encryption(store, settings)
    reviews = patient_report_alerts(store)
    query = select(PatientReport).order_by(PatientReport.id)
    with store.reader() as session:
        reports = [
            {
                "id": r.id,
                "created_at": r.created_at,
                "verdict": r.verdict,
                "status": _status(r, reviews.get(report_reference(r.id), [])),
                "patient": r.patient_pseudonym,
                "users": json.loads(r.user_pseudonyms),
                "events": json.loads(r.event_ids),
                "words": r.words,
                "message": r.message_id,
                "posts": r.posts,
                "last_post_at": r.last_post_at,
            }
            for r in session.scalars(query)
        ]
    return [r for r in reports if status is None or r["status"] == status]


def report_reference(report_id: int) -> str:
    """How a report is named in the alerts filed from it."""
    return f"notify report #{report_id}"


def _status(report: PatientReport, alerts: list[dict[str, Any]]) -> str:
    if report.status == "open" and alerts and all(a["settled"] for a in alerts):
        return "closed"
    return report.status


def revoke_links(store: Store, settings: Settings, patient_id: str) -> None:
    """Withdraw every link sent to a patient (a lost phone, a shared mailbox)."""
    from phiwatch.notify._subscriptions import _by_patient

    enable_field_encryption(store, settings)
    with store.transaction() as session:
        row = _by_patient(session, settings, patient_id)
        row.link_generation += 1
