"""The registry's pages and their JSON twins, through the real app over a real store."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from phiwatch import registry
from phiwatch.registry import BreachFilter
from phiwatch.security import Role
from tests.web.conftest import WebEnv, build_env, csrf_from, fast_hasher

ARCHIVE = "hhs_ocr_breach_report_archive_2024-04-26.csv"
INVESTIGATION = "hhs_ocr_breach_report_under_investigation_2024-06-28.csv"


def _bundled(name: str, folder: Path) -> Path:
    data = resources.files("phiwatch.registry") / "data" / f"{name}.gz"
    path = folder / name
    path.write_bytes(gzip.decompress(data.read_bytes()))
    return path


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    """An app whose registry holds the real 2024 archive (read-only tests share it)."""
    import phiwatch.security._passwords as passwords

    saved = passwords._hasher
    passwords._hasher = fast_hasher()
    folder = tmp_path_factory.mktemp("registry-web")
    built = build_env(folder / "data")
    registry.import_file(
        built.store, _bundled(ARCHIVE, folder), list_name=registry.ListName.archive
    )
    yield built
    built.store.close()
    passwords._hasher = saved


def test_overview_twin_has_the_totals_and_charts_data(env: WebEnv) -> None:
    client = env.signed_in(Role.analyst)
    data = client.get("/registry.json").json()
    assert data["ok"] is True
    assert (data["totals"]["breaches"], data["totals"]["individuals"]) == registry.count_breaches(
        env.store
    )
    years = data["chart_breaches_by_year"]["categories"]
    assert years[0] == "2009" and years == sorted(years)
    assert data["top_entities"][0]["entity"] == "Anthem Inc."
    html = client.get("/registry")
    assert html.status_code == 200
    assert html.headers["link"] == '</registry.json>; rel="alternate"; type="application/json"'
    assert html.text.count('role="img"') >= 3
    assert "<svg" not in str(data)  # charts are drawn for the page only, the twin carries numbers


def test_filtered_list_twin(env: WebEnv) -> None:
    client = env.signed_in(Role.auditor)
    query = "type=hacking&since=2015-01-01&until=2015-12-31&sort=-affected&per_page=10"
    data = client.get(f"/registry/breaches.json?{query}").json()
    expected = BreachFilter.from_user(
        types=["hacking"], since=_day(2015, 1, 1), until=_day(2015, 12, 31)
    )
    assert data["total"] == registry.count_breaches(env.store, expected)[0]
    assert data["rows"][0]["entity"] == "Anthem Inc."
    assert all(
        "Hacking/IT Incident" in r["types"] and r["submitted"].startswith("2015")
        for r in data["rows"]
    )
    assert data["next_url"] and "page=2" in data["next_url"] and "type=hacking" in data["next_url"]
    page = client.get(f"/registry/breaches?{query}")
    assert 'id="download-csv"' in page.text and "Anthem Inc." in page.text


def test_empty_form_fields_mean_no_filter(env: WebEnv) -> None:
    client = env.signed_in(Role.analyst)
    empty = "entity=&state=&type=&location=&entity_type=&business_associate=&since=&until=&min_affected=&status="
    data = client.get(f"/registry/breaches.json?{empty}").json()
    assert data["total"] == registry.count_breaches(env.store)[0]


def test_csv_download_matches_the_view(env: WebEnv) -> None:
    client = env.signed_in(Role.reviewer)
    query = "state=IN&type=hacking&sort=-affected"
    response = client.get(f"/registry/breaches.csv?{query}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    view = client.get(f"/registry/breaches.json?{query}&per_page=500").json()
    assert [r["id"] for r in rows] == [r["id"] for r in view["rows"]]
    assert rows[0]["entity"] == "Anthem Inc." and rows[0]["individuals_affected"] == "78800000"


def test_breach_and_entity_pages(env: WebEnv) -> None:
    client = env.signed_in(Role.analyst)
    anthem = registry.list_breaches(
        env.store, BreachFilter.from_user(entity="anthem"), sort="-affected"
    )[0]
    data = client.get(f"/registry/breaches/{anthem['id']}.json").json()
    assert data["breach"]["individuals_affected"] == 78_800_000
    assert "Anthem" in data["breach"]["description"]
    assert data["breach"]["history"][0]["kind"] == "new"
    page = client.get(f"/registry/breaches/{anthem['id']}")
    assert "78,800,000" in page.text and f"/registry/entities/{data['entity_slug']}" in page.text
    entity = client.get(f"/registry/entities/{data['entity_slug']}.json").json()
    assert len(entity["breaches"]) == len(data["breach"]["same_entity"]) + 1


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/registry/breaches/ffffffffff.json", 404),
        ("/registry/breaches/zz.json", 400),
        ("/registry/entities/nobody-at-all.json", 404),
        ("/registry/breaches.json?type=ransomware", 400),
        ("/registry/breaches.json?since=2016-01-01&until=2015-01-01", 400),
        ("/registry/breaches.json?per_page=100000", 400),
        ("/registry/breaches.json?since=2015-02-30", 400),
        ("/registry/breaches.json?min_affected=-5", 400),
    ],
)
def test_errors_have_one_shape(env: WebEnv, path: str, status: int) -> None:
    response = env.signed_in(Role.analyst).get(path)
    assert response.status_code == status
    body = response.json()
    assert body["ok"] is False and body["status"] == status and body["error"] and body["errors"]


def test_html_error_is_a_readable_page(env: WebEnv) -> None:
    response = env.signed_in(Role.analyst).get("/registry/breaches/ffffffffff")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"] and "no breach with id" in response.text


def test_upload_shows_what_changed_and_reupload_changes_nothing(tmp_path: Path) -> None:
    web = build_env(tmp_path / "data")
    try:
        client = web.signed_in(Role.privacy_officer)
        token = csrf_from(client.get("/registry/import").text)
        export = _bundled(INVESTIGATION, tmp_path)
        files = {"export": ("breach_report.csv", export.read_bytes(), "text/csv")}
        first = client.post("/registry/import", data={"csrf_token": token}, files=files)
        assert first.status_code == 201
        assert 'id="count-new">908<' in first.text
        again = client.post("/registry/import", data={"csrf_token": token}, files=files)
        assert again.status_code == 200 and "No changes" in again.text
        bad = {"export": ("breach_report.csv", b'"Name","State"\n"x","TX"\n', "text/csv")}
        refused = client.post("/registry/import", data={"csrf_token": token}, files=bad)
        assert refused.status_code == 400 and "not an HHS OCR breach portal export" in refused.text
        assert registry.count_breaches(web.store)[0] == 908
    finally:
        web.store.close()


def test_only_editors_may_import_or_change_the_watchlist(tmp_path: Path) -> None:
    web = build_env(tmp_path / "data")
    try:
        reviewer = web.signed_in(Role.reviewer)
        token = csrf_from(reviewer.get("/account").text)
        refused = reviewer.post("/registry/watchlist", data={"csrf_token": token, "name": "Anthem"})
        assert refused.status_code == 403
        analyst = web.signed_in(Role.analyst)
        token = csrf_from(analyst.get("/registry/watchlist").text)
        added = analyst.post(
            "/registry/watchlist",
            data={"csrf_token": token, "name": "Anthem"},
            follow_redirects=False,
        )
        assert added.status_code == 303
        watches = analyst.get("/registry/watchlist.json").json()["watches"]
        assert [w["name"] for w in watches] == ["Anthem"]
        removed = analyst.post(
            f"/registry/watchlist/{watches[0]['id']}/remove",
            data={"csrf_token": token},
            follow_redirects=False,
        )
        assert removed.status_code == 303
        assert analyst.get("/registry/watchlist.json").json()["watches"] == []
    finally:
        web.store.close()


def _day(year: int, month: int, day: int):
    from datetime import date

    return date(year, month, day)
