"""E-mail notices through notify's outbox, for individuals who agreed to e-mail.

164.404(d)(1) allows electronic notice when the individual has agreed to it.
phiwatch's record of that agreement is notify's subscriptions: an active
subscription with an e-mail address. Each such affected individual gets the
letter as an e-mail (text and HTML from the same templates as the paper
letter), put in ``notify_outbox`` where notify's sender delivers it with its
retries and rate limits. The key ``respond:<incident>:<letter id>:email``
makes a second run queue nothing twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import select

from phiwatch.config import Settings
from phiwatch.notify import Outgoing, enqueue
from phiwatch.respond._contacts import CHUNK, Recipient, affected_pseudonyms, letter_id, recipients
from phiwatch.respond._letters import (
    Contexts,
    LetterRenderer,
    check_translations,
    load_letter_facts,
    notice_language,
    recipient_context,
)
from phiwatch.respond._wording import check_language
from phiwatch.security import enable_field_encryption
from phiwatch.store import Store
from phiwatch.store.models.notify import OutboxMessage, Subscription

KIND = "breach"


def email_key(incident_id: int, letter: str) -> str:
    return f"respond:{incident_id}:{letter}:email"


def queue_email_notices(
    settings: Settings,
    store: Store,
    incident_id: int,
    *,
    letter_date: date | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """Queue the e-mail notice of every affected individual who agreed to e-mail.

    Each in the recipient's preferred language when phiwatch writes it
    (``language``: one language for everyone); refused, before anything is
    queued, when a language is needed whose free-text facts are not given.
    """
    requested = check_language(language)
    enable_field_encryption(store, settings)
    letter = load_letter_facts(store, incident_id, letter_date=letter_date)
    contexts = Contexts(letter)
    renderer = LetterRenderer(settings)
    queued = already = 0
    with store.reader() as session:
        pseudonyms = affected_pseudonyms(session, incident_id)
        consent: dict[str, tuple[int, str, str]] = {}
        for start in range(0, len(pseudonyms), CHUNK):
            part = pseudonyms[start : start + CHUNK]
            rows = session.execute(
                select(
                    Subscription.patient_pseudonym,
                    Subscription.id,
                    Subscription.email,
                    Subscription.email_domain,
                ).where(
                    Subscription.patient_pseudonym.in_(part),
                    Subscription.active.is_(True),
                    Subscription.email.is_not(None),
                )
            )
            for pseudonym, subscription, email, domain in rows:
                if email:
                    consent[pseudonym] = (subscription, email, domain or email.rsplit("@", 1)[-1])
        wanted = sorted(consent)
        people: list[Recipient | str] = [
            p
            for chunk in recipients(session, incident_id, wanted, on=letter.discovered)
            for p in chunk
        ]
        existing = set(
            session.scalars(
                select(OutboxMessage.idempotency_key).where(
                    OutboxMessage.idempotency_key.like(f"respond:{incident_id}:%")
                )
            )
        )
    chosen: dict[str, str] = {}
    for person in people:
        pseudonym, preferred = (
            (person, None) if isinstance(person, str) else (person.pseudonym, person.language)
        )
        chosen[pseudonym] = notice_language(preferred, requested)
    check_translations(letter, Counter(chosen.values()))
    messages: list[Outgoing] = []
    for person in people:
        if isinstance(person, str):  # agreed to e-mail, but no longer in the context
            person = Recipient(
                person, letter_id(incident_id, person), "individual", "", "", "", "", "", ""
            )
        key = email_key(incident_id, person.letter_id)
        if key in existing:
            already += 1
            continue
        subscription, email, domain = consent[person.pseudonym]
        language = chosen[person.pseudonym]
        context = {**contexts(language), **recipient_context(person, language)}
        messages.append(
            Outgoing(
                key=key,
                kind=KIND,
                recipient=email,
                subject=renderer.subject(context),
                text=renderer.letter("letter.txt", context),
                html=renderer.letter("letter.html", context),
                subscription_id=subscription,
            )
        )
        queued += 1
    with store.transaction() as session:
        enqueue(session, messages)
    return {
        "incident": incident_id,
        "individuals": len(pseudonyms),
        "agreed_to_email": len(consent),
        "queued": queued,
        "already_queued": already,
    }
