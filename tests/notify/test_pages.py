"""The patient's signed links on the real web app: message page, "that wasn't me", unsubscribe."""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from phiwatch.monitor import list_alerts, list_cases, pseudonym_key, pseudonymise
from phiwatch.notify import (
    LinkClaim,
    LinkSigner,
    SubscriptionRequest,
    compose,
    list_reports,
    list_subscriptions,
    sign_link,
)
from phiwatch.security import enable_field_encryption
from phiwatch.store.models.notify import OutboxMessage
from phiwatch.web import create_app
from tests.notify.conftest import Hospital
from tests.web.conftest import TestClient, csrf_from


@pytest.fixture
def alerted(hospital: Hospital) -> tuple[Hospital, TestClient, dict[str, str]]:
    """p-1 subscribed and alerted about an unexplained view; the links of that alert."""
    from phiwatch.notify import subscribe

    subscribe(hospital.store, hospital.settings, SubscriptionRequest("p-1", email="a@example.org"))
    hospital.ingest("day1", ["2024-05-03 10:00:00,rn-9,p-1,Chart Review Accessed,WS2"])
    compose(hospital.settings, hospital.store)
    enable_field_encryption(hospital.store, hospital.settings)
    with hospital.store.reader() as session:
        stored = json.loads(session.scalars(select(OutboxMessage.items)).one() or "{}")
    links = {
        "message": urlsplit(stored["report_url"]).path,
        "unsubscribe": urlsplit(stored["unsubscribe_url"]).path,
    }
    app = create_app(hospital.settings, store=hospital.store)
    return hospital, TestClient(app), links


def test_the_message_page_and_its_json_twin(alerted) -> None:
    _, client, links = alerted
    page = client.get(links["message"])
    assert page.status_code == 200
    assert "Nurse M. Quill, Oncology" in page.text
    assert "that wasn&#39;t me" in page.text or "that wasn't me" in page.text
    twin = client.get(links["message"] + ".json")
    assert twin.status_code == 200
    body = twin.json()
    assert body["ok"] is True and body["items"][0]["attention"] is True
    assert "user" not in body["items"][0] and "event_ids" not in body["items"][0]


def test_that_wasnt_me_opens_a_report_for_the_privacy_office(alerted) -> None:
    hospital, client, links = alerted
    token = csrf_from(client.get(links["message"]).text)
    answer = client.post(
        links["message"],
        data={"csrf_token": token, "verdict": "not_me", "words": "I was abroad that week."},
    )
    assert answer.status_code == 201 and 'id="answer-reported"' in answer.text
    (report,) = list_reports(hospital.store, hospital.settings)
    key = pseudonym_key(hospital.settings)
    assert report["status"] == "open" and report["verdict"] == "not_me"
    assert report["patient"] == pseudonymise(key, "p-1")
    assert report["users"] == [pseudonymise(key, "rn-9")]
    assert len(report["events"]) == 1
    assert report["words"] == "I was abroad that week."
    # The report is in the monitor's review queue: an alert in the staff member's open case.
    (case,) = list_cases(hospital.store)
    assert case["user_pseudonym"] == pseudonymise(key, "rn-9") and case["status"] == "new"
    (alert,) = list_alerts(hospital.store)
    assert alert["detector"] == "patient-report" and alert["evidence"] == report["events"]
    assert "I was abroad" not in str(alert)  # the patient's words stay with the report


def test_a_report_closes_when_its_review_does(alerted) -> None:
    """Dismissing the alert filed from a report (or closing its case) closes the report."""
    from phiwatch.monitor import dismiss_alert, escalate_alert, update_case

    hospital, client, links = alerted
    token = csrf_from(client.get(links["message"]).text)
    client.post(links["message"], data={"csrf_token": token, "verdict": "not_me"})
    (alert,) = list_alerts(hospital.store)
    case_id = escalate_alert(hospital.store, alert["id"], by="alice")
    assert [r["status"] for r in list_reports(hospital.store, hospital.settings)] == ["open"]
    update_case(hospital.store, case_id, status="confirmed", note="confirmed snooping")
    assert list_reports(hospital.store, hospital.settings) == []
    (closed,) = list_reports(hospital.store, hospital.settings, status="closed")
    assert closed["verdict"] == "not_me"

    # A second report, whose alert is dismissed as benign, closes too.
    compose(hospital.settings, hospital.store)
    client.post(links["message"], data={"csrf_token": token, "verdict": "not_me"})
    opened = list_reports(hospital.store, hospital.settings)
    assert len(opened) == 1
    fresh = [a for a in list_alerts(hospital.store) if a["id"] != alert["id"]]
    dismiss_alert(hospital.store, fresh[0]["id"], "benign", by="alice")
    assert list_reports(hospital.store, hospital.settings) == []
    assert len(list_reports(hospital.store, hospital.settings, status="closed")) == 2


def test_recognised_is_recorded_closed(alerted) -> None:
    hospital, client, links = alerted
    token = csrf_from(client.get(links["message"]).text)
    client.post(links["message"], data={"csrf_token": token, "verdict": "recognised"})
    assert list_reports(hospital.store, hospital.settings) == []
    assert [r["verdict"] for r in list_reports(hospital.store, hospital.settings, status=None)] == [
        "recognised"
    ]
    assert list_cases(hospital.store) == []


def _tamper(path: str) -> str:
    body, _, signature = path.rpartition("/")[2].partition(".")
    flipped = ("A" if body[5] != "A" else "B").join((body[:5], body[6:]))
    return path.rpartition("/")[0] + "/" + flipped + "." + signature


def test_tampered_expired_and_misused_links_are_refused(alerted) -> None:
    hospital, client, links = alerted
    assert client.get(_tamper(links["message"])).status_code == 404
    assert client.get(_tamper(links["unsubscribe"])).status_code == 404
    signer = LinkSigner(hospital.settings)
    claim_path = links["message"].rpartition("/")[2]
    message_key = json.loads(
        __import__("base64").urlsafe_b64decode(claim_path.split(".")[0] + "==")
    )["k"]
    expired = sign_link(signer.key, LinkClaim("message", 1, 1, int(time.time()) - 1, message_key))
    refused = client.get(f"/notify/m/{expired}.json")
    assert refused.status_code == 404
    assert refused.json()["error"].startswith("this link is not valid")
    # an unsubscribe link does not open a message, nor a message link unsubscribe
    assert client.get("/notify/m/" + links["unsubscribe"].rpartition("/")[2]).status_code == 404
    assert client.get("/notify/unsubscribe/" + claim_path).status_code == 404
    # a link signed with another installation's key
    foreign = sign_link(b"x" * 32, LinkClaim("message", 1, 1, int(time.time()) + 60, message_key))
    assert client.get(f"/notify/m/{foreign}").status_code == 404


def test_one_link_unsubscribes_and_withdraws_every_link(alerted) -> None:
    hospital, client, links = alerted
    page = client.get(links["unsubscribe"])
    assert page.status_code == 200
    done = client.post(links["unsubscribe"], data={"csrf_token": csrf_from(page.text)})
    assert done.status_code == 200 and 'id="unsubscribed"' in done.text
    assert list_subscriptions(hospital.store, hospital.settings) == []
    assert client.get(links["message"]).status_code == 404
    assert client.get(links["unsubscribe"]).status_code == 404
    hospital.ingest("day2", ["2024-05-04 10:00:00,rn-9,p-1,Chart Review Accessed,WS2"])
    assert compose(hospital.settings, hospital.store).alerts == 0
