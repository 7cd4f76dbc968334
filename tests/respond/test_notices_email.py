"""E-mail notices: only to those who agreed to e-mail, through notify's outbox, sent over SMTP."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from phiwatch import notify, respond
from phiwatch.store.models.notify import OutboxMessage
from tests.notify.conftest import SmtpServer, smtp_server, smtp_settings
from tests.respond.conftest import World
from tests.respond.notice_world import FACTS, PHONE, ready_incident, words

__all__ = ["smtp_server"]  # the fixture, used by name


def _subscribe(world: World) -> None:
    for patient, email in (("p-01", "one@example.org"), ("p-03", "parent@example.net")):
        notify.subscribe(
            world.store, world.settings, notify.SubscriptionRequest(patient, email=email)
        )
    # p-08 agreed to e-mail but is not affected; p-02 is affected but chose a webhook only
    notify.subscribe(
        world.store, world.settings, notify.SubscriptionRequest("p-08", email="eight@example.org")
    )
    notify.subscribe(
        world.store,
        world.settings,
        notify.SubscriptionRequest("p-02", webhook="https://hooks.example.org/p2"),
    )


def test_the_notice_lands_in_the_outbox_for_those_who_agreed(world: World) -> None:
    incident = ready_incident(world)
    _subscribe(world)
    result = respond.queue_email_notices(world.settings, world.store, incident)
    assert (result["agreed_to_email"], result["queued"], result["already_queued"]) == (2, 2, 0)
    with world.store.reader() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "breach")).all()
        messages = {
            m.recipient: (m.subject, m.body_text, m.body_html, m.status, m.channel) for m in rows
        }
    assert set(messages) == {"one@example.org", "parent@example.net"}
    subject, text, html, status, channel = messages["one@example.org"]
    assert subject == f"Notice of a data breach at {FACTS['organisation']}"
    assert (status, channel) == ("pending", "email")
    for expected in (FACTS["what_happened"], FACTS["org_actions"], PHONE, "March 2, 2026"):
        assert expected in words(text) and expected in words(html or "")
    assert "Dear Given Family01," in text
    assert "as the parent or guardian of Given Family03" in words(messages["parent@example.net"][1])
    again = respond.queue_email_notices(world.settings, world.store, incident)
    assert (again["queued"], again["already_queued"]) == (0, 2)


def test_notify_delivers_the_notice_over_smtp(
    world: World, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    incident = ready_incident(world)
    _subscribe(world)
    respond.queue_email_notices(world.settings, world.store, incident)
    sent = notify.deliver(smtp_settings(world.settings, smtp_server), world.store)
    assert sent.sent == 2
    received = {r.recipients[0]: r for r in smtp_server.recorder.received}
    assert set(received) == {"one@example.org", "parent@example.net"}
    assert PHONE in received["one@example.org"].text
    assert FACTS["contact_web"] in received["one@example.org"].html


def test_no_agreement_no_message(world: World) -> None:
    incident = ready_incident(world)
    result = respond.queue_email_notices(world.settings, world.store, incident)
    assert (result["agreed_to_email"], result["queued"]) == (0, 0)
    assert notify.outbox_counts(world.store)["pending"] == 0
