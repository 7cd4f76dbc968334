"""Subscriptions: which patient hears about their record, where, and how often.

A patient is named by their clear id from the context; phiwatch keeps only
its lake pseudonym in clear (to join with events) and the id itself
encrypted. E-mail addresses and webhook URLs are PHI: encrypted at rest,
found by keyed hash. One subscription per patient: subscribing again
changes it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, insert, select

from phiwatch.config import Settings
from phiwatch.errors import InputError, NotFoundError
from phiwatch.monitor import pseudonym_key, pseudonymise
from phiwatch.security import enable_field_encryption
from phiwatch.store import Store
from phiwatch.store.models.monitor import Patient
from phiwatch.store.models.notify import Subscription

DIGESTS = ("none", "daily", "weekly")
CSV_COLUMNS = ("patient_id", "email", "webhook", "immediate", "digest")
_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off", ""}


@dataclass(frozen=True)
class SubscriptionRequest:
    """What one patient asked for (validated by :func:`check_request`)."""

    patient_id: str
    email: str | None = None
    webhook: str | None = None
    immediate: bool = True
    digest: str = "none"


@dataclass(frozen=True)
class ImportResult:
    subscribed: int
    updated: int


def email_domain(address: str) -> str:
    return address.rsplit("@", 1)[1].lower()


def check_request(request: SubscriptionRequest, where: dict[str, Any] | None = None) -> None:
    """Refuse a request that could never deliver anything (messages name no value: PHI)."""
    at = where or {}
    if not request.patient_id.strip():
        raise InputError("a patient id is required", column="patient_id", **at)
    if not request.email and not request.webhook:
        raise InputError("give an e-mail address, a webhook URL or both", **at)
    if request.email is not None:
        local, _, domain = request.email.partition("@")
        if not local or "." not in domain or any(c.isspace() for c in request.email):
            raise InputError(
                "expected an e-mail address like name@example.org", column="email", **at
            )
    if request.webhook is not None:
        parts = urlsplit(request.webhook)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError("expected an http:// or https:// URL", column="webhook", **at)
    if request.digest not in DIGESTS:
        raise InputError(f"expected a digest of {', '.join(DIGESTS)}", column="digest", **at)
    if not request.immediate and request.digest == "none":
        raise InputError("choose immediate alerts, a digest or both", **at)


def _known_patients(store: Store) -> set[str] | None:
    """Pseudonyms of the patients in force, or None when no context was ever loaded."""
    with store.reader() as session:
        version = session.scalar(select(func.max(Patient.version_id)))
        if version is None:
            return None
        return set(session.scalars(select(Patient.pseudonym).where(Patient.version_id == version)))


def _new_row(pseudonym: str, request: SubscriptionRequest) -> dict[str, Any]:
    """A new subscription as a row for a bulk insert (imports of many thousands)."""
    return {
        "patient_pseudonym": pseudonym,
        "patient_ref": request.patient_id.strip(),
        "email": request.email,
        "email_hash": request.email,
        "email_domain": email_domain(request.email) if request.email else None,
        "webhook_url": request.webhook,
        "webhook_host": urlsplit(request.webhook).hostname if request.webhook else None,
        "immediate": request.immediate,
        "digest": request.digest,
        "active": True,
        "link_generation": 1,
        "created_at": datetime.now(UTC),
        "unsubscribed_at": None,
    }


def _apply(row: Subscription, request: SubscriptionRequest) -> None:
    row.email = request.email
    row.email_hash = request.email
    row.email_domain = email_domain(request.email) if request.email else None
    row.webhook_url = request.webhook
    row.webhook_host = urlsplit(request.webhook).hostname if request.webhook else None
    row.immediate = request.immediate
    row.digest = request.digest
    row.active = True
    row.unsubscribed_at = None


def subscribe_many(
    store: Store,
    settings: Settings,
    requests: Iterable[tuple[SubscriptionRequest, dict[str, Any]]],
    *,
    require_known: bool = True,
) -> ImportResult:
    """Add or change many subscriptions in one transaction: all of them, or none.

    Each request comes with where it was read (``line=...``) so that an error
    names it. A patient the context in force does not know is refused
    (``require_known``), so a typo cannot subscribe a stranger's address.
    """
    enable_field_encryption(store, settings)
    key = pseudonym_key(settings)
    known = _known_patients(store) if require_known else None
    if require_known and known is None:
        raise NotFoundError("no patients are known yet: run `phiwatch monitor context load` first")
    updated = 0
    fresh: dict[str, dict[str, Any]] = {}
    with store.transaction() as session:
        existing = dict(
            session.execute(select(Subscription.patient_pseudonym, Subscription.id)).all()
        )
        for request, where in requests:
            check_request(request, where)
            pseudonym = pseudonymise(key, request.patient_id.strip())
            if known is not None and pseudonym not in known:
                raise NotFoundError(
                    "no patient with this id in the context in force"
                    + (f" (line {where['line']})" if "line" in where else "")
                )
            if pseudonym in existing:
                row = session.get(Subscription, existing[pseudonym])
                assert row is not None
                _apply(row, request)
                updated += 1
            else:
                fresh[pseudonym] = _new_row(pseudonym, request)
        rows = list(fresh.values())
        for start in range(0, len(rows), 5000):
            session.execute(insert(Subscription), rows[start : start + 5000])
    subscribed = len(fresh)
    return ImportResult(subscribed, updated)


def subscribe(
    store: Store, settings: Settings, request: SubscriptionRequest, *, require_known: bool = True
) -> ImportResult:
    """Subscribe one patient (or change their subscription)."""
    return subscribe_many(store, settings, [(request, {})], require_known=require_known)


def _flag(value: str | None, *, line: int, column: str, default: bool) -> bool:
    text = (value or "").strip().lower()
    if not text:
        return default
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError("expected yes or no", line=line, column=column)


def read_subscription_csv(path: Path) -> list[tuple[SubscriptionRequest, dict[str, Any]]]:
    """Requests from a CSV with a header (``patient_id,email,webhook,immediate,digest``)."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from exc
    requests: list[tuple[SubscriptionRequest, dict[str, Any]]] = []
    with handle:
        reader = csv.DictReader(handle)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        if "patient_id" not in header or not ({"email", "webhook"} & set(header)):
            raise InputError(
                "expected a header with patient_id and email and/or webhook "
                f"(columns: {', '.join(CSV_COLUMNS)})",
                file=str(path),
                line=1,
            )
        reader.fieldnames = header
        for row in reader:
            line = reader.line_num
            where = {"file": str(path), "line": line}
            request = SubscriptionRequest(
                patient_id=(row.get("patient_id") or "").strip(),
                email=(row.get("email") or "").strip() or None,
                webhook=(row.get("webhook") or "").strip() or None,
                immediate=_flag(row.get("immediate"), line=line, column="immediate", default=True),
                digest=(row.get("digest") or "none").strip().lower() or "none",
            )
            check_request(request, where)
            requests.append((request, where))
    return requests


def import_subscriptions(
    store: Store, settings: Settings, path: Path, *, require_known: bool = True
) -> ImportResult:
    """Subscribe every row of a CSV file, or (on any bad row) nobody."""
    return subscribe_many(store, settings, read_subscription_csv(path), require_known=require_known)


def _by_patient(session: Any, settings: Settings, patient_id: str) -> Subscription:
    pseudonym = pseudonymise(pseudonym_key(settings), patient_id.strip())
    row = session.scalar(select(Subscription).where(Subscription.patient_pseudonym == pseudonym))
    if row is None:
        raise NotFoundError("no subscription for this patient")
    assert isinstance(row, Subscription)
    return row


def unsubscribe(store: Store, settings: Settings, patient_id: str) -> None:
    """Stop every message to this patient; their signed links stop working too."""
    enable_field_encryption(store, settings)
    with store.transaction() as session:
        end_subscription(_by_patient(session, settings, patient_id))


def end_subscription(row: Subscription) -> None:
    """Deactivate ``row`` and revoke the links already sent (a new link generation)."""
    row.active = False
    row.unsubscribed_at = datetime.now(UTC)
    row.link_generation += 1


def list_subscriptions(
    store: Store, settings: Settings, *, reveal: bool = False, include_inactive: bool = False
) -> list[dict[str, Any]]:
    """Subscriptions for display; contact details are masked unless ``reveal``."""
    enable_field_encryption(store, settings)
    query = select(Subscription).order_by(Subscription.id)
    if not include_inactive:
        query = query.where(Subscription.active.is_(True))
    with store.reader() as session:
        rows = session.scalars(query).all()
        return [
            {
                "id": row.id,
                "patient_id": row.patient_ref if reveal else _mask(row.patient_ref),
                "email": (row.email if reveal else _mask_email(row.email)) if row.email else None,
                "webhook": row.webhook_url if reveal else row.webhook_host,
                "immediate": row.immediate,
                "digest": row.digest,
                "active": row.active,
                "created_at": row.created_at,
            }
            for row in rows
        ]


def _mask(value: str) -> str:
    return value[:2] + "…" if len(value) > 2 else "…"


def _mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}"
