"""A patient follows the link in their alert in a real browser (Debian's chromium) and reports it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import select

from phiwatch.config import load_settings
from phiwatch.notify import SubscriptionRequest, compose, list_reports, subscribe
from phiwatch.security import enable_field_encryption
from phiwatch.store import open_store
from phiwatch.store.models.notify import OutboxMessage
from phiwatch.web import create_app
from tests.notify.conftest import free_port, ingest_rows, load_hospital

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
    ),
]


@pytest.fixture
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            browser.close()


def test_patient_reports_an_access_from_a_phone(chromium, tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = load_settings(
        environ={}, data_dir=str(tmp_path / "data"), secret_key="b" * 40, notify_base_url=base
    )
    store = open_store(settings)
    load_hospital(settings, store, tmp_path / "context")
    subscribe(store, settings, SubscriptionRequest("p-1", email="ana@example.org"))
    ingest_rows(
        settings, tmp_path / "ev", "d1", ["2024-05-03 10:00:00,rn-9,p-1,Chart Review Accessed,W"]
    )
    compose(settings, store)
    enable_field_encryption(store, settings)
    with store.reader() as session:
        link = json.loads(session.scalars(select(OutboxMessage.items)).one() or "{}")["report_url"]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, store=store),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        context = chromium.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(link)
        assert "Nurse M. Quill, Oncology" in page.inner_text("#notify-items")
        page.check("#verdict-not-me")
        page.fill("#words", "I have never been to the oncology ward.")
        page.click("#send-answer")
        page.wait_for_selector("#answer-reported")
        assert all(url.startswith(base) for url in requests), "a request left the machine"
    finally:
        server.should_exit = True
        thread.join(10)
    (report,) = list_reports(store, settings)
    assert report["words"] == "I have never been to the oncology ward."
    store.close()
