"""From ingested events to alerts and digests in the outbox (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select

from phiwatch.errors import InputError, NotFoundError
from phiwatch.notify import SubscriptionRequest, compose, subscribe
from phiwatch.security import enable_field_encryption
from phiwatch.store.models.notify import IngestSeen, OutboxMessage
from tests.notify.conftest import Hospital


def _outbox(hospital: Hospital) -> list[OutboxMessage]:
    enable_field_encryption(hospital.store, hospital.settings)
    with hospital.store.reader() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _subscribe_three(hospital: Hospital) -> None:
    s, store = hospital.settings, hospital.store
    subscribe(store, s, SubscriptionRequest("p-1", email="ana@example.org", digest="daily"))
    subscribe(
        store,
        s,
        SubscriptionRequest("p-2", email="kim@example.net", immediate=False, digest="daily"),
    )
    subscribe(store, s, SubscriptionRequest("p-3", webhook="http://127.0.0.1:9/hook"))


DAY_ONE = [
    "2024-05-03 09:00:00,dr-1,p-1,Chart Review Accessed,WS1",  # attending: explained
    "2024-05-03 10:00:00,rn-9,p-1,Chart Review Accessed,WS2",  # oncology nurse: unexplained
    "2024-05-03 11:00:00,reg-1,p-1,Demographics Edited,WS3",  # a change: always alerted
    "2024-05-03 12:00:00,rn-2,p-2,Notes Viewed,WS4",  # cardiology colleague: explained
    "2024-05-03 13:00:00,dr-1,p-3,Report Printed,WS5",  # no visit: unexplained
]


def test_alerts_for_changes_and_unexplained_accesses_only(hospital: Hospital) -> None:
    _subscribe_three(hospital)
    hospital.ingest("day1", DAY_ONE)
    result = compose(hospital.settings, hospital.store)
    assert (result.ingests, result.alerts, result.digests) == (1, 2, 0)  # no day has ended yet
    messages = {m.idempotency_key.split(":")[1]: m for m in _outbox(hospital)}
    assert len(messages) == 2
    ana = next(m for m in _outbox(hospital) if m.channel == "email")
    assert ana.recipient == "ana@example.org" and ana.domain == "example.org"
    assert ana.subject.startswith("Please check")
    text = ana.body_text
    assert "Nurse M. Quill, Oncology viewed your record" in text
    assert "We found no visit or care relationship that explains this" in text
    assert (
        "Registration clerk D. Park, Registration changed your address or contact details" in text
    )
    assert "Doctor L. Ng" not in text  # the attending's explained view is not an alert
    assert text.count("[PLEASE CHECK]") == 2
    assert "/notify/m/" in text and "/notify/unsubscribe/" in text
    webhook = next(m for m in _outbox(hospital) if m.channel == "webhook")
    payload = json.loads(webhook.body_text)
    assert payload["type"] == "alert"
    assert payload["items"][0]["what"] == "printed part of your record"
    assert payload["items"][0]["attention"] is True
    assert "user" not in payload["items"][0]  # pseudonyms stay inside phiwatch


def test_compose_twice_makes_no_second_message(hospital: Hospital) -> None:
    _subscribe_three(hospital)
    hospital.ingest("day1", DAY_ONE)
    compose(hospital.settings, hospital.store)
    again = compose(hospital.settings, hospital.store)
    assert (again.ingests, again.alerts, again.digests) == (0, 0, 0)
    with hospital.store.transaction() as session:
        session.execute(delete(IngestSeen))  # forget the cursor: the keys still hold
    assert compose(hospital.settings, hospital.store).ingests == 1
    assert len(_outbox(hospital)) == 2


def test_daily_digest_after_the_lake_moves_on_and_late_logs_get_their_own(
    hospital: Hospital,
) -> None:
    _subscribe_three(hospital)
    hospital.ingest("day1", DAY_ONE)
    compose(hospital.settings, hospital.store)
    hospital.ingest("day2", ["2024-05-04 08:00:00,dr-1,p-2,Chart Review Accessed,WS1"])
    result = compose(hospital.settings, hospital.store)
    assert result.digests == 2 and result.digest_periods >= 1
    digests = {m.subscription_id: m for m in _outbox(hospital) if m.kind == "digest"}
    assert len(digests) == 2
    ana = next(m for m in digests.values() if m.recipient == "ana@example.org")
    assert ana.subject == "Who opened your health record: on 3 May 2024"
    assert "Doctor L. Ng, Cardiology viewed your record" in ana.body_text
    assert "they took part in your visit on 3 May 2024 in Cardiology" in ana.body_text
    kim = next(m for m in digests.values() if m.recipient == "kim@example.net")
    assert "they work in Cardiology, where you had your visit on 3 May 2024" in kim.body_text
    assert "4 May" not in kim.body_text  # 4 May has not ended in the lake yet

    hospital.ingest("late", ["2024-05-03 23:00:00,rn-9,p-2,Chart Review Accessed,WS9"])
    late = compose(hospital.settings, hospital.store)
    assert late.digests == 1
    newest = _outbox(hospital)[-1]
    assert newest.kind == "digest" and newest.recipient == "kim@example.net"
    assert "(late entries)" in newest.subject
    assert "Nurse M. Quill, Oncology" in newest.body_text
    assert "Doctor L. Ng" not in newest.body_text  # already told in the first digest


def test_events_ingested_before_subscribing_are_not_reported(hospital: Hospital) -> None:
    hospital.ingest("day1", DAY_ONE)
    _subscribe_three(hospital)
    assert compose(hospital.settings, hospital.store).alerts == 0


def test_role_and_department_policy_hides_names(hospital: Hospital) -> None:
    settings = hospital.with_settings(notify_staff_names="role_and_department")
    subscribe(hospital.store, settings, SubscriptionRequest("p-1", email="ana@example.org"))
    hospital.ingest("day1", DAY_ONE)
    compose(settings, hospital.store)
    text = _outbox(hospital)[0].body_text
    assert "A nurse in Oncology viewed your record" in text
    assert "Quill" not in text and "Park" not in text


def test_no_diagnosis_reaches_a_message(hospital: Hospital) -> None:
    subscribe(hospital.store, hospital.settings, SubscriptionRequest("p-1", email="a@example.org"))
    hospital.ingest("day1", ["2024-05-03 10:00:00,rn-9,p-1,Results Review HIV positive,WS2"])
    compose(hospital.settings, hospital.store)
    message = _outbox(hospital)[0]
    assert "HIV" not in message.body_text and "HIV" not in (message.body_html or "")
    assert "viewed your record" in message.body_text


def test_unknown_patient_and_bad_requests_are_refused(hospital: Hospital) -> None:
    with pytest.raises(NotFoundError):
        subscribe(hospital.store, hospital.settings, SubscriptionRequest("p-404", email="a@b.org"))
    with pytest.raises(InputError, match="e-mail"):
        subscribe(hospital.store, hospital.settings, SubscriptionRequest("p-1", email="nope"))
    with pytest.raises(InputError, match="immediate alerts, a digest or both"):
        subscribe(
            hospital.store,
            hospital.settings,
            SubscriptionRequest("p-1", email="a@b.org", immediate=False),
        )


def test_weekly_digest_covers_the_iso_week_once_it_is_over(hospital: Hospital) -> None:
    subscribe(
        hospital.store,
        hospital.settings,
        SubscriptionRequest("p-1", email="ana@example.org", immediate=False, digest="weekly"),
    )
    hospital.ingest("fri", ["2024-05-03 09:00:00,dr-1,p-1,Chart Review Accessed,WS1"])
    hospital.ingest("sun", ["2024-05-05 09:00:00,rn-9,p-1,Chart Review Accessed,WS1"])
    assert compose(hospital.settings, hospital.store).digests == 0  # the week is not over
    hospital.ingest("mon", ["2024-05-06 09:00:00,dr-1,p-1,Chart Review Accessed,WS1"])
    assert compose(hospital.settings, hospital.store).digests == 1
    (digest,) = _outbox(hospital)
    assert digest.idempotency_key == f"digest:{digest.subscription_id}:weekly:2024-W18:0:email"
    assert digest.subject == "Who opened your health record: from 29 April 2024 to 5 May 2024"
    assert "3 May 2024, 09:00 UTC: Doctor L. Ng" in digest.body_text
    assert "5 May 2024, 09:00 UTC: Nurse M. Quill" in digest.body_text
    assert "6 May" not in digest.body_text


def test_a_late_log_alerts_when_it_is_ingested_whatever_its_date(hospital: Hospital) -> None:
    subscribe(hospital.store, hospital.settings, SubscriptionRequest("p-1", email="a@example.org"))
    hospital.ingest("today", ["2024-05-10 09:00:00,dr-1,p-1,Chart Review Accessed,WS1"])
    compose(hospital.settings, hospital.store)
    alerts_before = len(_outbox(hospital))
    hospital.ingest("weeks-late", ["2024-04-01 03:00:00,rn-9,p-1,Report Printed,WS7"])
    assert compose(hospital.settings, hospital.store).alerts == 1
    late = _outbox(hospital)[alerts_before]
    assert "1 April 2024, 03:00 UTC: Nurse M. Quill, Oncology printed part of your record" in (
        late.body_text
    )
