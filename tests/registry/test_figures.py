"""The seed figures hold on the real portal data.

Expected values are computed here, independently, from the raw CSV files
with nothing but the csv module, and compared with what phiwatch stores and
counts (the published Anthem figure is also checked as the literal fact).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from phiwatch import registry
from phiwatch.registry import BreachFilter, ListName
from phiwatch.store import Store
from tests.conftest import BACKENDS, open_test_store

from .conftest import ARCHIVE_2024, INVESTIGATION_2024, INVESTIGATION_2026


def _raw(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        return list(reader)


@pytest.fixture(scope="module", params=BACKENDS)
def pair_store(request, portal_dir, tmp_path_factory) -> Iterator[Store]:
    """The 2024 snapshot (archive and under-investigation lists of the same day), imported once
    per backend for this module; the tests only read it."""
    with open_test_store(request.param, tmp_path_factory.mktemp("pair")) as store:
        for name, list_name in (
            (ARCHIVE_2024, ListName.archive),
            (INVESTIGATION_2024, ListName.investigation),
        ):
            registry.import_file(store, portal_dir / name, list_name=list_name, as_of=_snapshot())
        yield store


def _snapshot():
    from datetime import date

    return date(2024, 6, 28)


@pytest.fixture
def pair_rows(portal_file) -> list[list[str]]:
    return _raw(portal_file(ARCHIVE_2024)) + _raw(portal_file(INVESTIGATION_2024))


def test_total_individuals_over_the_2024_pair(pair_store, pair_rows) -> None:
    expected_total = sum(int(r[3]) for r in pair_rows if r[3])
    assert registry.count_breaches(pair_store) == (len(pair_rows), expected_total)
    assert len(pair_rows) == 5371 + 908


def test_anthem_2015(pair_store) -> None:
    rows = registry.list_breaches(
        pair_store,
        BreachFilter.from_user(entity="anthem", since=_year(2015), until=_year_end(2015)),
    )
    assert [(r["entity"], r["individuals_affected"], r["submitted"].isoformat()) for r in rows] == [
        ("Anthem Inc.", 78_800_000, "2015-02-13")
    ]
    assert rows[0]["types"] == ["Hacking/IT Incident"]


def test_largest_five(pair_store, pair_rows) -> None:
    ranked = sorted((r for r in pair_rows if r[3]), key=lambda r: int(r[3]), reverse=True)[:5]
    top = registry.list_breaches(pair_store, sort="-affected", limit=5)
    assert [(t["entity"], t["individuals_affected"]) for t in top] == [
        (r[0].strip(), int(r[3])) for r in ranked
    ]
    assert top[0]["entity"] == "Anthem Inc."


def test_hacking_by_year(pair_store, pair_rows) -> None:
    expected_count: Counter[int] = Counter()
    expected_people: Counter[int] = Counter()
    all_by_year: Counter[int] = Counter()
    for r in pair_rows:
        year = int(r[4][-4:])
        all_by_year[year] += 1
        if "Hacking/IT Incident" in r[5].split(", "):
            expected_count[year] += 1
            expected_people[year] += int(r[3] or 0)
    stats = registry.breach_stats(pair_store, ["year"], BreachFilter.from_user(types=["hacking"]))
    assert {s["year"]: s["breaches"] for s in stats} == dict(expected_count)
    assert {s["year"]: s["individuals"] for s in stats} == dict(expected_people)
    # Hacking's share of each year's breaches, from grouping by year and type.
    shares = {
        s["year"]: s["breaches_share"]
        for s in registry.breach_stats(pair_store, ["year", "type"])
        if s["type"] == "Hacking/IT Incident"
    }
    for year, count in expected_count.items():
        assert shares[year] == round(100 * count / all_by_year[year], 1)


def test_size_buckets_partition_every_breach(pair_store, pair_rows) -> None:
    stats = registry.breach_stats(pair_store, ["size"])
    assert [s["size"] for s in stats] == [
        "500-999", "1k-9,999", "10k-99,999", "100k-999,999", "1M-9,999,999", "10M+", "unknown",
    ]  # fmt: skip
    assert sum(s["breaches"] for s in stats) == len(pair_rows)
    by_size = {s["size"]: s["breaches"] for s in stats}
    assert by_size["10M+"] == sum(1 for r in pair_rows if r[3] and int(r[3]) >= 10_000_000)
    assert by_size["500-999"] == sum(1 for r in pair_rows if r[3] and int(r[3]) < 1000)
    assert by_size["unknown"] == 1


def test_running_total_since_2009(pair_store, pair_rows) -> None:
    by_year: dict[int, int] = defaultdict(int)
    for r in pair_rows:
        by_year[int(r[4][-4:])] += int(r[3] or 0)
    running = 0
    expected = {}
    for year in sorted(by_year):
        running += by_year[year]
        expected[year] = running
    stats = registry.breach_stats(pair_store, ["year"], cumulative=True)
    assert {s["year"]: s["cumulative_individuals"] for s in stats} == expected
    assert stats[0]["year"] == 2009
    # "At any date": the total up to the end of 2015.
    until_2015 = registry.count_breaches(pair_store, BreachFilter.from_user(until=_year_end(2015)))
    assert until_2015[1] == expected[2015]


def test_types_count_each_breach_once_per_type(pair_store, pair_rows) -> None:
    expected: Counter[str] = Counter()
    for r in pair_rows:
        for t in r[5].split(", "):
            expected[t or "(not given)"] += 1
    stats = registry.breach_stats(pair_store, ["type"])
    assert {s["type"]: s["breaches"] for s in stats} == dict(expected)


def test_by_state_and_entity_type_cover_every_breach(pair_store, pair_rows) -> None:
    stats = registry.breach_stats(pair_store, ["state", "entity-type"])
    expected = Counter((r[1] or None, r[2] or None) for r in pair_rows)
    assert {(s["state"], s["entity_type"]): s["breaches"] for s in stats} == dict(expected)


def test_month_grouping(pair_store, pair_rows) -> None:
    stats = registry.breach_stats(pair_store, ["month"], BreachFilter.from_user(since=_year(2023)))
    expected = Counter(f"{r[4][-4:]}-{r[4][:2]}" for r in pair_rows if int(r[4][-4:]) >= 2023)
    assert {s["month"]: s["breaches"] for s in stats} == dict(expected)


def test_bundled_snapshot_adds_the_2026_list(store, portal_file) -> None:
    summaries = registry.import_bundled(store)
    assert [s.new for s in summaries] == [5371, 908, 733]
    assert summaries[2].delisted == 908
    total_rows = sum(
        len(_raw(portal_file(n))) for n in (ARCHIVE_2024, INVESTIGATION_2024, INVESTIGATION_2026)
    )
    assert registry.count_breaches(store)[0] == total_rows
    change = registry.list_breaches(
        store, BreachFilter.from_user(entity="change healthcare", min_affected=1_000_000)
    )
    assert [(c["individuals_affected"], c["submitted"].isoformat()) for c in change] == [
        (192_700_000, "2024-07-19")
    ]
    # Running it again adds nothing and never rolls the newer list back.
    again = registry.import_bundled(store)
    assert not any(s.changed for s in again)
    assert again[1].skipped


def _year(y: int):
    from datetime import date

    return date(y, 1, 1)


def _year_end(y: int):
    from datetime import date

    return date(y, 12, 31)
