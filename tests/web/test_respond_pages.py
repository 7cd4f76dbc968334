"""Breach response pages: incident list, incident page, assessment form, letter preview.

The real app over a store holding the respond test world (patients in IL, WI
and IN; dr-1 read five charts, clerk-9 exported three), as the in-process
client and in Debian's chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from phiwatch import respond
from phiwatch.monitor import pseudonym_key, pseudonymise
from phiwatch.security import Role, iter_events
from tests.respond.conftest import build_world
from tests.web.conftest import WebEnv, build_env, csrf_from

FACTS = {
    "organisation": "Springfield Test Clinic",
    "what_happened": "An employee looked at records without a work reason.",
    "org_actions": "We ended the employee's access and retrained staff.",
    "contact_phone": "(800) 555-0142",
    "contact_email": "privacy@clinic.example",
}


@pytest.fixture
def env(tmp_path: Path) -> Iterator[WebEnv]:
    built = build_env(tmp_path / "data")
    try:
        build_world(built.settings, built.store, tmp_path / "input")
        yield built
    finally:
        built.store.close()


def _incident(env: WebEnv) -> int:
    incident = respond.open_incident(
        env.store, "Snooping and billing export", discovered=date(2026, 3, 2)
    )
    respond.add_source(env.store, incident, respond.from_lake(env.settings, user="dr-1"))
    respond.add_source(env.store, incident, respond.from_lake(env.settings, address="10.9.9.9"))
    return incident


def test_the_list_shows_incidents_and_what_is_due(env: WebEnv) -> None:
    incident = _incident(env)
    client = env.signed_in(Role.privacy_officer)
    data = client.get("/respond.json").json()
    assert data["ok"] is True
    assert [(i["id"], i["individuals"]) for i in data["incidents"]] == [(incident, 7)]
    assert [r["notice"] for r in data["due"]] == ["individuals", "hhs-annual-log"]
    page = client.get("/respond")
    assert page.status_code == 200
    assert 'rel="alternate"' in page.headers["link"] and "/respond.json" in page.headers["link"]
    assert f'href="/respond/incidents/{incident}"' in page.text
    assert "Snooping and billing export" in page.text


def test_the_incident_page_has_the_scope_chart_deadlines_and_sources(env: WebEnv) -> None:
    incident = _incident(env)
    client = env.signed_in(Role.auditor)
    data = client.get(f"/respond/incidents/{incident}.json").json()
    assert data["scope"]["by_state"] == {"IL": 3, "IN": 2, "WI": 2}
    assert data["chart"] == {"states": ["IL", "IN", "WI"], "counts": [3, 2, 2]}
    assert [o["notice"] for o in data["obligations"]] == ["individuals", "hhs-annual-log"]
    assert [s["kind"] for s in data["incident"]["sources"]] == ["lake", "lake"]
    assert data["can_assess"] is False  # the auditor reads only
    assert data["letters"]["ready"] is False
    html = client.get(f"/respond/incidents/{incident}").text
    assert 'id="scope-by-state-title"' in html and "<svg" in html
    for state in ("IL", "IN", "WI"):
        assert f">{state}</title>" in html or f">{state}<" in html
    assert 'id="assessment-form"' not in html
    assert "Letters cannot be written yet" in html
    key = pseudonym_key(env.settings)
    for pid in ("p-01", "p-05"):  # no patient identity, not even the pseudonym, on the page
        assert pid not in html and pseudonymise(key, pid) not in html
    assert client.get("/respond/incidents/99.json").status_code == 404


def test_the_form_saves_a_new_version_and_keeps_the_old(env: WebEnv) -> None:
    incident = _incident(env)
    officer = env.signed_in(Role.privacy_officer)
    page = officer.get(f"/respond/incidents/{incident}")
    assert 'id="assessment-form"' in page.text
    token = csrf_from(page.text)
    first = officer.post(
        f"/respond/incidents/{incident}/assessment",
        data={
            "csrf_token": token,
            "reidentification": "high",
            "recipient": "unknown",
            "acquired": "acquired",
            "mitigation": "none",
        },
        follow_redirects=False,
    )
    assert first.status_code == 303
    assert first.headers["location"] == f"/respond/incidents/{incident}#assessment"
    second = officer.post(
        f"/respond/incidents/{incident}/assessment",
        data={
            "csrf_token": token,
            "encrypted": "yes",
            "reidentification": "high",
            "recipient": "unknown",
            "acquired": "acquired",
            "mitigation": "none",
        },
        follow_redirects=False,
    )
    assert second.status_code == 303
    history = respond.assessments(env.store, incident)
    assert [(a["version"], a["result"]) for a in history] == [(1, "notify"), (2, "no_notice")]
    assert history[0]["answers"]["encrypted"] is False  # the first version is unchanged
    assert {a["decided_by"] for a in history} == {"privacy_officer person"}
    data = officer.get(f"/respond/incidents/{incident}.json").json()
    assert data["result"] == "no_notice" and data["obligations"] == []
    assert data["form"]["answers"]["encrypted"] is True  # pre-filled from the newest version
    bad = officer.post(
        f"/respond/incidents/{incident}/assessment",
        data={"csrf_token": token, "mitigation": "prayers"},
    )
    assert bad.status_code == 400 and "mitigation expects one of" in bad.text
    assert len(respond.assessments(env.store, incident)) == 2  # nothing written
    auditor = env.signed_in(Role.auditor)
    refused = auditor.post(
        f"/respond/incidents/{incident}/assessment",
        headers={"X-CSRF-Token": csrf_from(auditor.get("/").text)},
        data={"mitigation": "none"},
    )
    assert refused.status_code == 403


def test_the_officer_opens_an_incident_and_adds_its_sources(env: WebEnv) -> None:
    """The forms do what `respond open` and `respond add` do; bad input is refused, nothing kept."""
    officer = env.signed_in(Role.privacy_officer)
    listing = officer.get("/respond")
    assert 'id="open-form"' in listing.text
    token = csrf_from(listing.text)
    refused = officer.post(
        "/respond", data={"csrf_token": token, "title": " ", "discovered": "2026-03-02"}
    )
    assert refused.status_code == 400 and 'id="form-error"' in refused.text
    assert respond.list_incidents(env.store) == []
    opened = officer.post(
        "/respond",
        data={
            "csrf_token": token,
            "title": "Chart snooping",
            "discovered": "2026-03-02",
            "occurred_from": "2026-02-01",
            "business_associate": "true",
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303
    (record,) = respond.list_incidents(env.store)
    incident = record["id"]
    assert opened.headers["location"] == f"/respond/incidents/{incident}"
    shown = respond.get_incident(env.store, incident)
    assert shown["title"] == "Chart snooping" and shown["business_associate"] is True

    page = officer.get(f"/respond/incidents/{incident}")
    assert 'id="source-form"' in page.text
    sources = f"/respond/incidents/{incident}/sources"
    by_account = officer.post(
        sources,
        data={"csrf_token": token, "kind": "lake", "account": "dr-1", "elements": ["ssn"]},
        follow_redirects=False,
    )
    assert by_account.status_code == 303
    listed = "patient_id\np-07\np-08\n"
    from_list = officer.post(
        sources,
        data={"csrf_token": token, "kind": "csv"},
        files={"patients": ("from-the-vendor.csv", listed, "text/csv")},
        follow_redirects=False,
    )
    assert from_list.status_code == 303
    data = officer.get(f"/respond/incidents/{incident}.json").json()
    assert [s["kind"] for s in data["incident"]["sources"]] == ["lake", "csv"]
    assert "ssn" in data["incident"]["sources"][0]["elements"]
    assert data["scope"]["individuals"] == 7  # dr-1's five charts, and p-07, p-08

    half_window = officer.post(
        sources,
        data={"csrf_token": token, "kind": "lake", "account": "dr-1", "after": "2026-01-01T00:00"},
    )
    assert half_window.status_code == 400 and "both ends of the time window" in half_window.text
    no_case = officer.post(sources, data={"csrf_token": token, "kind": "case", "case_id": "999"})
    assert no_case.status_code == 400 and 'id="source-error"' in no_case.text
    assert "no monitor case 999" in no_case.text
    bad_file = officer.post(
        sources,
        data={"csrf_token": token, "kind": "csv"},
        files={"patients": ("list.csv", "mrn\n1\n", "text/csv")},
    )
    assert bad_file.status_code == 400 and "patient_id column" in bad_file.text
    assert len(respond.get_incident(env.store, incident)["sources"]) == 2  # nothing added

    auditor = env.signed_in(Role.auditor)
    assert 'id="open-form"' not in auditor.get("/respond").text
    assert 'id="source-form"' not in auditor.get(f"/respond/incidents/{incident}").text
    forbidden = auditor.post(
        sources,
        data={"kind": "lake", "account": "dr-1"},
        headers={"X-CSRF-Token": csrf_from(auditor.get("/").text)},
    )
    assert forbidden.status_code == 403


def test_letter_previews_sample_and_one_patient_recorded(env: WebEnv) -> None:
    incident = _incident(env)
    respond.set_facts(env.store, incident, **FACTS)
    officer = env.signed_in(Role.privacy_officer)
    data = officer.get(f"/respond/incidents/{incident}.json").json()
    assert data["letters"]["ready"] is True
    sample = officer.get(f"/respond/incidents/{incident}/letter.json?variant=guardian").json()
    assert sample["sample"] is True and sample["variant"] == "guardian"
    assert "Springfield Test Clinic" in sample["html"] and "Sample" in sample["html"]
    assert sample["language"] == "en"
    # The Spanish sample needs the Spanish facts; then it is in Spanish.
    spanish = f"/respond/incidents/{incident}/letter.json?variant=guardian&language=es"
    assert officer.get(spanish).status_code == 400
    respond.set_facts(
        env.store,
        incident,
        what_happened_es="Un empleado miró expedientes sin un motivo de trabajo.",
        org_actions_es="Le quitamos el acceso y capacitamos de nuevo al personal.",
    )
    in_spanish = officer.get(spanish).json()
    assert (
        in_spanish["language"] == "es" and "Aviso de una filtración de datos" in in_spanish["html"]
    )
    assert officer.get(f"/respond/incidents/{incident}/letter?language=fr").status_code == 400
    before = len(list(iter_events(env.store)))
    patient = pseudonymise(pseudonym_key(env.settings), "p-03")  # a minor: guardian letter
    one = officer.get(f"/respond/incidents/{incident}/letter?patient={patient}")
    assert one.status_code == 200
    assert "Family03" in one.text
    events = list(iter_events(env.store))
    assert len(events) == before + 1
    recorded = events[-1]
    assert any(e.get("what", {}).get("reference", "").endswith(patient) for e in recorded["entity"])
    stranger = pseudonymise(pseudonym_key(env.settings), "p-08")  # not affected
    assert (
        officer.get(f"/respond/incidents/{incident}/letter?patient={stranger}").status_code == 404
    )
    assert (
        env.signed_in(Role.auditor)
        .get(f"/respond/incidents/{incident}/letter?variant=individual")
        .status_code
        == 403
    )


CHROMIUM = Path("/usr/bin/chromium")


@contextmanager
def _officer_in_chromium(env: WebEnv) -> Iterator[tuple[Any, str]]:
    """A page in Debian's chromium, signed in as the privacy officer, and the app's address."""
    from playwright.sync_api import sync_playwright

    from tests.web.test_browser import live

    with live(env) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            page.goto(f"{base}/login")
            page.fill("#username", "privacy-officer")
            page.fill("#password", "correct horse battery staple")
            page.click("#sign-in")
            page.wait_for_selector("#signed-in-as")
            yield page, base
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_in_a_browser_the_officer_assesses_an_incident(env: WebEnv, tmp_path: Path) -> None:
    incident = _incident(env)
    with _officer_in_chromium(env) as (page, base):
        requests: list[str] = []
        problems: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.click("text=Incidents")
        page.click("#incidents >> text=Snooping and billing export")
        page.wait_for_selector("#scope-by-state-title", state="attached")
        assert page.inner_text("#individuals") == "7"
        page.select_option("#q-mitigation", "assurances")
        page.check("#q-encrypted")
        page.click("#save-assessment")
        page.wait_for_selector("#assessments >> text=no_notice")
        assert "low probability" in page.inner_text("#result")
        assert page.inner_text("#obligations tbody") == "No notice is owed."
        page.screenshot(path=str(tmp_path / "respond-incident.png"), full_page=True)
        assert all(url.startswith(base) for url in requests)
        assert not problems, problems
    versions = respond.assessments(env.store, incident)
    assert [v["answers"]["mitigation"] for v in versions] == ["assurances"]


@pytest.mark.browser
def test_in_a_browser_the_officer_opens_an_incident_from_the_list(env: WebEnv) -> None:
    with _officer_in_chromium(env) as (page, base):
        page.goto(f"{base}/respond")
        page.click("#open-incident summary")
        page.fill("#open-title", "Billing export")
        page.fill("#open-discovered", "2026-03-02")
        page.click("#open-submit")
        page.wait_for_selector("#source-form", state="attached")
        page.click("#add-source summary")
        page.fill("#source-address", "10.9.9.9")
        page.click("#source-submit")
        page.wait_for_selector("#sources >> text=lake")
        assert page.inner_text("#individuals") == "3"
    (record,) = respond.list_incidents(env.store)
    assert (record["title"], record["individuals"]) == ("Billing export", 3)
