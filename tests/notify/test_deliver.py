"""Delivery to a real SMTP server and a real HTTP receiver on loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from phiwatch.errors import ConfigurationError
from phiwatch.notify import (
    SubscriptionRequest,
    backoff,
    compose,
    deliver,
    outbox_counts,
    parse_smtp_url,
    subscribe,
    verify_webhook,
    webhook_key,
)
from phiwatch.store.models.notify import OutboxMessage
from tests.notify.conftest import Hospital, HttpReceiver, SmtpServer, json_body, smtp_settings

UNEXPLAINED = "2024-05-03 10:00:00,rn-9,{patient},Chart Review Accessed,WS2"


def _alert_for(hospital: Hospital, *patients: str) -> None:
    hospital.ingest("day1", [UNEXPLAINED.format(patient=p) for p in patients])
    compose(hospital.settings, hospital.store)


def test_email_alert_arrives_with_text_html_and_unsubscribe_header(
    hospital: Hospital, smtp_server: SmtpServer
) -> None:
    settings = smtp_settings(hospital.settings, smtp_server, notify_from="privacy@hospital.test")
    subscribe(hospital.store, settings, SubscriptionRequest("p-1", email="ana@example.org"))
    _alert_for(hospital, "p-1")
    result = deliver(settings, hospital.store)
    assert (result.sent, result.failed) == (1, 0)
    (mail,) = smtp_server.recorder.received
    assert mail.recipients == ["ana@example.org"]
    assert mail.sender == "privacy@hospital.test"
    assert mail.message["Subject"].startswith("Please check")
    assert mail.message["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/notify/unsubscribe/")
    assert "Nurse M. Quill, Oncology viewed your record" in mail.text
    assert "<strong>Please check:</strong>" in mail.html
    assert outbox_counts(hospital.store)["sent"] == 1
    assert deliver(settings, hospital.store).sent == 0  # nothing is sent twice


def test_webhook_is_signed_and_verifiable(hospital: Hospital, http_receiver: HttpReceiver) -> None:
    subscribe(
        hospital.store, hospital.settings, SubscriptionRequest("p-1", webhook=http_receiver.url)
    )
    _alert_for(hospital, "p-1")
    assert deliver(hospital.settings, hospital.store).sent == 1
    (request,) = http_receiver.requests
    headers = {k.lower(): v for k, v in request["headers"].items()}
    key = webhook_key(hospital.settings)
    assert verify_webhook(
        key, headers["x-phiwatch-timestamp"], request["body"], headers["x-phiwatch-signature"]
    )
    assert not verify_webhook(
        key,
        headers["x-phiwatch-timestamp"],
        request["body"] + b" ",
        headers["x-phiwatch-signature"],
    )
    assert headers["idempotency-key"].startswith("alert:")
    assert json_body(request)["items"][0]["who"] == "Nurse M. Quill, Oncology"


def test_webhook_failure_is_retried_with_backoff_then_succeeds(
    hospital: Hospital, http_receiver: HttpReceiver
) -> None:
    http_receiver.status = [503]
    subscribe(
        hospital.store, hospital.settings, SubscriptionRequest("p-1", webhook=http_receiver.url)
    )
    _alert_for(hospital, "p-1")
    first = deliver(hospital.settings, hospital.store)
    assert (first.sent, first.retrying) == (0, 1)
    with hospital.store.reader() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert row.status == "pending" and row.attempts == 1
        assert row.last_error == "receiver answered 503"
        wait = row.next_attempt_at.replace(tzinfo=UTC) - datetime.now(UTC)
        assert timedelta(seconds=20) < wait <= backoff(1)
    assert deliver(hospital.settings, hospital.store).sent == 0  # not due yet
    with hospital.store.transaction() as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=datetime.now(UTC)))
    assert deliver(hospital.settings, hospital.store).sent == 1
    assert len(http_receiver.requests) == 2


def test_a_permanent_webhook_refusal_fails_at_once(
    hospital: Hospital, http_receiver: HttpReceiver
) -> None:
    http_receiver.status = [410]
    subscribe(
        hospital.store, hospital.settings, SubscriptionRequest("p-1", webhook=http_receiver.url)
    )
    _alert_for(hospital, "p-1")
    assert deliver(hospital.settings, hospital.store).failed == 1
    assert outbox_counts(hospital.store)["failed"] == 1


def test_refused_recipient_is_recorded_as_bounced(
    hospital: Hospital, smtp_server: SmtpServer
) -> None:
    smtp_server.recorder.refuse["gone@example.org"] = "550 5.1.1 no such user"
    settings = smtp_settings(hospital.settings, smtp_server)
    subscribe(hospital.store, settings, SubscriptionRequest("p-1", email="gone@example.org"))
    subscribe(hospital.store, settings, SubscriptionRequest("p-2", email="kim@example.org"))
    _alert_for(hospital, "p-1", "p-2")
    result = deliver(settings, hospital.store)
    assert (result.sent, result.bounced) == (1, 1)
    with hospital.store.reader() as session:
        bounced = session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == "bounced")
        ).one()
        assert bounced.last_error == "recipient refused (550)"
    assert [m.recipients for m in smtp_server.recorder.received] == [["kim@example.org"]]


def test_unreachable_server_means_retry_and_attempts_run_out(hospital: Hospital) -> None:
    settings = hospital.with_settings(notify_max_attempts=2)
    from pydantic import SecretStr

    settings = settings.model_copy(update={"smtp_url": SecretStr("smtp://127.0.0.1:1?timeout=2")})
    subscribe(hospital.store, settings, SubscriptionRequest("p-1", email="ana@example.org"))
    _alert_for(hospital, "p-1")
    assert deliver(settings, hospital.store).retrying == 1
    with hospital.store.transaction() as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=datetime.now(UTC)))
    assert deliver(settings, hospital.store).failed == 1
    with hospital.store.reader() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert row.attempts == 2 and (row.last_error or "").startswith("connection failed")


def test_rate_limit_per_domain_defers_the_rest(hospital: Hospital, smtp_server: SmtpServer) -> None:
    settings = smtp_settings(hospital.settings, smtp_server, notify_rate_per_domain=2)
    for patient in ("p-1", "p-2", "p-3"):
        subscribe(
            hospital.store, settings, SubscriptionRequest(patient, email=f"{patient}@same.example")
        )
    _alert_for(hospital, "p-1", "p-2", "p-3")
    result = deliver(settings, hospital.store)
    assert (result.sent, result.deferred) == (2, 1)
    assert len(smtp_server.recorder.received) == 2
    assert outbox_counts(hospital.store)["pending"] == 1


def test_without_smtp_url_email_waits_in_the_outbox(hospital: Hospital) -> None:
    subscribe(hospital.store, hospital.settings, SubscriptionRequest("p-1", email="a@example.org"))
    _alert_for(hospital, "p-1")
    assert deliver(hospital.settings, hospital.store).sent == 0
    assert outbox_counts(hospital.store)["pending"] == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://u:p%40ss@mail.example.org:587?starttls=true",
            ("mail.example.org", 587, True, "p@ss"),
        ),
        ("smtps://mail.example.org", ("mail.example.org", 465, False, None)),
        ("smtp://127.0.0.1:2525", ("127.0.0.1", 2525, False, None)),
    ],
)
def test_smtp_url(url: str, expected: tuple[object, ...]) -> None:
    target = parse_smtp_url(url)
    assert (target.host, target.port, target.starttls, target.password) == expected


@pytest.mark.parametrize("url", ["http://mail.example.org", "smtp://", "smtp://h:port"])
def test_bad_smtp_url_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match="smtp_url"):
        parse_smtp_url(url)


def test_a_down_smtp_server_is_tried_once_per_run_and_webhooks_still_go(
    hospital: Hospital, http_receiver: HttpReceiver
) -> None:
    from pydantic import SecretStr

    settings = hospital.settings.model_copy(
        update={"smtp_url": SecretStr("smtp://127.0.0.1:1?timeout=2")}
    )
    for patient in ("p-1", "p-2"):
        subscribe(hospital.store, settings, SubscriptionRequest(patient, email=f"{patient}@x.org"))
    subscribe(hospital.store, settings, SubscriptionRequest("p-3", webhook=http_receiver.url))
    _alert_for(hospital, "p-1", "p-2", "p-3")
    result = deliver(settings, hospital.store)
    assert (result.sent, result.retrying) == (1, 2)
    assert len(http_receiver.requests) == 1
    with hospital.store.reader() as session:
        attempts = sorted(
            session.scalars(
                select(OutboxMessage.attempts).where(OutboxMessage.channel == "email")
            ).all()
        )
    assert attempts == [0, 1]  # the second e-mail was given back untried
