"""The registry in a real browser (Debian's chromium via Playwright), as a person would use it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from phiwatch import registry
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
from tests.web.test_registry_pages import ARCHIVE, INVESTIGATION, _bundled

pytestmark = BROWSER_MARKS


def test_registry_as_an_analyst(browser, web: WebEnv, artifacts: Path, tmp_path: Path) -> None:  # noqa: F811
    registry.import_file(
        web.store, _bundled(ARCHIVE, tmp_path), list_name=registry.ListName.archive
    )
    with live(web) as base:
        page, requests, problems = _page(browser, base)
        _sign_in(page, "analyst")
        page.wait_for_selector("#signed-in-as")

        # The overview: totals, charts with their tables.
        page.click("text=Breach registry")
        page.wait_for_selector("#total-breaches")
        assert page.inner_text("#total-breaches") == "5,371"
        assert page.locator("svg.chart").count() >= 3
        page.screenshot(path=str(artifacts / "registry-overview.png"), full_page=True)

        # Filter the list to hacking breaches in 2015, in the form.
        page.goto(f"{base}/registry/breaches")
        page.select_option("select[name=type]", "hacking")
        page.fill("input[name=since]", "2015-01-01")
        page.fill("input[name=until]", "2015-12-31")
        page.select_option("select[name=sort]", "-affected")
        page.click("#apply-filters")
        page.wait_for_selector("#result-count")
        assert "type=hacking" in page.url and "since=2015-01-01" in page.url
        expected = registry.count_breaches(
            web.store,
            registry.BreachFilter.from_user(
                types=["hacking"], since=_day(2015, 1, 1), until=_day(2015, 12, 31)
            ),
        )
        assert page.inner_text("#result-count").startswith(f"{expected[0]:,} breaches")
        page.screenshot(path=str(artifacts / "registry-list-hacking-2015.png"), full_page=True)

        # Download the CSV of this view and check its rows.
        with page.expect_download() as download_info:
            page.click("#download-csv")
        rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text())))
        assert len(rows) == expected[0]
        assert all(
            "Hacking/IT Incident" in r["types"] and r["submitted"].startswith("2015") for r in rows
        )

        # Open the Anthem breach.
        page.click("text=Anthem Inc.")
        page.wait_for_selector("#individuals-affected")
        assert page.inner_text("#individuals-affected") == "78,800,000"
        assert "Anthem" in page.inner_text(".description")
        page.screenshot(path=str(artifacts / "registry-anthem.png"), full_page=True)

        # Upload an export and see what changed.
        page.goto(f"{base}/registry/import")
        page.set_input_files("#export-file", str(_bundled(INVESTIGATION, tmp_path)))
        page.click("#import-submit")
        page.wait_for_selector("#import-result")
        assert page.inner_text("#count-new") == "908"
        page.screenshot(path=str(artifacts / "registry-import.png"), full_page=True)

        assert all(url.startswith(base) for url in requests), [
            u for u in requests if not u.startswith(base)
        ]
        assert not problems, problems


def _day(year: int, month: int, day: int):
    from datetime import date

    return date(year, month, day)
