"""Deadline reminders to the privacy officer, through notify's outbox, each sent once.

``remind`` is meant to run daily (cron, a systemd timer). For every notice an
open incident still owes, it queues the reminder of the tightest threshold
reached (30, 14, 7 or 1 days before the due day; ``overdue`` after it). Each
reminder's outbox key names the incident, the notice, the due day and the
threshold, so running it twice a day, or again after a crash, queues
nothing new; a missed day is caught up by the next run, which sends only the
tightest reminder rather than every one skipped. A due day that moves (a
law-enforcement delay recorded later) starts a fresh series.

Messages hold the incident's title, the notice, its section and dates; no
patient data. notify's sender (``phiwatch notify send``) delivers them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from phiwatch.config import Settings
from phiwatch.errors import ConfigurationError
from phiwatch.notify import Outgoing, enqueue
from phiwatch.respond._status import status
from phiwatch.security import enable_field_encryption
from phiwatch.store import Store
from phiwatch.store.models.notify import OutboxMessage

THRESHOLDS = (30, 14, 7, 1)
KIND = "reminder"


def _threshold(days_left: int) -> str | None:
    """The tightest threshold reached: ``"7"`` with 5 days left, ``overdue`` past due."""
    if days_left < 0:
        return "overdue"
    reached = [t for t in THRESHOLDS if days_left <= t]
    return str(min(reached)) if reached else None


def reminder_key(incident: int, notice: str, due: date, threshold: str) -> str:
    return f"respond-reminder:{incident}:{notice}:{due.isoformat()}:{threshold}"


def _text(row: dict[str, Any], threshold: str) -> tuple[str, str]:
    due = row["due"].isoformat()
    if threshold == "overdue":
        subject = f"OVERDUE: incident {row['incident']} {row['notice']} notice was due {due}"
        lead = (
            f"The {row['notice']} notice ({row['section']}) was due on {due} "
            "and is not recorded as given."
        )
    else:
        left = row["days_left"]
        subject = (
            f"{left} day{'s' if left != 1 else ''} left: incident {row['incident']} "
            f"{row['notice']} notice due {due}"
        )
        lead = f"The {row['notice']} notice ({row['section']}) is due on {due}: {left} day(s) left."
    body = "\n".join(
        [
            f"Incident {row['incident']}: {row['title']}",
            "",
            lead,
            f"Why it is owed: {row['reason']}",
            "",
            "When it has been given, record it:",
            f"  phiwatch respond done {row['incident']} {row['notice']} --on YYYY-MM-DD",
            "",
            f"This is the {threshold}{'' if threshold == 'overdue' else '-day'} reminder; "
            "phiwatch sends reminders 30, 14, 7 and 1 days before each deadline.",
        ]
    )
    return subject, body


def remind(store: Store, settings: Settings, *, today: date | None = None) -> dict[str, Any]:
    """Queue the reminders due ``today``; what was queued and how many were already queued."""
    officer = settings.respond_privacy_officer_email
    if not officer or "@" not in officer:
        raise ConfigurationError(
            "set respond_privacy_officer_email (PHIWATCH_RESPOND_PRIVACY_OFFICER_EMAIL) "
            "to the privacy officer's e-mail address"
        )
    enable_field_encryption(store, settings)
    today = today or date.today()
    wanted: list[tuple[dict[str, Any], str, str]] = []
    for row in status(store, today=today, settings=settings):
        if row["done"] is not None:
            continue
        threshold = _threshold(row["days_left"])
        if threshold is not None:
            wanted.append(
                (
                    row,
                    threshold,
                    reminder_key(row["incident"], row["notice"], row["due"], threshold),
                )
            )
    keys = [key for _, _, key in wanted]
    with store.reader() as session:
        existing = (
            set(
                session.scalars(
                    select(OutboxMessage.idempotency_key).where(
                        OutboxMessage.idempotency_key.in_(keys)
                    )
                )
            )
            if keys
            else set()
        )
    outgoing: list[Outgoing] = []
    queued: list[dict[str, Any]] = []
    for row, threshold, key in wanted:
        if key in existing:
            continue
        subject, body = _text(row, threshold)
        outgoing.append(Outgoing(key=key, kind=KIND, recipient=officer, subject=subject, text=body))
        queued.append(
            {
                "incident": row["incident"],
                "notice": row["notice"],
                "due": row["due"],
                "days_left": row["days_left"],
                "reminder": threshold,
            }
        )
    with store.transaction() as session:
        enqueue(session, outgoing)
    return {"today": today, "queued": queued, "already_queued": len(wanted) - len(queued)}
