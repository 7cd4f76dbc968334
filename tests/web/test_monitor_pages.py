"""The review queue, alert and case pages on the real app, over alerts the real detectors raised.

A small hospital (tests/monitor/detect/hospital.py) goes through the real
pipeline: context load, ingest into the lake, detection. Its two weeks of
explained work give the detectors a baseline; on the incident days a
doctor opens a VIP's record (VIP access), a database administrator pulls
two hundred patients in one night (bulk access) and another doctor opens the
same VIP (VIP access again). The pages are then used as each role would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from phiwatch import monitor
from phiwatch.config import load_settings
from phiwatch.security import Role, add_user, iter_events
from phiwatch.store import open_store
from phiwatch.web import create_app
from tests.monitor.detect.hospital import START, Hospital, pseudonym, run_pipeline
from tests.web.conftest import PASSWORD, WebEnv, csrf_from

DAYS = range(12)
INCIDENT_DAY = 8


def incident_hospital() -> Hospital:
    """Four staff with explained work, a VIP, and three incidents."""
    h = Hospital()
    h.worker("dr-a", "Adams", "Alice", line="10 Maple Street")
    h.worker("dr-b", "Baker", "Bob", dept="ED", line="20 Pine Road")
    h.worker("rn-c", "Clark", "Cora", role="nurse", line="5 Cedar Court")
    h.worker("it-f", "Fox", "Finn", role="dba", dept="IT", line="9 Ash Way")
    for n in range(1, 4):
        h.patient(f"p-{n:03d}", f"Person{n}", line=f"{100 + n * 20} Willow Drive")
        h.routine("dr-a", f"p-{n:03d}", "CARD", DAYS, hour=9 + n)
    for n in range(4, 7):
        h.patient(f"p-{n:03d}", f"Person{n}", line=f"{100 + n * 20} Willow Drive")
        h.routine("dr-b", f"p-{n:03d}", "ED", DAYS, hour=4 + n)
        h.encounter(f"p-{n:03d}", "ED", 0, 11, "rn-c")
        for day in DAYS:
            h.access("rn-c", f"p-{n:03d}", day, 8 + n)
    for day in DAYS:
        h.access("it-f", None, day, 9, action="E", subtype="login")
    h.patient("p-vip", "Starling", "Vera", line="1 Hollywood Blvd", vip=True)
    h.access("dr-b", "p-vip", INCIDENT_DAY, 14)
    h.access("dr-a", "p-vip", INCIDENT_DAY + 1, 15)
    for page in range(2):
        h.access(
            "it-f",
            [f"q-{page}-{n}" for n in range(100)],
            INCIDENT_DAY,
            2,
            page,
            subtype="search-type",
        )
    return h


@dataclass
class Scene:
    """The web app over the detected hospital, and which alert is which."""

    env: WebEnv
    bulk: dict[str, Any]
    vip_b: dict[str, Any]
    vip_a: dict[str, Any]

    def pseudonym(self, identifier: str) -> str:
        return pseudonym(self.env.settings, identifier)


def build_scene(env: WebEnv) -> Scene:
    run_pipeline(incident_hospital(), env.settings, env.store)
    alerts = monitor.list_alerts(env.store, limit=100)
    by_user = {(a["user_pseudonym"], a["title"]): a for a in alerts}

    def find(user: str, word: str) -> dict[str, Any]:
        p = pseudonym(env.settings, user)
        (match,) = [a for (u, title), a in by_user.items() if u == p and word in title]
        return match

    return Scene(env, find("it-f", "Bulk"), find("dr-b", "VIP"), find("dr-a", "VIP"))


@pytest.fixture
def scene(web: WebEnv) -> Scene:
    return build_scene(web)


def _post(client, path: str, page: str, **data: str):
    token = csrf_from(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


# --- the queue -----------------------------------------------------------------------------


def test_queue_lists_open_alerts_most_severe_first(scene: Scene) -> None:
    client = scene.env.signed_in(Role.privacy_officer)
    page = client.get("/monitor")
    assert page.status_code == 200
    assert page.headers["link"].startswith("</monitor.json>")
    twin = client.get("/monitor.json").json()
    ids = [a["id"] for a in twin["alerts"]]
    assert ids[0] == scene.bulk["id"]  # critical (95) before high (75)
    assert {scene.vip_a["id"], scene.vip_b["id"]} <= set(ids)
    scores = [a["score"] for a in twin["alerts"]]
    assert scores == sorted(scores, reverse=True)
    # Within one score, newest first: dr-a's VIP access was a day after dr-b's.
    vip_order = [i for i in ids if i in (scene.vip_a["id"], scene.vip_b["id"])]
    assert vip_order == [scene.vip_a["id"], scene.vip_b["id"]]
    assert all(a["status"] == "open" for a in twin["alerts"])
    assert twin["total"] == len(ids) and twin["counts"]["open"] == len(ids)
    # Pseudonyms by default: no name reaches the page.
    assert "Starling" not in page.text and "Baker" not in page.text
    assert f"#{scene.pseudonym('dr-b')[:8]}" in page.text


def test_queue_filters_live_in_the_url(scene: Scene) -> None:
    client = scene.env.signed_in(Role.privacy_officer)

    def ids(query: str) -> list[int]:
        response = client.get(f"/monitor.json?{query}")
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["alerts"]]

    vips = {scene.vip_a["id"], scene.vip_b["id"]}
    assert set(ids("detector=vip_access")) == vips
    assert set(ids(f"detector={scene.bulk['detector']}")) == {scene.bulk["id"]}
    assert ids(f"user={scene.pseudonym('dr-b')[:8]}") == [scene.vip_b["id"]]
    assert ids(f"user=%23{scene.pseudonym('it-f')[:6]}") == [scene.bulk["id"]]
    incident = START + timedelta(days=INCIDENT_DAY)
    later = incident + timedelta(days=1)
    assert scene.vip_a["id"] not in ids(f"until={incident.isoformat()}")
    assert ids(f"since={later.isoformat()}&detector=vip_access") == [scene.vip_a["id"]]
    assert ids("status=dismissed") == []
    # The HTML form keeps the filters it was given.
    page = client.get("/monitor?detector=vip_access")
    assert " selected>vip access</option>" in page.text
    # Bad filters are refused with the one error shape.
    bad = client.get("/monitor.json?user=not-hex")
    assert bad.status_code == 400 and bad.json()["ok"] is False
    unknown = client.get("/monitor.json?detector=no_such_detector")
    assert unknown.status_code == 400 and "detector" in unknown.json()["error"]


def test_queue_is_paginated(scene: Scene) -> None:
    client = scene.env.signed_in(Role.privacy_officer)
    first = client.get("/monitor.json?per_page=1").json()
    assert first["pages"] == first["total"] >= 3
    assert first["next_url"] == "/monitor?status=active&per_page=1&page=2"
    assert first["previous_url"] is None
    second = client.get(first["next_url"].replace("/monitor?", "/monitor.json?")).json()
    assert second["alerts"][0]["id"] != first["alerts"][0]["id"]
    assert second["previous_url"] == "/monitor?status=active&per_page=1&page=1"


# --- an alert and its evidence --------------------------------------------------------------


def test_alert_page_shows_why_it_fired_and_the_events(scene: Scene) -> None:
    client = scene.env.signed_in(Role.privacy_officer)
    alert_id = scene.vip_b["id"]
    page = client.get(f"/monitor/alerts/{alert_id}")
    assert page.status_code == 200
    assert "VIP or confidential patient" in page.text
    body = client.get(f"/monitor/alerts/{alert_id}.json").json()
    assert body["alert"]["explanation"] == scene.vip_b["explanation"]
    (event,) = body["events"]
    assert event["patient_pseudonym"] == scene.pseudonym("p-vip")
    assert event["reason"] == "unexplained"
    assert event["event_id"] in body["alert"]["evidence"]
    assert event["time"].startswith((START + timedelta(days=INCIDENT_DAY)).isoformat())
    assert body["alert"]["status"] == "open" and body["alert"]["history"] == []
    assert "Starling" not in page.text


def test_bulk_alert_lists_its_events_with_reasons(scene: Scene) -> None:
    client = scene.env.signed_in(Role.privacy_officer)
    body = client.get(f"/monitor/alerts/{scene.bulk['id']}.json").json()
    assert body["events_shown"] == len(body["events"]) > 0
    assert {e["reason"] for e in body["events"]} == {"unexplained"}
    assert all(e["subtype"] == "search-type" for e in body["events"])


def test_names_are_shown_only_when_asked_and_the_view_is_audited(scene: Scene) -> None:
    client = scene.env.signed_in(Role.privacy_officer)
    before = len(list(iter_events(scene.env.store)))
    page = client.get(f"/monitor/alerts/{scene.vip_b['id']}?names=1")
    assert page.status_code == 200
    assert "Vera Starling" in page.text and "Bob Baker" in page.text
    events = list(iter_events(scene.env.store))
    assert len(events) == before + 1
    entities = {e["what"].get("reference") for e in events[-1]["entity"]}
    assert f"Patient/{scene.pseudonym('p-vip')}" in entities
    assert f"Alert/{scene.vip_b['id']}" in entities
    # The same page without names records nothing.
    client.get(f"/monitor/alerts/{scene.vip_b['id']}")
    assert len(list(iter_events(scene.env.store))) == before + 1


def test_the_auditor_reads_in_pseudonyms_only(scene: Scene) -> None:
    client = scene.env.signed_in(Role.auditor)
    assert client.get("/monitor").status_code == 200
    assert client.get(f"/monitor/alerts/{scene.vip_b['id']}").status_code == 200
    refused = client.get(f"/monitor/alerts/{scene.vip_b['id']}.json?names=1")
    assert refused.status_code == 403 and "Starling" not in refused.text
    assert client.get("/monitor.json?names=1").status_code == 403
    page = client.get(f"/monitor/alerts/{scene.vip_b['id']}")
    assert 'id="dismiss-form"' not in page.text  # no actions for a read-only role


# --- decisions ------------------------------------------------------------------------------


def test_dismiss_with_a_reason_takes_the_alert_off_the_queue(scene: Scene) -> None:
    client = scene.env.signed_in(Role.privacy_officer)
    alert_id = scene.vip_a["id"]
    page = f"/monitor/alerts/{alert_id}"
    response = _post(
        client, f"{page}/dismiss", page, reason="false_positive", note="Consult, phoned in"
    )
    assert response.status_code == 303 and response.headers["location"] == page
    record = monitor.review_alert(scene.env.store, alert_id)
    assert record["status"] == "dismissed" and record["reason"] == "false_positive"
    assert record["history"][0]["by"] == "privacy-officer"
    assert alert_id not in [a["id"] for a in client.get("/monitor.json").json()["alerts"]]
    assert [a["id"] for a in client.get("/monitor.json?status=dismissed").json()["alerts"]] == [
        alert_id
    ]
    # The case (what `phiwatch monitor case` shows) carries the decision as a note.
    notes = monitor.get_case(scene.env.store, scene.vip_a["case"])["notes"]
    assert "dismissed as false positive: Consult, phoned in" in notes[-1]["text"]
    assert "Consult, phoned in" in client.get(page).text


def test_dismiss_refuses_a_bad_reason_and_a_missing_token(scene: Scene) -> None:
    client = scene.env.signed_in(Role.privacy_officer)
    alert_id = scene.vip_a["id"]
    page = f"/monitor/alerts/{alert_id}"
    bad = _post(client, f"{page}/dismiss", page, reason="bored")
    assert bad.status_code == 400
    no_token = client.post(f"{page}/dismiss", data={"reason": "benign"})
    assert no_token.status_code == 403
    assert monitor.review_alert(scene.env.store, alert_id)["status"] == "open"


def test_escalate_puts_the_case_under_review(scene: Scene) -> None:
    client = scene.env.signed_in(Role.privacy_officer)
    alert_id = scene.vip_b["id"]
    page = f"/monitor/alerts/{alert_id}"
    response = _post(client, f"{page}/escalate", page, note="Not on the care team")
    case_id = scene.vip_b["case"]
    assert response.headers["location"] == f"/monitor/cases/{case_id}"
    case = client.get(f"/monitor/cases/{case_id}.json").json()["case"]
    assert case["status"] == "reviewing"
    assert [a["status"] for a in case["alert_list"] if a["id"] == alert_id] == ["escalated"]
    assert "escalated to case" in case["notes"][-1]["text"]


def test_escalate_into_another_open_case(scene: Scene) -> None:
    """Two doctors opened the same VIP: one case for the story."""
    client = scene.env.signed_in(Role.privacy_officer)
    moved, target = scene.vip_a["id"], scene.vip_b["case"]
    old_case = scene.vip_a["case"]
    assert old_case != target
    page = f"/monitor/alerts/{moved}"
    assert f'<option value="{target}">case {target}' in client.get(page).text
    response = _post(client, f"{page}/escalate", page, case_id=str(target))
    assert response.headers["location"] == f"/monitor/cases/{target}"
    case = client.get(f"/monitor/cases/{target}.json").json()["case"]
    assert moved in [a["id"] for a in case["alert_list"]]
    assert monitor.get_alert(scene.env.store, moved)["case"] == target
    old_notes = monitor.get_case(scene.env.store, old_case)["notes"]
    assert f"moved to case {target}" in old_notes[-1]["text"]


def test_escalate_into_a_closed_case_is_refused(scene: Scene) -> None:
    client = scene.env.signed_in(Role.privacy_officer)
    closed = scene.bulk["case"]
    case_page = f"/monitor/cases/{closed}"
    done = _post(client, case_page, case_page, status="false_positive", note="Approved extract")
    assert done.status_code == 303
    page = f"/monitor/alerts/{scene.vip_a['id']}"
    refused = _post(client, f"{page}/escalate", page, case_id=str(closed))
    assert refused.status_code == 409
    assert monitor.get_alert(scene.env.store, scene.vip_a["id"])["case"] == scene.vip_a["case"]


def test_case_page_confirms_and_keeps_notes(scene: Scene) -> None:
    client = scene.env.signed_in(Role.privacy_officer)
    case_id = scene.vip_b["case"]
    page = f"/monitor/cases/{case_id}"
    response = _post(client, page, page, status="confirmed", note="Admitted in interview")
    assert response.status_code == 303
    case = monitor.get_case(scene.env.store, case_id)
    assert case["status"] == "confirmed"
    assert case["notes"][-1] == {
        "written": case["notes"][-1]["written"],
        "author": "privacy-officer",
        "status": "confirmed",
        "text": "Admitted in interview",
    }
    html = client.get(page).text
    assert "Admitted in interview" in html and 'id="case-status">confirmed' in html
    assert 'by <span class="author">privacy-officer</span>' in html
    listed = client.get("/monitor/cases.json?status=confirmed").json()["cases"]
    assert [c["id"] for c in listed] == [case_id]
    empty = _post(client, page, page)
    assert empty.status_code == 400


# --- assignment and the reviewer -------------------------------------------------------------


def test_a_reviewer_works_only_on_what_is_assigned(scene: Scene) -> None:
    officer = scene.env.signed_in(Role.privacy_officer)
    alert_id = scene.vip_b["id"]
    page = f"/monitor/alerts/{alert_id}"
    assert _post(officer, f"{page}/assign", page, assignee="reviewer").status_code == 303
    assert monitor.review_alert(scene.env.store, alert_id)["assignee"] == "reviewer"
    refused = _post(officer, f"{page}/assign", page, assignee="analyst")
    assert refused.status_code == 400  # an analyst may not review alerts

    reviewer = scene.env.signed_in(Role.reviewer)
    queue = reviewer.get("/monitor.json").json()
    assert [a["id"] for a in queue["alerts"]] == [alert_id]
    assert reviewer.get(page).status_code == 200
    assert reviewer.get(f"/monitor/alerts/{scene.bulk['id']}").status_code == 404  # as unknown
    assert reviewer.get(f"/monitor/cases/{scene.vip_b['case']}").status_code == 200
    assert reviewer.get(f"/monitor/cases/{scene.bulk['case']}").status_code == 404
    cases = reviewer.get("/monitor/cases.json").json()["cases"]
    assert [c["id"] for c in cases] == [scene.vip_b["case"]]
    other = f"/monitor/alerts/{scene.bulk['id']}"
    assert _post(reviewer, f"{other}/dismiss", page, reason="benign").status_code == 404
    assert _post(reviewer, f"{page}/acknowledge", page, note="On it").status_code == 303
    assert monitor.review_alert(scene.env.store, alert_id)["status"] == "acknowledged"
    assert _post(reviewer, f"{page}/dismiss", page, reason="benign").status_code == 303
    assert monitor.review_alert(scene.env.store, alert_id)["reason"] == "benign"


def test_pages_have_navigation_for_reviewing_roles_only(scene: Scene) -> None:
    for role, shown in [
        (Role.privacy_officer, True),
        (Role.reviewer, True),
        (Role.auditor, True),
        (Role.analyst, False),
        (Role.admin, False),
    ]:
        home = scene.env.signed_in(role).get("/").text
        assert ('href="/monitor"' in home) is shown, role
        assert scene.env.signed_in(role).get("/monitor").status_code == (200 if shown else 403)


def test_unknown_alert_and_case_are_404(scene: Scene) -> None:
    client = scene.env.signed_in(Role.privacy_officer)
    assert client.get("/monitor/alerts/99999.json").json()["status"] == 404
    assert client.get("/monitor/cases/99999").status_code == 404
    page = f"/monitor/alerts/{scene.vip_b['id']}"
    assert _post(client, "/monitor/alerts/99999/dismiss", page, reason="benign").status_code == 404


def test_empty_queue_before_any_detection(web: WebEnv, tmp_path: Path) -> None:
    client = web.signed_in(Role.privacy_officer)
    body = client.get("/monitor.json").json()
    assert body["total"] == 0 and body["alerts"] == [] and body["pages"] == 1
    assert "No alerts match." in client.get("/monitor").text


# --- the same on PostgreSQL ------------------------------------------------------------------


@pytest.mark.postgres
def test_review_queue_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    settings = load_settings(environ={}, data_dir=str(tmp_path / "data"), database_url=postgres_url)
    store = open_store(settings)
    try:
        env = WebEnv(settings=settings, store=store, app=create_app(settings, store=store))
        for role in (Role.privacy_officer, Role.reviewer):
            info = add_user(store, settings, role.value.replace("_", "-"), role, password=PASSWORD)
            env.user_ids[role] = info.id
        scene = build_scene(env)
        officer = env.signed_in(Role.privacy_officer)
        queue = officer.get("/monitor.json?per_page=2").json()
        assert queue["total"] == 3 and queue["alerts"][0]["id"] == scene.bulk["id"]
        assert [
            a["id"]
            for a in officer.get(
                f"/monitor.json?detector=vip_access&user={scene.pseudonym('dr-a')[:8]}"
            ).json()["alerts"]
        ] == [scene.vip_a["id"]]
        page = f"/monitor/alerts/{scene.vip_a['id']}"
        assert _post(officer, f"{page}/dismiss", page, reason="benign").status_code == 303
        assert officer.get("/monitor.json").json()["counts"]["dismissed"] == 1
        page = f"/monitor/alerts/{scene.vip_b['id']}"
        assert _post(officer, f"{page}/assign", page, assignee="reviewer").status_code == 303
        reviewer = env.signed_in(Role.reviewer)
        assert [a["id"] for a in reviewer.get("/monitor.json").json()["alerts"]] == [
            scene.vip_b["id"]
        ]
        moved = _post(officer, f"{page}/escalate", page, case_id=str(scene.bulk["case"]))
        assert moved.headers["location"] == f"/monitor/cases/{scene.bulk['case']}"
        case = officer.get(f"/monitor/cases/{scene.bulk['case']}.json").json()["case"]
        assert case["status"] == "reviewing"
        assert sorted(a["id"] for a in case["alert_list"]) == sorted(
            [scene.bulk["id"], scene.vip_b["id"]]
        )
        events = officer.get(f"/monitor/alerts/{scene.vip_b['id']}.json").json()["events"]
        assert [e["reason"] for e in events] == ["unexplained"]
    finally:
        store.close()
