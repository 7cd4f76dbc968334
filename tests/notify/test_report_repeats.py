"""One link, one open "that wasn't me" report: posting again adds to it, never a new alert.

The outside test posted "that wasn't me" five times from one message link
and got five reports and five alerts in the review queue. The report is now
counted instead, and the reviewer sees how often it came and what was said.
"""

from __future__ import annotations

from phiwatch.monitor import dismiss_alert, list_alerts, list_cases
from phiwatch.notify import list_reports
from phiwatch.security import Role, add_user, start_session
from phiwatch.web import create_app
from tests.notify.test_pages import alerted  # noqa: F401  (the fixture)
from tests.web.conftest import TestClient, csrf_from


def _post(client: TestClient, link: str, words: str | None = None) -> int:
    token = csrf_from(client.get(link).text)
    data = {"csrf_token": token, "verdict": "not_me"}
    if words is not None:
        data["words"] = words
    return int(client.post(link, data=data).status_code)


def test_five_posts_make_one_report_and_one_alert(alerted) -> None:  # noqa: F811
    hospital, client, links = alerted
    answers = [
        _post(client, links["message"], words)
        for words in ("I was away.", None, "", "Still not me.", None)
    ]
    assert answers == [201] * 5
    (report,) = list_reports(hospital.store, hospital.settings, status=None)
    assert report["posts"] == 5 and report["last_post_at"] is not None
    assert report["words"].startswith("I was away.") and report["words"].endswith("Still not me.")
    assert len(list_alerts(hospital.store)) == 1 and len(list_cases(hospital.store)) == 1


def test_the_reviewer_sees_the_count(alerted) -> None:  # noqa: F811
    hospital, client, links = alerted
    for _ in range(3):
        _post(client, links["message"])
    officer = add_user(
        hospital.store, hospital.settings, "po", Role.privacy_officer, oidc_subject="sso|po"
    )
    staff = TestClient(create_app(hospital.settings, store=hospital.store))
    staff.cookies.set("phiwatch_session", start_session(hospital.store, officer.id, address="t"))
    (row,) = staff.get("/notify/reports.json").json()["reports"]
    assert row["posts"] == 3
    page = staff.get("/notify/reports")
    assert '<td class="num posts">3 (latest' in page.text


def test_after_the_review_a_new_post_is_a_new_report(alerted) -> None:  # noqa: F811
    """A settled report stays settled; the patient posting again opens a fresh one."""
    hospital, client, links = alerted
    _post(client, links["message"])
    (alert,) = list_alerts(hospital.store)
    dismiss_alert(hospital.store, alert["id"], "benign", by="alice")
    assert list_reports(hospital.store, hospital.settings) == []
    _post(client, links["message"])
    _post(client, links["message"])
    (fresh,) = list_reports(hospital.store, hospital.settings)
    assert fresh["posts"] == 2
    assert len(list_reports(hospital.store, hospital.settings, status=None)) == 2
    assert len(list_alerts(hospital.store)) == 2


def test_words_stop_growing_past_the_limit(alerted) -> None:  # noqa: F811
    from phiwatch.notify._patient import MAX_REPORT_WORDS, MAX_WORDS

    hospital, client, links = alerted
    for _ in range(8):
        _post(client, links["message"], "x" * (MAX_WORDS - 1))
    (report,) = list_reports(hospital.store, hospital.settings)
    assert report["posts"] == 8
    assert len(report["words"]) <= MAX_REPORT_WORDS
