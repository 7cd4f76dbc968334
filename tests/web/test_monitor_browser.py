"""The review queue in a real browser: dismiss one alert, escalate another to a case.

Debian's chromium, driven by Playwright, signs in as the privacy officer on
a phone-width screen, works from ``/monitor`` through the forms (CSRF
tokens, redirects) and checks the store
agrees with what the pages say. Alerts come from the real detectors over
the hospital of tests/web/test_monitor_pages.py.
"""

from __future__ import annotations

from pathlib import Path

from phiwatch import monitor
from tests.web.conftest import WebEnv
from tests.web.test_browser import (  # noqa: F401  (fixtures)
    BROWSER_MARKS,
    CHROMIUM,
    _page,
    _sign_in,
    artifacts,
    browser,
    live,
)
from tests.web.test_monitor_pages import build_scene

pytestmark = BROWSER_MARKS


def test_dismiss_an_alert_and_escalate_another(browser, web: WebEnv, artifacts: Path) -> None:  # noqa: F811
    scene = build_scene(web)
    with live(web) as base:
        page, requests, problems = _page(browser, base)
        _sign_in(page, "privacy-officer")
        page.wait_for_selector("#signed-in-as")
        page.click("nav >> text=Review queue")
        page.wait_for_selector("#alerts")
        rows = page.locator("#alerts tbody tr")
        assert rows.count() == 3
        # Most severe first: the bulk read is on top.
        assert rows.nth(0).get_attribute("data-alert") == str(scene.bulk["id"])
        page.screenshot(path=str(artifacts / "monitor-queue.png"), full_page=True)

        # Dismiss dr-a's VIP access as a false positive, with a reason.
        page.click(f'#alerts tr[data-alert="{scene.vip_a["id"]}"] a')
        page.wait_for_selector("#events")
        assert "unexplained" in page.inner_text("#events")
        page.select_option("#dismiss-reason", "false_positive")
        page.fill("#dismiss-note", "Consult requested by phone")
        page.click("#dismiss")
        page.wait_for_selector("#alert-status >> text=dismissed")
        assert "false positive" in page.inner_text("#alert-status")
        assert "Consult requested by phone" in page.inner_text("#history")
        page.screenshot(path=str(artifacts / "monitor-alert-dismissed.png"), full_page=True)

        # Back in the queue it is gone; escalate dr-b's VIP access to a case.
        page.click("text=Back to the queue")
        page.wait_for_selector("#alerts")
        assert page.locator(f'#alerts tr[data-alert="{scene.vip_a["id"]}"]').count() == 0
        page.click(f'#alerts tr[data-alert="{scene.vip_b["id"]}"] a')
        page.wait_for_selector("#escalate-form")
        page.fill("#escalate-note", "Not on the VIP's care team")
        page.click("#escalate")
        page.wait_for_url(f"{base}/monitor/cases/{scene.vip_b['case']}")
        assert page.inner_text("#case-status") == "reviewing"
        assert "escalated" in page.inner_text("#case-alerts")
        assert "Not on the VIP's care team" in page.inner_text("#notes")
        page.screenshot(path=str(artifacts / "monitor-case.png"), full_page=True)

        # The case is confirmed from its page.
        page.select_option("#case-status-select", "confirmed")
        page.fill("#case-note", "Admitted in interview")
        page.click("#update-case")
        page.wait_for_selector("#case-status >> text=confirmed")

        assert all(url.startswith(base) for url in requests), requests
        assert problems == [], problems

    dismissed = monitor.review_alert(web.store, scene.vip_a["id"])
    assert (dismissed["status"], dismissed["reason"]) == ("dismissed", "false_positive")
    assert monitor.review_alert(web.store, scene.vip_b["id"])["status"] == "escalated"
    assert monitor.get_case(web.store, scene.vip_b["case"])["status"] == "confirmed"
