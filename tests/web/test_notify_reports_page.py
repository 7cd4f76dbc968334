"""The privacy officer's page of patients' "that wasn't me" reports, on the real app.

A patient of notify's tiny hospital is subscribed, an unexplained access is
ingested, notify composes the alert, and the patient answers on the real
message page of the same app. The report, and the alert it filed in the
monitor's review queue, then show on ``/notify/reports``.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from phiwatch import monitor, notify
from phiwatch.security import Role, enable_field_encryption, iter_events
from phiwatch.store.models.notify import OutboxMessage
from tests.notify.conftest import ingest_rows, load_hospital
from tests.web.conftest import WebEnv, csrf_from

WORDS = "I was abroad that week, nobody should have opened it."


def _report(env: WebEnv, folder: Path, verdict: str = "not_me") -> None:
    """p-1 is alerted about an unexplained view by rn-9 and answers on the message page."""
    load_hospital(env.settings, env.store, folder / "context")
    notify.subscribe(
        env.store, env.settings, notify.SubscriptionRequest("p-1", email="a@example.org")
    )
    ingest_rows(
        env.settings, folder / "events", "day1", ["2024-05-03 10:00:00,rn-9,p-1,Chart Review,WS2"]
    )
    notify.compose(env.settings, env.store)
    enable_field_encryption(env.store, env.settings)
    with env.store.reader() as session:
        stored = json.loads(session.scalars(select(OutboxMessage.items)).one() or "{}")
    link = urlsplit(stored["report_url"]).path
    patient = env.client()
    token = csrf_from(patient.get(link).text)
    answer = patient.post(link, data={"csrf_token": token, "verdict": verdict, "words": WORDS})
    assert answer.status_code == 201


@pytest.fixture
def reported(web: WebEnv, tmp_path: Path) -> WebEnv:
    _report(web, tmp_path)
    return web


def _pseudonym(env: WebEnv, identifier: str) -> str:
    return monitor.pseudonymise(monitor.pseudonym_key(env.settings), identifier)


def test_the_privacy_officer_sees_the_report_its_words_and_its_case(reported: WebEnv) -> None:
    client = reported.signed_in(Role.privacy_officer)
    before = len(list(iter_events(reported.store)))
    page = client.get("/notify/reports")
    assert page.status_code == 200
    assert page.headers["link"].startswith("</notify/reports.json>")
    body = client.get("/notify/reports.json").json()
    (report,) = body["reports"]
    assert report["verdict"] == "not_me" and report["status"] == "open"
    assert report["words"] == WORDS
    assert report["patient_pseudonym"] == _pseudonym(reported, "p-1")
    assert report["user_pseudonyms"] == [_pseudonym(reported, "rn-9")]
    assert report["events"] == 1
    (linked,) = report["alerts"]
    (alert,) = monitor.list_alerts(reported.store, detector="patient-report")
    assert linked["alert"] == alert["id"] and linked["case"] == alert["case"]
    assert linked["case_status"] == "new" and linked["alert_status"] == "open"
    assert f'href="/monitor/cases/{alert["case"]}"' in page.text
    assert f'href="/monitor/alerts/{alert["id"]}"' in page.text
    assert "I was abroad that week" in page.text
    # Pseudonyms unless asked: no names on the page.
    assert "Rivera" not in page.text and "Quill" not in page.text
    # Two views, each recorded (the patient's words are PHI).
    events = list(iter_events(reported.store))
    assert len(events) == before + 2
    entities = {e["what"].get("reference") for e in events[-1]["entity"]}
    assert f"Patient/{_pseudonym(reported, 'p-1')}" in entities


def test_names_on_request_for_the_privacy_officer(reported: WebEnv) -> None:
    client = reported.signed_in(Role.privacy_officer)
    page = client.get("/notify/reports?names=1")
    assert "Ana Rivera" in page.text and "Max Quill" in page.text


def test_the_auditor_sees_reports_without_words_or_names(reported: WebEnv) -> None:
    client = reported.signed_in(Role.auditor)
    page = client.get("/notify/reports")
    assert page.status_code == 200
    assert "abroad" not in page.text
    (report,) = client.get("/notify/reports.json").json()["reports"]
    assert report["words"] is None and report["alerts"]
    assert client.get("/notify/reports?names=1").status_code == 403


def test_the_report_follows_its_case(reported: WebEnv) -> None:
    """Escalating the filed alert shows on the reports page: one story across both pages."""
    (alert,) = monitor.list_alerts(reported.store, detector="patient-report")
    monitor.escalate_alert(reported.store, alert["id"], by="privacy-officer", note="Calling")
    client = reported.signed_in(Role.privacy_officer)
    (report,) = client.get("/notify/reports.json").json()["reports"]
    assert report["alerts"][0]["alert_status"] == "escalated"
    assert report["alerts"][0]["case_status"] == "reviewing"


def test_recognised_answers_are_closed_and_listed_under_all(web: WebEnv, tmp_path: Path) -> None:
    _report(web, tmp_path, verdict="recognised")
    client = web.signed_in(Role.privacy_officer)
    assert client.get("/notify/reports.json").json()["reports"] == []
    (report,) = client.get("/notify/reports.json?status=all").json()["reports"]
    assert report["verdict"] == "recognised" and report["alerts"] == []
    assert client.get("/notify/reports.json?status=bogus").status_code == 400


def test_other_roles_are_refused(reported: WebEnv) -> None:
    for role in (Role.admin, Role.analyst, Role.reviewer):
        response = reported.signed_in(role).get("/notify/reports.json")
        assert response.status_code == 403
        assert "abroad" not in response.text
